import type {KeyspaceReplication, RingNode} from '../../clients/cassandra-ring.js';
import type {CheckResult} from './types.js';

/**
 * The Cassandra ring as an operator reads it when a node dies (`nodetool status`, then "what can my
 * keyspaces still do?"): every node the cluster knows (system.local + system.peers_v2), whether it
 * answers a query sent to it, and per keyspace the fewest replicas still answering on any token range,
 * against what ONE, QUORUM and ALL need. Replica placement follows SimpleStrategy (the next RF nodes
 * clockwise) and NetworkTopologyStrategy per data centre (the next RF nodes of that centre; racks are
 * not taken into account, so with several racks per centre the placement is an approximation).
 */
export interface KeyspaceHealth {
  name: string;
  /** Replicas per token range (all data centres together), and per data centre. */
  replicas: number;
  /** The fewest replicas answering on any range: overall, and of the local data centre. */
  minLive: number;
  minLiveLocal: number;
  /** Whether every range still serves these levels. */
  one: boolean;
  quorum: boolean;
  localQuorum: boolean;
  all: boolean;
}

export interface RingHealth {
  nodes: RingNode[];
  keyspaces: KeyspaceHealth[];
}

export function ringHealth(nodes: RingNode[], keyspaces: KeyspaceReplication[], localDc: string): RingHealth {
  const ring = nodes
    .flatMap((n) => n.tokens.map((t) => ({token: BigInt(t), node: n})))
    .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const out: KeyspaceHealth[] = [];
  for (const ks of keyspaces) {
    if (ks.strategy === 'other' || ring.length === 0) continue;
    let replicas = 0;
    let minLive = Number.POSITIVE_INFINITY;
    let minLiveLocal = Number.POSITIVE_INFINITY;
    const localRf = ks.strategy === 'simple' ? (ks.factors['*'] ?? 0) : (ks.factors[localDc] ?? 0);
    for (let i = 0; i < ring.length; i++) {
      const chosen = replicasFrom(ring, i, ks);
      replicas = Math.max(replicas, chosen.length);
      minLive = Math.min(minLive, chosen.filter((n) => n.up).length);
      const local = ks.strategy === 'simple' ? chosen : chosen.filter((n) => n.dc === localDc);
      minLiveLocal = Math.min(minLiveLocal, local.filter((n) => n.up).length);
    }
    out.push({
      name: ks.name,
      replicas,
      minLive,
      minLiveLocal,
      one: minLive >= 1,
      quorum: minLive >= Math.floor(replicas / 2) + 1,
      localQuorum: localRf === 0 || minLiveLocal >= Math.floor(localRf / 2) + 1,
      all: minLive >= replicas,
    });
  }
  return {nodes, keyspaces: out};
}

/** The replicas of the range ending at ring[i]'s token: walking clockwise, the first distinct nodes each strategy takes. */
function replicasFrom(ring: Array<{node: RingNode}>, i: number, ks: KeyspaceReplication): RingNode[] {
  const chosen: RingNode[] = [];
  const perDc = new Map<string, number>();
  const want = (n: RingNode) => (ks.strategy === 'simple' ? (ks.factors['*'] ?? 0) : (ks.factors[n.dc] ?? 0));
  const total = Object.values(ks.factors).reduce((a, b) => a + b, 0);
  for (let step = 0; step < ring.length && chosen.length < total; step++) {
    const n = (ring[(i + step) % ring.length] as {node: RingNode}).node;
    if (chosen.includes(n)) continue;
    const dcKey = ks.strategy === 'simple' ? '*' : n.dc;
    if ((perDc.get(dcKey) ?? 0) >= want(n)) continue;
    perDc.set(dcKey, (perDc.get(dcKey) ?? 0) + 1);
    chosen.push(n);
  }
  return chosen;
}

/** The doctor check: fail when a keyspace lost its quorum on some range, warn when a node is down, else ok. */
export function ringCheck(h: RingHealth, localDc: string): Omit<CheckResult, 'ms'> {
  const down = h.nodes.filter((n) => !n.up);
  const noQuorum = h.keyspaces.filter((k) => !k.quorum || !k.localQuorum);
  const noOne = h.keyspaces.filter((k) => !k.one);
  const notAll = h.keyspaces.filter((k) => !k.all);
  const status = noQuorum.length > 0 ? 'fail' : down.length > 0 ? 'warn' : 'ok';
  const names = (ks: KeyspaceHealth[]) => ks.map((k) => `${k.name} (RF ${k.replicas})`).join(', ');
  const parts = [
    down.length === 0
      ? `${h.nodes.length} node(s), all answering`
      : `${down.length} of ${h.nodes.length} node(s) down: ${down.map((n) => `${n.address} (${n.reason})`).join(', ')}`,
  ];
  if (down.length > 0) {
    if (noOne.length > 0) parts.push(`data unavailable at any level in ${names(noOne)}`);
    const lostQuorum = noQuorum.filter((k) => k.one);
    if (lostQuorum.length > 0) parts.push(`no QUORUM/LOCAL_QUORUM in ${names(lostQuorum)}: only ONE is served`);
    const onlyAll = notAll.filter((k) => k.quorum && k.localQuorum);
    if (onlyAll.length > 0) parts.push(`QUORUM still served in ${names(onlyAll)}, ALL not`);
  }
  const hint =
    status === 'ok'
      ? undefined
      : `Bring ${down.map((n) => n.address).join(', ')} back (its process, log, disk; \`nodetool status\` on a live node). Meanwhile: reads and writes at a level the keyspace still serves go on; the down node gets the writes it missed from hints (within max_hint_window, 3 h by default) or from \`nodetool repair\`. cdcctl reconcile confirms differing rows at a quorum, so a lagging node shows no false drift while a quorum answers; a GDPR erasure done now reaches the down node only through hints or repair: \`cdcctl gdpr verify\` at ALL once it is back.`;
  return {
    target: 'cassandra',
    check: 'ring',
    status,
    detail: parts.join('; '),
    hint,
    data: {
      localDataCenter: localDc,
      nodes: h.nodes.map((n) => ({
        address: n.address,
        dc: n.dc,
        rack: n.rack,
        up: n.up,
        ...(n.reason ? {reason: n.reason} : {}),
      })),
      keyspaces: h.keyspaces,
    },
  };
}
