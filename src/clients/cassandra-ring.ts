import {setTimeout as sleep} from 'node:timers/promises';
import type {Client} from 'cassandra-driver';
import {SYSTEM_KEYSPACES} from './cassandra.js';

/**
 * The ring as the cluster records it (system.local + system.peers_v2, system_schema.keyspaces) and
 * whether each node answers a query sent to it: what `doctor`'s ring check judges and what a GDPR
 * erasure records about the replicas its deletes could not reach.
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
    .filter((k) => !SYSTEM_KEYSPACES.test(k.name))
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
