import {setTimeout as sleep} from 'node:timers/promises';
import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import type {MismatchRecord} from '../../store/reconcile.js';
import {canonFor, NULL_MARK, SEP} from './canonical.js';
import {type CassRow, cassFetch} from './cassandra-side.js';
import {type RowHasher, rowHasher, rowHashText} from './hash.js';
import type {KeyHashes} from './key-hashes.js';
import {type PgRow, pgFetch} from './pg-side.js';
import type {ResolvedTable} from './spec.js';

/**
 * Drill-down: keys of the mismatched buckets from both sides → candidates (missing, extra, value);
 * only those keys are read again from both databases for the column-level diff. Rows younger than
 * the min-age cut-off on either side are left out; after `recheckAfterMs` the survivors are read a
 * second time and only differences seen twice are reported (live CDC: the sink may just be behind).
 */
export interface ClassifyInput {
  table: ResolvedTable;
  cass: Client;
  pool: Pool;
  /** Keys that differ between the sides (see `candidatesOf`), with their bucket. */
  candidates: Map<string, number>;
  cutoff?: Date;
  shard: number;
  recheckAfterMs: number;
  onRecheck?: (count: number) => void;
}

/**
 * The keys whose row differs: Cassandra's keys of the mismatched buckets (`cassandra`, emptied as
 * it is consumed) against PostgreSQL's, which `streamPostgres` delivers one at a time, so only one
 * side is ever held in memory. Key → bucket.
 */
export async function candidatesOf(
  cassandra: KeyHashes,
  streamPostgres: (each: (pk: string, bucket: number, hash: string) => void) => Promise<void>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await streamPostgres((pk, bucket, hash) => {
    const differs = cassandra.differs(pk, hash);
    if (differs === undefined) {
      out.set(pk, bucket); // extra
      return;
    }
    if (differs >= 0) out.set(pk, differs); // value
    cassandra.delete(pk);
  });
  for (const [pk, bucket] of cassandra.buckets()) out.set(pk, bucket); // missing
  cassandra.clear();
  return out;
}

export async function classify(input: ClassifyInput): Promise<{mismatches: MismatchRecord[]; skipped: number}> {
  const {candidates} = input;
  const keys = [...candidates.keys()];
  let found = await evaluate(input, keys, candidates);
  if (input.recheckAfterMs > 0 && found.size > 0) {
    input.onRecheck?.(found.size);
    await sleep(input.recheckAfterMs);
    const again = await evaluate(input, [...found.keys()], candidates);
    found = new Map([...again].filter(([k]) => found.has(k)));
  }
  const mismatches = [...found.values()].sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
  return {mismatches, skipped: keys.length - mismatches.length};
}

/** Reads the keys from both sides now and returns those that differ (young rows left out). */
export async function evaluate(
  input: Pick<ClassifyInput, 'table' | 'cass' | 'pool' | 'cutoff' | 'shard'>,
  keys: string[],
  buckets: Map<string, number>,
): Promise<Map<string, MismatchRecord>> {
  const {table: t} = input;
  const [cRows, pRows] = await Promise.all([cassFetch(input.cass, t, keys), pgFetch(input.pool, t, keys)]);
  const canons = t.compared.map((c) => [c.name, canonFor(c.type)] as const);
  const cutoffUs = input.cutoff ? input.cutoff.getTime() * 1000 : undefined;
  const out = new Map<string, MismatchRecord>();
  for (const pk of keys) {
    const c = cRows.get(pk);
    const p = pRows.get(pk);
    if (!c && !p) continue;
    if (cutoffUs !== undefined && c?.writetimeUs !== undefined && c.writetimeUs > cutoffUs) continue;
    if (input.cutoff && p?.updatedAt && p.updatedAt > input.cutoff) continue;
    const kind: MismatchRecord['kind'] = !p ? 'missing' : !c ? 'extra' : 'value';
    const columns: MismatchRecord['columns'] = [];
    if (c && p) {
      for (const [name, canon] of canons) {
        const cv = canon(c.row[name]);
        const cText = cv === NULL_MARK ? null : cv;
        const pText = p.cols[name] ?? null;
        if (cText !== pText) columns.push({column: name, cassandra: cText, postgres: pText});
      }
      if (columns.length === 0) continue;
    }
    out.set(pk, {
      table: t.name,
      pk,
      shard: input.shard,
      key: keyObject(t, pk),
      kind,
      columns,
      bucket: buckets.get(pk) ?? -1,
      pgHash: p ? pgRowHash(t, pk, p) : null,
      cassandraWritetime: c?.writetimeUs ?? null,
    });
  }
  return out;
}

export function keyObject(t: ResolvedTable, pk: string): Record<string, string> {
  const parts = pk.split(SEP);
  return Object.fromEntries(t.key.map((c, i) => [c.name, parts[i] as string]));
}

const hashers = new WeakMap<ResolvedTable, RowHasher>();

/**
 * The PostgreSQL row hash (as the server computes it) from the canonical texts read: the scan's own
 * row text (rowHasher), whose rule for NULLs and float bits thus lives in one place.
 */
export function pgRowHash(t: ResolvedTable, pk: string, p: PgRow): string {
  let hasher = hashers.get(t);
  if (!hasher) {
    hasher = rowHasher(t);
    hashers.set(t, hasher);
  }
  return rowHashText(hasher.rowOf(p.cols, pk));
}

export type {CassRow};
