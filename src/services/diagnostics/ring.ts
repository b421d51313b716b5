import {setTimeout as sleep} from 'node:timers/promises';
import type {Client} from 'cassandra-driver';
import type {CheckResult} from './types.js';

/**
 * The Cassandra ring as an operator reads it when a node dies (`nodetool status`, then "what can my
 * keyspaces still do?"): every node the cluster knows (system.local + system.peers_v2), whether it
 * answers a query sent to it, and per keyspace the fewest replicas still answering on any token range,
 * against what ONE, QUORUM and ALL need. Replica placement follows SimpleStrategy (the next RF nodes
 * clockwise) and NetworkTopologyStrategy per data centre (the next RF nodes of that centre; racks are
 * not taken into account, so with several racks per centre the placement is an approximation).
 */
export interface RingNode {
  address: string;
  dc: string;
  rack: string;
  tokens: string[];
  up: boolean;
  /** Why it is not up (the driver's error), when it is not. */
  reason?: string;
}

export interface KeyspaceReplication {
  name: string;
  strategy: 'simple' | 'network' | 'other';
  /** SimpleStrategy: {'*': rf}; NetworkTopologyStrategy: dc → rf. */
  factors: Record<string, number>;
}

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

/** Parses system_schema.keyspaces' replication map. */
export function keyspaceReplication(name: string, replication: Record<string, string>): KeyspaceReplication {
  const cls = replication.class ?? '';
  if (/SimpleStrategy$/.test(cls)) {
    return {name, strategy: 'simple', factors: {'*': Number.parseInt(replication.replication_factor ?? '0', 10)}};
  }
  if (/NetworkTopologyStrategy$/.test(cls)) {
    const factors: Record<string, number> = {};
    for (const [k, v] of Object.entries(replication)) if (k !== 'class') factors[k] = Number.parseInt(v, 10);
    return {name, strategy: 'network', factors};
  }
  return {name, strategy: 'other', factors: {}};
}

const SYSTEM =
  /^(system|system_auth|system_schema|system_distributed|system_traces|system_views|system_virtual_schema)$/;

/**
 * Reads the ring from a connected client: the membership the cluster records, then one query sent to
 * each node (in parallel, `probeMs` each). A node that does not answer is down for cdcctl's purposes,
 * whatever the reason (process gone, network, overloaded).
 */
export async function readRing(
  client: Client,
  probeMs: number,
): Promise<{nodes: RingNode[]; keyspaces: KeyspaceReplication[]}> {
  const local = (await client.execute('SELECT rpc_address, data_center, rack, tokens FROM system.local')).first();
  const peers = (await client.execute('SELECT native_address, data_center, rack, tokens FROM system.peers_v2')).rows;
  const members = [
    {
      address: String(local?.get('rpc_address')),
      dc: local?.get('data_center'),
      rack: local?.get('rack'),
      tokens: local?.get('tokens'),
    },
    ...peers.map((p) => ({
      address: String(p.get('native_address')),
      dc: p.get('data_center'),
      rack: p.get('rack'),
      tokens: p.get('tokens'),
    })),
  ];
  const hosts = client.hosts.values();
  const nodes = await Promise.all(
    members.map(async (m): Promise<RingNode> => {
      const node = {
        address: m.address,
        dc: String(m.dc ?? ''),
        rack: String(m.rack ?? ''),
        tokens: [...(m.tokens ?? [])].map(String),
        up: false,
      };
      const host = hosts.find((h) => h.address.split(':')[0] === m.address);
      if (!host) return {...node, reason: 'the driver knows no such host'};
      const deadline = Date.now() + probeMs;
      for (;;) {
        try {
          await client.execute('SELECT key FROM system.local', [], {host, readTimeout: probeMs, isIdempotent: true});
          return {...node, up: true};
        } catch (err) {
          // the driver opens a host's pool on first use, and refuses a query sent while it is opening
          if (!/No connection available/.test(causeText(err)) || Date.now() > deadline)
            return {...node, reason: reasonOf(err, probeMs)};
          await sleep(50);
        }
      }
    }),
  );
  const ks = (await client.execute('SELECT keyspace_name, replication FROM system_schema.keyspaces')).rows;
  const keyspaces = ks
    .map((r) => keyspaceReplication(String(r.get('keyspace_name')), r.get('replication') as Record<string, string>))
    .filter((k) => !SYSTEM.test(k.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {nodes: nodes.sort((a, b) => a.address.localeCompare(b.address, 'en', {numeric: true})), keyspaces};
}

function causeText(err: unknown): string {
  const e = err as Error & {innerErrors?: Record<string, Error>};
  return [e.message, ...Object.values(e.innerErrors ?? {}).map((x) => x.message)].join('\n');
}

/** Why a node did not answer, in the words an operator needs (the driver wraps them in NoHostAvailableError). */
function reasonOf(err: unknown, probeMs: number): string {
  const text = `${(err as Error).name} ${(err as Error).message}`;
  if (/OperationTimedOut|timed out/i.test(text)) return `no answer within ${probeMs} ms`;
  if (/ECONNREFUSED|considered as DOWN|NoHostAvailable/i.test(text)) return 'not accepting connections';
  return (err as Error).message.split('\n')[0] as string;
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
