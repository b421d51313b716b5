import type {Client, types} from 'cassandra-driver';
import {invalidQuery} from '../../clients/cassandra.js';
import {mapAll} from '../../util/concurrency.js';
import {type CqlType, cassandraCanHold, cqlKeyFromCanon, keyCanonFor, splitKey, T} from './canonical.js';
import type {ResolvedColumn, ResolvedTable} from './spec.js';

/**
 * The Cassandra side: the Murmur3 ring cut into token splits (start-exclusive, end-inclusive), the
 * prepared split query selecting only the compared columns, and point reads by key for drill-down.
 */

export interface Split {
  id: number;
  /** Token bounds as decimal strings (Murmur3: −2^63 … 2^63−1). */
  start: string;
  end: string;
}

/** cassandra-driver's codes (types.consistencies) of the levels a reconciliation reads at. */
export const CONSISTENCY = {ONE: 1, QUORUM: 4, ALL: 5, LOCAL_QUORUM: 6, LOCAL_ONE: 10} as const;
export type ConsistencyName = keyof typeof CONSISTENCY;

/**
 * The level a differing row is read back at: the run's, raised to a quorum. On a ring where a replica
 * missed writes (down, hints not yet delivered or expired), ONE may answer with its old row, and the
 * scan then finds drift that is not there; a quorum read returns the newest version (and repairs the
 * replica), so only drift that a quorum of replicas holds is reported.
 */
export function confirmingConsistency(level: ConsistencyName): ConsistencyName {
  return level === 'ONE' ? 'QUORUM' : level === 'LOCAL_ONE' ? 'LOCAL_QUORUM' : level;
}

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** `count` contiguous splits covering the whole ring, in token order. */
export function tokenSplits(count: number): Split[] {
  const span = MAX - MIN;
  const out: Split[] = [];
  for (let i = 0; i < count; i++) {
    const start = MIN + (span * BigInt(i)) / BigInt(count);
    const end = i === count - 1 ? MAX : MIN + (span * BigInt(i + 1)) / BigInt(count);
    out.push({id: i, start: start.toString(), end: end.toString()});
  }
  return out;
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;

export function cqlTable(t: ResolvedTable): string {
  return `${q(t.keyspace)}.${q(t.table)}`;
}

function selectList(t: ResolvedTable, withWritetime: boolean): string {
  const cols = [...t.key, ...t.compared].map((c) => q(c.name));
  if (withWritetime && t.writetimeColumn) cols.push(`writetime(${q(t.writetimeColumn)}) AS wt__`);
  return cols.join(', ');
}

export function splitQuery(t: ResolvedTable, withWritetime: boolean): string {
  const tok = `token(${t.partitionKey.map(q).join(', ')})`;
  return `SELECT ${selectList(t, withWritetime)} FROM ${cqlTable(t)} WHERE ${tok} > ? AND ${tok} <= ?`;
}

/** The rows of a list of partition keys (a table keyed by one partition key column). */
export function keyInQuery(t: ResolvedTable): string {
  return `SELECT ${selectList(t, true)} FROM ${cqlTable(t)} WHERE ${q((t.key[0] as {name: string}).name)} IN ?`;
}

export function keyQuery(t: ResolvedTable): string {
  return `SELECT ${selectList(t, true)} FROM ${cqlTable(t)} WHERE ${t.key.map((c) => `${q(c.name)} = ?`).join(' AND ')}`;
}

export interface CassRow {
  row: Record<string, unknown>;
  /** writetime() of the dating column, µs since the epoch (undefined when not selected or null). */
  writetimeUs?: number;
}

/** Keys per multi-partition read (IN ?), and such reads in flight. */
const IN_BATCH = 100;
const IN_FLIGHT = 8;

/**
 * Reads the rows with these canonical keys. A table keyed by its partition key alone (one column) is
 * read 100 keys per prepared `IN ?` query: a round trip and a request per key made 1,000 point reads
 * cost ~0.4 s, against ~0.1 s this way. Other tables, keys an IN list cannot carry (inListAlters), and
 * clusters that refuse such a list (the partition_keys_in_select guardrail): prepared point reads, 32
 * in flight. Keys Cassandra cannot hold (cassandraCanHold) are not asked for.
 */
export async function cassFetch(
  client: Client,
  t: ResolvedTable,
  all: string[],
  consistency?: number,
): Promise<Map<string, CassRow>> {
  const {types: cql} = (await import('cassandra-driver')).default;
  const out = new Map<string, CassRow>();
  const keys = all.filter((key) =>
    splitKey(key, t.key).every((part, i) => cassandraCanHold(part, (t.key[i] as ResolvedColumn).type)),
  );
  const keep = (key: string, row: types.Row) => {
    const wt = row.get('wt__') as {toNumber(): number} | null | undefined;
    out.set(key, {row: row as unknown as Record<string, unknown>, writetimeUs: wt ? Number(wt.toString()) : undefined});
  };
  const single = t.key.length === 1 && t.partitionKey.length === 1 ? t.key[0] : undefined;
  let pointKeys = keys;
  if (single) {
    const canon = keyCanonFor(single.type);
    const query = keyInQuery(t);
    const listed = keys.filter((key) => !inListAlters(key, single.type));
    pointKeys = keys.filter((key) => inListAlters(key, single.type));
    const batches: string[][] = [];
    for (let i = 0; i < listed.length; i += IN_BATCH) batches.push(listed.slice(i, i + IN_BATCH));
    try {
      await mapAll(batches, IN_FLIGHT, async (batch) => {
        const params = [batch.map((key) => cqlKeyFromCanon(splitKey(key, t.key)[0] as string, single.type, cql))];
        const res = await client.execute(query, params, {prepare: true, fetchSize: IN_BATCH * 2, consistency});
        for (const row of res.rows) keep(canon(row.get(single.name)), row);
      });
    } catch (err) {
      if (!invalidQuery(err)) throw err;
      out.clear(); // refused: read them one by one instead
      pointKeys = keys;
    }
  }
  const query = keyQuery(t);
  await mapAll(pointKeys, 32, async (key) => {
    const parts = splitKey(key, t.key);
    const params = t.key.map((c, i) => cqlKeyFromCanon(parts[i] as string, c.type, cql));
    const row = (await client.execute(query, params, {prepare: true, consistency})).first();
    if (row) keep(key, row);
  });
  return out;
}

/**
 * Whether Cassandra changes this key in an `IN ?` list: it decodes the list's elements into Java values
 * and encodes them again, and Java makes an IPv4-mapped IPv6 address (::ffff:1.2.3.4, 16 bytes) the
 * IPv4 address (1.2.3.4, 4 bytes), another key: such a row was never found that way (checked on
 * Cassandra 5.0; `ip = ?` keeps the 16 bytes).
 */
export function inListAlters(key: string, t: CqlType): boolean {
  return t.code === T.inet && /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(key);
}
