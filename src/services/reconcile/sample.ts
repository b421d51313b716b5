import type {Pool} from 'pg';
import type {CassandraConnection} from '../../clients/cassandra.js';
import {type Split, tokenSplits} from './cassandra-side.js';
import {pgRowHash} from './drill.js';
import {pgFetch} from './pg-side.js';
import {runScan, type ScanThreads} from './scan.js';
import type {ResolvedTable} from './spec.js';

/**
 * `--sample <fraction>`: a quick estimate instead of a full comparison. A deterministic fraction of
 * the token splits is read from Cassandra (keys and row hashes), those keys are looked up in
 * PostgreSQL by primary key, and the missing and differing rows found are scaled up by the fraction.
 * Extra rows cannot be sampled by key from the Cassandra side; they are estimated from the row counts.
 */
export interface SampleEstimate {
  fraction: number;
  splitsSampled: number;
  rowsSampled: number;
  missingInSample: number;
  mismatchedInSample: number;
  estimatedMissing: number;
  estimatedMismatched: number;
  /** PostgreSQL rows minus the Cassandra rows extrapolated from the sample (≈ extra − missing). */
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
  pool: Pool;
  table: ResolvedTable;
  buckets: number;
  splits: number;
  fraction: number;
  cutoffUs?: number;
  workers?: number;
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
    workers: o.workers,
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
  const estimatedRows = rows.size / fraction;
  const estimatedMissing = Math.round(missing / fraction);
  const estimatedMismatched = Math.round(mismatched / fraction);
  const estimatedExtra = Math.max(0, Math.round(o.pgRows - (estimatedRows - estimatedMissing)));
  return {
    fraction,
    splitsSampled: chosen.length,
    rowsSampled: rows.size,
    missingInSample: missing,
    mismatchedInSample: mismatched,
    estimatedMissing,
    estimatedMismatched,
    estimatedExtra,
    estimatedDriftRatio: rows.size ? (missing + mismatched) / rows.size : 0,
  };
}
