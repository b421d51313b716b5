import type {BackfillRecord} from '../../store/backfill.js';

/** Public types of the backfill area (signals, cdcctl's own Cassandra backfill, re-snapshots). */

export type {BackfillRecord};

/** One thing `backfill setup` checks on a connector, and what it would change to make it right. */
export interface SetupItem {
  check: string;
  ok: boolean;
  detail: string;
}

export interface SetupResult {
  connector: string;
  dryRun: boolean;
  /** Everything was already in place (nothing to change). */
  ready: boolean;
  items: SetupItem[];
  /** Config keys to set (null removes), as sent to Kafka Connect. */
  config: Record<string, string | null>;
  /** Each changed key: its value before and after. */
  diff: Array<{key: string; before: string | null; after: string | null}>;
  /** Statements run on the source database (the signal table). */
  sql: string[];
  /** Kafka topics created (with --dry-run: to create): the Kafka channel's signal topic, one partition. */
  topics: string[];
  applied: boolean;
}

export type SignalChannel = 'source' | 'kafka';
export type SnapshotMode = 'incremental' | 'blocking';

/** One table of a snapshot signal: checked against the connector and the source database. */
export interface SignalTable {
  table: string;
  where?: string;
  /** The planner's row estimate for the table (with the condition), from EXPLAIN. */
  estimatedRows?: number;
}

/** Progress of one table, from Debezium's notifications. */
export interface TableProgress {
  table: string;
  state: 'pending' | 'running' | 'done' | 'skipped' | 'aborted';
  lastKey?: string;
  maximumKey?: string;
  /** 0…1 when the keys are numbers; undefined otherwise. */
  fraction?: number;
  chunks: number;
  rows?: number;
  status?: string;
}

export interface SignalProgress {
  id: string;
  connector: string;
  event: string;
  tables: TableProgress[];
  at: string;
}

export interface StartSignalResult {
  id: string;
  kind: 'signal';
  connector: string;
  channel: SignalChannel;
  mode: SnapshotMode;
  signalId: string;
  tables: SignalTable[];
  dryRun: boolean;
  /** What is (or would be) sent: the signal's type and data. */
  signal: {type: string; data: Record<string, unknown>};
  waited: boolean;
  status: string;
  progress?: TableProgress[];
}

export interface ControlResult {
  connector: string;
  action: 'stop' | 'pause' | 'resume';
  channel: SignalChannel;
  signalId: string;
  dryRun: boolean;
  signal: {type: string; data: Record<string, unknown>};
  /** The stored backfills of this connector the signal concerns (their status now). */
  backfills: Array<{id: string; status: string}>;
}

/** cdcctl's own Cassandra → PostgreSQL backfill of a reconcile table pair. */
export interface CassandraBackfillResult {
  id: string;
  kind: 'cassandra';
  table: string;
  dryRun: boolean;
  resumed: boolean;
  status: string;
  shard: {index: number; count: number};
  splits: number;
  splitsDone: number;
  splitsSkipped: number;
  rowsRead: number;
  /** Rows inserted (missing) or updated (older) in PostgreSQL; with --dry-run, that would be. */
  inserted: number;
  updated: number;
  /** Rows left alone: PostgreSQL already has them as they are, or newer (the guard). */
  unchanged: number;
  newer: number;
  filteredOut: number;
  ms: number;
  guard: string;
  warnings: string[];
}

export interface ResnapshotResult {
  id: string;
  kind: 'resnapshot';
  connector: string;
  dryRun: boolean;
  steps: Array<{step: string; ok: boolean; detail: string}>;
  backupFile: string;
  warnings: string[];
}

export interface BackfillDetails {
  backfill: BackfillRecord;
  splitsDone?: number;
}
