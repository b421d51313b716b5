import type {MismatchRecord, TableStatus} from '../../store/reconcile.js';
import type {SampleEstimate} from './sample.js';

/** The public types of `cdcctl reconcile`: a run's options, hooks and results (engine.ts runs it). */
export interface ReconcileOptions {
  tables: string[];
  runId?: string;
  resume?: string;
  shard: {index: number; count: number};
  minAgeMs?: number;
  recheckAfterMs: number;
  maxDiffRatio: number;
  buckets?: number;
  /** Token splits; default: about one per 25,000 rows, at least 4 per worker (resume granularity). */
  splits?: number;
  workers?: number;
  /** Cassandra page size in rows; default: by the table's row width (autoFetchSize). */
  fetchSize?: number;
  rateLimit?: number;
  spillDir?: string;
  consistency: 'ONE' | 'LOCAL_ONE' | 'LOCAL_QUORUM' | 'QUORUM' | 'ALL';
  push: boolean;
  alert: boolean;
  /** Quick estimate from this fraction of the token splits (nothing stored as mismatches). */
  sample?: number;
  /** How long a shard waits for other shards of its run that are not running (default 10 min). */
  shardTimeoutMs?: number;
}

export interface TableResult {
  table: string;
  shard: string;
  status: TableStatus;
  rowsCassandra: number;
  rowsPostgres: number;
  rowsYoung: number;
  buckets: number;
  mismatchedBuckets: number;
  /**
   * Mismatched buckets whose PostgreSQL rows had to be read by a scan of the table: the key lookups
   * left rows unexplained there (extras, or rows deleted meanwhile). 0 without a drill-down (always
   * present: --json keeps one shape whether or not the run found drift).
   */
  bucketsReadInFull: number;
  missing: number;
  extra: number;
  mismatched: number;
  skippedOnRecheck: number;
  /** Rows this process read from Cassandra (a shard reads only its token splits). */
  rowsScanned: number;
  durationMs: number;
  scanMs: number;
  pgMs: number;
  /** Drill-down, column diff and recheck. */
  drillMs: number;
  splitsResumed: number;
  sinkLag: {start: string | null; end: string | null};
  lossyColumns: Array<{name: string; reason: string}>;
  recommendation?: string;
  mismatches: MismatchRecord[];
  warnings: string[];
  /** Set in --sample mode: missing/extra/mismatched above are estimates. */
  sample?: SampleEstimate;
}

export interface ReconcileResult {
  runId: string;
  status: 'clean' | 'drift' | 'gave_up';
  tables: TableResult[];
}

export interface Progress {
  table: string;
  phase: 'scan' | 'drill' | 'recheck';
  rows: number;
  expected: number;
}

export interface ReconcileHooks {
  onProgress?: (p: Progress) => void;
  /** Test hook: called after each checkpoint is saved. */
  onCheckpoint?: (table: string, splitsDone: number) => void;
}
