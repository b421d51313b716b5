import type {Client} from 'cassandra-driver';
import {mapSettled} from '../../util/concurrency.js';
import {cqlKeyFromCanon, SEP} from './canonical.js';
import type {ResolvedTable} from './spec.js';

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

export function keyQuery(t: ResolvedTable): string {
  return `SELECT ${selectList(t, true)} FROM ${cqlTable(t)} WHERE ${t.key.map((c) => `${q(c.name)} = ?`).join(' AND ')}`;
}

export interface CassRow {
  row: Record<string, unknown>;
  /** writetime() of the dating column, µs since the epoch (undefined when not selected or null). */
  writetimeUs?: number;
}

/** Reads the rows with these canonical keys (prepared point reads, 32 in flight). */
export async function cassFetch(client: Client, t: ResolvedTable, keys: string[]): Promise<Map<string, CassRow>> {
  const {types} = (await import('cassandra-driver')).default;
  const query = keyQuery(t);
  const out = new Map<string, CassRow>();
  const results = await mapSettled(keys, 32, async (key) => {
    const parts = key.split(SEP);
    const params = t.key.map((c, i) => cqlKeyFromCanon(parts[i] as string, c.type, types));
    const res = await client.execute(query, params, {prepare: true});
    const row = res.first();
    if (row) {
      const wt = row.get('wt__') as {toNumber(): number} | null | undefined;
      out.set(key, {
        row: row as unknown as Record<string, unknown>,
        writetimeUs: wt ? Number(wt.toString()) : undefined,
      });
    }
  });
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
  return out;
}
