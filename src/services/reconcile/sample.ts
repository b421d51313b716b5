import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import type {CassandraConnection} from '../../clients/cassandra.js';
import {quoteIdent} from '../../store/sql.js';
import {cassFetch, type Split, tokenSplits} from './cassandra-side.js';
import {pgRowHash} from './drill.js';
import {pgFetch} from './pg-side.js';
import {runScan, type ScanThreads} from './scan.js';
import {pgKeyCanonSql, pgTableRef, type ResolvedTable} from './spec.js';

/**
 * `--sample <fraction>`: a quick estimate instead of a full comparison. A deterministic fraction of
 * the token splits is read from Cassandra (keys and row hashes), those keys are looked up in
 * PostgreSQL by primary key, and the missing and differing rows found are scaled up by the fraction.
 * Extra rows are sampled from the other side: the same fraction of PostgreSQL's rows (TABLESAMPLE),
 * looked up in Cassandra by key. (Estimating them from the row counts, PostgreSQL's against the
 * sample's extrapolated, turned the sample's own spread into hundreds of extra rows on a clean table.)
 */
export interface SampleEstimate {
  fraction: number;
  splitsSampled: number;
  rowsSampled: number;
  missingInSample: number;
  mismatchedInSample: number;
  estimatedMissing: number;
  estimatedMismatched: number;
  /** PostgreSQL rows sampled, and those of them that Cassandra does not hold. */
  pgRowsSampled: number;
  extraInSample: number;
  estimatedExtra: number;
  estimatedDriftRatio: number;
}

export function sampleSplits(all: Split[], fraction: number): Split[] {
  const want = Math.max(1, Math.round(all.length * fraction));
  const step = all.length / want;
  return Array.from({length: want}, (_, i) => all[Math.floor(i * step)] as Split);
}

export async function sampleTable(o: {
  conn: CassandraConnection;
  threads?: ScanThreads;
  cass: Client;
  pool: Pool;
  table: ResolvedTable;
  buckets: number;
  splits: number;
  fraction: number;
  cutoffUs?: number;
  /** The min-age cut-off (PostgreSQL's side of cutoffUs). */
  cutoff?: Date;
  fetchSize: number;
  consistency?: number;
  pgRows: number;
  onProgress?: (rows: number) => void;
}): Promise<SampleEstimate> {
  const chosen = sampleSplits(tokenSplits(o.splits), o.fraction);
  const fraction = chosen.length / o.splits;
  const rows = new Map<string, string>();
  await runScan({
    conn: o.conn,
    threads: o.threads,
    table: o.table,
    buckets: o.buckets,
    mode: 'collect',
    collectBuckets: Array.from({length: o.buckets}, (_, i) => i),
    fetchSize: o.fetchSize,
    cutoffUs: o.cutoffUs,
    consistency: o.consistency,
    splits: chosen,
    onProgress: o.onProgress,
    onSplit: (r) => {
      for (const [k, , h] of r.collected ?? []) rows.set(k, h);
    },
  });
  const found = await pgFetch(o.pool, o.table, [...rows.keys()]);
  let missing = 0;
  let mismatched = 0;
  for (const [k, h] of rows) {
    const p = found.get(k);
    if (!p) missing++;
    else if (pgRowHash(o.table, k, p) !== h) mismatched++;
  }
  const extras = await sampleExtras(o.cass, o.pool, o.table, fraction, o.cutoff, o.consistency);
  return {
    fraction,
    splitsSampled: chosen.length,
    rowsSampled: rows.size,
    missingInSample: missing,
    mismatchedInSample: mismatched,
    estimatedMissing: Math.round(missing / fraction),
    estimatedMismatched: Math.round(mismatched / fraction),
    pgRowsSampled: extras.sampled,
    extraInSample: extras.extra,
    estimatedExtra: extras.sampled ? Math.round((extras.extra * o.pgRows) / extras.sampled) : 0,
    estimatedDriftRatio:
      (rows.size ? (missing + mismatched) / rows.size : 0) + (extras.sampled ? extras.extra / extras.sampled : 0),
  };
}

/**
 * A repeatable `fraction` of PostgreSQL's rows (older than the min-age cut-off), and how many of their
 * keys Cassandra does not hold.
 */
async function sampleExtras(
  cass: Client,
  pool: Pool,
  t: ResolvedTable,
  fraction: number,
  cutoff?: Date,
  consistency?: number,
): Promise<{sampled: number; extra: number}> {
  const values: unknown[] = [fraction * 100];
  let where = '';
  if (cutoff && t.updatedAt) {
    values.push(cutoff);
    where = ` WHERE ${quoteIdent(t.updatedAt)} IS NULL OR ${quoteIdent(t.updatedAt)} < $2`;
  }
  const res = await pool.query<{pk: string}>(
    `SELECT ${pgKeyCanonSql(t)} AS pk FROM ${pgTableRef(t)} TABLESAMPLE BERNOULLI ($1) REPEATABLE (7)${where}`,
    values,
  );
  const keys = res.rows.map((r) => r.pk);
  const held = await cassFetch(cass, t, keys, consistency);
  return {sampled: keys.length, extra: keys.filter((k) => !held.has(k)).length};
}
