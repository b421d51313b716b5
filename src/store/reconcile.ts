import {inTransaction, type Store} from './index.js';

/**
 * Reconciliation results: runs, per-table (per-shard) figures with their resume checkpoint, and the
 * mismatches with their column-level differences. Shards of one run write their own rows; a run's
 * status is derived from them when read.
 */

export type TableStatus = 'running' | 'clean' | 'drift' | 'gave_up' | 'error' | 'interrupted';
export type RunStatus = TableStatus | 'partial';

/**
 * SQL: whether a session holds the reconcile advisory lock named by the text expression (lockName:
 * context/table/i/N): a table of a run is being worked on only while its run holds that lock.
 */
export function reconcileLockHeldSql(nameExpr: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = (hashtext('cdcctl.reconcile')::bigint & 4294967295)::oid
       AND l.objid = (hashtext(${nameExpr})::bigint & 4294967295)::oid)`;
}

/**
 * A table row's status as read: 'running' only while its run holds the table's lock; a run killed
 * (kill -9, a lost pod) left 'running' behind for good, and repair refused its run as unfinished.
 */
const liveStatus = (t: string, r: string) =>
  `CASE WHEN ${t}.status = 'running' AND NOT ${reconcileLockHeldSql(
    `${r}.context || '/' || ${t}.table_name || '/' || ${t}.shard || '/' || ${r}.shards`,
  )} THEN 'interrupted' ELSE ${t}.status END`;

export interface RunRecord {
  runId: string;
  context: string;
  startedAt: string;
  finishedAt: string | null;
  actor: string;
  shards: number;
  status: RunStatus;
  tables: string[];
  missing: number;
  extra: number;
  mismatched: number;
  rowsCassandra: number;
  rowsPostgres: number;
  options: Record<string, unknown>;
}

export interface TableRecord {
  runId: string;
  table: string;
  shard: number;
  status: TableStatus;
  fingerprint: string;
  buckets: number;
  splits: number;
  splitsDone: number[];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  rowsCassandra: number;
  rowsPostgres: number;
  rowsYoung: number;
  mismatchedBuckets: number;
  missing: number;
  extra: number;
  mismatched: number;
  sinkLagStart: string | null;
  sinkLagEnd: string | null;
  details: Record<string, unknown>;
}

export interface ColumnDiff {
  column: string;
  cassandra: string | null;
  postgres: string | null;
}

export interface MismatchRecord {
  table: string;
  /** Canonical key text (columns joined by \x1f). */
  pk: string;
  shard: number;
  key: Record<string, string>;
  kind: 'missing' | 'extra' | 'value';
  columns: ColumnDiff[];
  bucket: number;
  pgHash: string | null;
  cassandraWritetime: number | null;
}

export async function createRun(
  store: Store,
  run: {runId: string; context: string; actor: string; shards: number; options: Record<string, unknown>},
): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('reconcile_runs')} (run_id, context, actor, shards, options)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
    [run.runId, run.context, run.actor, run.shards, JSON.stringify(run.options)],
  );
}

const RUN_SELECT = (store: Store) => `
  SELECT r.run_id, r.context, r.started_at, r.actor, r.shards, r.options,
         array_remove(array_agg(DISTINCT t.table_name), NULL) AS tables,
         array_remove(array_agg(${liveStatus('t', 'r')}), NULL) AS statuses,
         count(t.*)::int AS parts, max(t.finished_at) AS finished_at,
         coalesce(sum(t.missing), 0)::int AS missing, coalesce(sum(t.extra), 0)::int AS extra,
         coalesce(sum(t.mismatched), 0)::int AS mismatched,
         coalesce(sum(t.rows_cassandra), 0)::float8 AS rows_cassandra, coalesce(sum(t.rows_postgres), 0)::float8 AS rows_postgres
    FROM ${store.table('reconcile_runs')} r LEFT JOIN ${store.table('reconcile_tables')} t USING (run_id)`;

interface RunRow {
  run_id: string;
  context: string;
  started_at: Date;
  actor: string;
  shards: number;
  options: Record<string, unknown>;
  tables: string[];
  statuses: TableStatus[];
  parts: number;
  finished_at: Date | null;
  missing: number;
  extra: number;
  mismatched: number;
  rows_cassandra: number;
  rows_postgres: number;
}

function runStatus(r: RunRow): RunStatus {
  const s = r.statuses;
  const expected = r.shards * Math.max(1, ((r.options.tables as string[] | undefined) ?? r.tables).length);
  if (s.includes('running')) return 'running';
  if (s.includes('interrupted')) return 'interrupted';
  if (s.includes('error')) return 'error';
  if (s.length < expected) return 'partial';
  if (s.includes('gave_up')) return 'gave_up';
  if (s.includes('drift')) return 'drift';
  return 'clean';
}

function toRun(r: RunRow): RunRecord {
  const status = runStatus(r);
  return {
    runId: r.run_id,
    context: r.context,
    startedAt: r.started_at.toISOString(),
    finishedAt: status === 'running' || !r.finished_at ? null : r.finished_at.toISOString(),
    actor: r.actor,
    shards: r.shards,
    status,
    tables: r.tables,
    missing: r.missing,
    extra: r.extra,
    mismatched: r.mismatched,
    rowsCassandra: r.rows_cassandra,
    rowsPostgres: r.rows_postgres,
    options: r.options,
  };
}

export async function getRun(store: Store, runId: string): Promise<RunRecord | undefined> {
  const res = await store.pool.query<RunRow>(`${RUN_SELECT(store)} WHERE r.run_id = $1 GROUP BY r.run_id`, [runId]);
  return res.rows[0] ? toRun(res.rows[0]) : undefined;
}

export async function listRuns(
  store: Store,
  filter: {context?: string; table?: string; limit: number},
): Promise<RunRecord[]> {
  const res = await store.pool.query<RunRow>(
    `${RUN_SELECT(store)}
      WHERE ($1::text IS NULL OR r.context = $1)
        AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM ${store.table('reconcile_tables')} x
                                          WHERE x.run_id = r.run_id AND x.table_name = $2))
      GROUP BY r.run_id ORDER BY r.started_at DESC LIMIT $3`,
    [filter.context ?? null, filter.table ?? null, filter.limit],
  );
  return res.rows.map(toRun);
}

interface TableRow {
  run_id: string;
  table_name: string;
  shard: number;
  status: TableStatus;
  fingerprint: string;
  buckets: number;
  splits: number;
  splits_done: number[];
  started_at: Date;
  finished_at: Date | null;
  duration_ms: string | null;
  rows_cassandra: string;
  rows_postgres: string;
  rows_young: string;
  mismatched_buckets: number;
  missing: number;
  extra: number;
  mismatched: number;
  sink_lag_start: string | null;
  sink_lag_end: string | null;
  details: Record<string, unknown>;
  checkpoint?: Buffer | null;
}

function toTable(r: TableRow): TableRecord {
  return {
    runId: r.run_id,
    table: r.table_name,
    shard: r.shard,
    status: r.status,
    fingerprint: r.fingerprint,
    buckets: r.buckets,
    splits: r.splits,
    splitsDone: r.splits_done,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    rowsCassandra: Number(r.rows_cassandra),
    rowsPostgres: Number(r.rows_postgres),
    rowsYoung: Number(r.rows_young),
    mismatchedBuckets: r.mismatched_buckets,
    missing: r.missing,
    extra: r.extra,
    mismatched: r.mismatched,
    sinkLagStart: r.sink_lag_start,
    sinkLagEnd: r.sink_lag_end,
    details: r.details,
  };
}

const TABLE_COLS = `run_id, table_name, shard, status, fingerprint, buckets, splits, splits_done, started_at, finished_at,
  duration_ms, rows_cassandra, rows_postgres, rows_young, mismatched_buckets, missing, extra, mismatched,
  sink_lag_start, sink_lag_end, details`;

export async function listTables(store: Store, runId: string): Promise<TableRecord[]> {
  const res = await store.pool.query<TableRow>(
    `SELECT ${TABLE_COLS.split(/,\s*/)
      .map((c) => (c === 'status' ? `${liveStatus('t', 'r')} AS status` : `t.${c}`))
      .join(', ')}
       FROM ${store.table('reconcile_tables')} t JOIN ${store.table('reconcile_runs')} r ON r.run_id = t.run_id
      WHERE t.run_id = $1 ORDER BY t.table_name, t.shard`,
    [runId],
  );
  return res.rows.map(toTable);
}

/** A table's row with its checkpoint (bucket sums of the finished splits), for --resume. */
export async function getTable(
  store: Store,
  key: {runId: string; table: string; shard: number},
): Promise<(TableRecord & {checkpoint: Buffer | null}) | undefined> {
  const res = await store.pool.query<TableRow>(
    `SELECT ${TABLE_COLS}, checkpoint FROM ${store.table('reconcile_tables')}
      WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
    [key.runId, key.table, key.shard],
  );
  const r = res.rows[0];
  return r ? {...toTable(r), checkpoint: r.checkpoint ?? null} : undefined;
}

export async function startTable(
  store: Store,
  t: {
    runId: string;
    table: string;
    shard: number;
    fingerprint: string;
    buckets: number;
    splits: number;
    sinkLagStart: string | null;
  },
): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('reconcile_tables')} (run_id, table_name, shard, status, fingerprint, buckets, splits, sink_lag_start)
     VALUES ($1, $2, $3, 'running', $4, $5, $6, $7)
     ON CONFLICT (run_id, table_name, shard) DO UPDATE SET status = 'running', finished_at = NULL,
       details = ${store.table('reconcile_tables')}.details - 'phase',
       sink_lag_start = coalesce(${store.table('reconcile_tables')}.sink_lag_start, EXCLUDED.sink_lag_start)`,
    [t.runId, t.table, t.shard, t.fingerprint, t.buckets, t.splits, t.sinkLagStart],
  );
}

export async function saveCheckpoint(
  store: Store,
  key: {runId: string; table: string; shard: number},
  c: {splitsDone: number[]; checkpoint: Buffer; rowsCassandra: number; rowsYoung: number},
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('reconcile_tables')} SET splits_done = $4, checkpoint = $5, rows_cassandra = $6, rows_young = $7
      WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
    [key.runId, key.table, key.shard, c.splitsDone, c.checkpoint, c.rowsCassandra, c.rowsYoung],
  );
}

/**
 * A table stopped by a cancellation request (`jobs cancel`): 'interrupted', its checkpoint and row
 * counts kept for --resume, who cancelled it in details.
 */
export async function markTableInterrupted(
  store: Store,
  key: {runId: string; table: string; shard: number},
  c: {durationMs: number; cancelledBy: string; reason: string | null},
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('reconcile_tables')}
        SET status = 'interrupted', finished_at = now(), duration_ms = $4,
            details = details || jsonb_build_object('cancelled', jsonb_build_object('by', $5::text, 'reason', $6::text))
      WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
    [key.runId, key.table, key.shard, c.durationMs, c.cancelledBy, c.reason],
  );
}

export async function finishTable(
  store: Store,
  key: {runId: string; table: string; shard: number},
  f: {
    status: TableStatus;
    durationMs: number;
    rowsCassandra: number;
    rowsPostgres: number;
    rowsYoung: number;
    mismatchedBuckets: number;
    missing: number;
    extra: number;
    mismatched: number;
    sinkLagEnd: string | null;
    details: Record<string, unknown>;
    /** A shard's bucket sums stay: the other shards of its run read them (also when they resume later). */
    keepCheckpoint?: boolean;
  },
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('reconcile_tables')}
        SET status = $4, finished_at = now(), duration_ms = $5, rows_cassandra = $6, rows_postgres = $7, rows_young = $8,
            mismatched_buckets = $9, missing = $10, extra = $11, mismatched = $12, sink_lag_end = $13, details = $14,
            checkpoint = CASE WHEN $4 IN ('clean', 'drift') AND NOT $15 THEN NULL ELSE checkpoint END
      WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
    [
      key.runId,
      key.table,
      key.shard,
      f.status,
      f.durationMs,
      f.rowsCassandra,
      f.rowsPostgres,
      f.rowsYoung,
      f.mismatchedBuckets,
      f.missing,
      f.extra,
      f.mismatched,
      f.sinkLagEnd,
      JSON.stringify(f.details),
      f.keepCheckpoint === true,
    ],
  );
}

// --- shards of one run ---------------------------------------------------------------------------

/**
 * A table's layout every shard of a run uses: the token split count (their token ranges must tile the
 * ring) and the bucket count (their sums are added up bucket by bucket). The first shard's proposal
 * is kept in the run's options (agreedSplits / agreedBuckets) and returned to every later one.
 */
export async function agreeLayout(
  store: Store,
  runId: string,
  table: string,
  what: 'splits' | 'buckets',
  proposed: number,
): Promise<number> {
  const field = what === 'splits' ? 'agreedSplits' : 'agreedBuckets';
  const res = await store.pool.query<{n: number}>(
    `UPDATE ${store.table('reconcile_runs')}
        SET options = jsonb_set(options, ARRAY[$4::text],
              coalesce(options->$4, '{}') || jsonb_build_object($2::text, coalesce(options->$4->$2, to_jsonb($3::int))))
      WHERE run_id = $1
      RETURNING (options->$4->>$2)::int AS n`,
    [runId, table, proposed, field],
  );
  return res.rows[0]?.n ?? proposed;
}

/** Steps a shard announces to the other shards of its run: its scan is saved; its drill keys are published. */
export type ShardPhase = 'scanned' | 'published';

/** Announces a phase; with 'scanned' also saves the sums of the shard's block of PostgreSQL's buckets. */
export async function setShardPhase(
  store: Store,
  key: {runId: string; table: string; shard: number},
  phase: ShardPhase,
  pgCheckpoint?: Buffer,
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('reconcile_tables')} SET details = details || jsonb_build_object('phase', $4::text),
            pg_checkpoint = coalesce($5, pg_checkpoint)
      WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
    [key.runId, key.table, key.shard, phase, pgCheckpoint ?? null],
  );
}

export interface ShardState {
  shard: number;
  status: TableStatus;
  phase: ShardPhase | null;
  buckets: number;
  splits: number;
  /** Cassandra bucket sums of the shard's token splits. */
  checkpoint?: Buffer | null;
  /** PostgreSQL bucket sums of the shard's block of buckets. */
  pgCheckpoint?: Buffer | null;
}

export async function shardStates(
  store: Store,
  runId: string,
  table: string,
  withCheckpoints = false,
): Promise<ShardState[]> {
  const res = await store.pool.query<ShardState>(
    `SELECT shard, status, details->>'phase' AS phase, buckets, splits${withCheckpoints ? ', checkpoint, pg_checkpoint AS "pgCheckpoint"' : ''}
       FROM ${store.table('reconcile_tables')} WHERE run_id = $1 AND table_name = $2 ORDER BY shard`,
    [runId, table],
  );
  return res.rows;
}

/** Replaces what this shard published: keys (with bucket and 16-hex-digit row hash) of its token ranges in the run's differing buckets. */
export async function publishDrillKeys(
  store: Store,
  key: {runId: string; table: string; shard: number},
  rows: Iterable<[pk: string, bucket: number, hash: string]>,
): Promise<void> {
  await inTransaction(store, async (client) => {
    const insert = (batch: Array<[string, number, string]>) =>
      client.query(
        `INSERT INTO ${store.table('reconcile_drill_keys')} (run_id, table_name, from_shard, pk, bucket, hash)
         SELECT $1, $2, $3, * FROM unnest($4::text[], $5::int[], $6::text[])`,
        [key.runId, key.table, key.shard, batch.map((r) => r[0]), batch.map((r) => r[1]), batch.map((r) => r[2])],
      );
    await client.query(
      `DELETE FROM ${store.table('reconcile_drill_keys')} WHERE run_id = $1 AND table_name = $2 AND from_shard = $3`,
      [key.runId, key.table, key.shard],
    );
    let batch: Array<[string, number, string]> = [];
    for (const r of rows) {
      batch.push(r);
      if (batch.length === 10_000) {
        await insert(batch);
        batch = [];
      }
    }
    if (batch.length) await insert(batch);
  });
}

/** Every shard's published keys in the given buckets. */
export async function readDrillKeys(
  store: Store,
  runId: string,
  table: string,
  buckets: number[],
): Promise<Array<{pk: string; bucket: number; hash: string}>> {
  const res = await store.pool.query<{pk: string; bucket: number; hash: string}>(
    `SELECT pk, bucket, hash FROM ${store.table('reconcile_drill_keys')}
      WHERE run_id = $1 AND table_name = $2 AND bucket = ANY($3::int[])`,
    [runId, table, buckets],
  );
  return res.rows;
}

/** Drops the published keys of these buckets (their owner has drilled into them). */
export async function dropDrillKeys(store: Store, runId: string, table: string, buckets: number[]): Promise<void> {
  await store.pool.query(
    `DELETE FROM ${store.table('reconcile_drill_keys')} WHERE run_id = $1 AND table_name = $2 AND bucket = ANY($3::int[])`,
    [runId, table, buckets],
  );
}

export async function replaceMismatches(
  store: Store,
  key: {runId: string; table: string; shard: number},
  rows: MismatchRecord[],
): Promise<void> {
  await inTransaction(store, async (client) => {
    await client.query(
      `DELETE FROM ${store.table('reconcile_mismatches')} WHERE run_id = $1 AND table_name = $2 AND shard = $3`,
      [key.runId, key.table, key.shard],
    );
    for (let i = 0; i < rows.length; i += 1000) {
      const batch = rows.slice(i, i + 1000);
      await client.query(
        `INSERT INTO ${store.table('reconcile_mismatches')}
           (run_id, table_name, shard, pk, key, kind, columns, bucket, pg_hash, cassandra_writetime)
         SELECT $1, $2, $3, * FROM unnest($4::text[], $5::jsonb[], $6::text[], $7::jsonb[], $8::int[], $9::text[], $10::bigint[])`,
        [
          key.runId,
          key.table,
          key.shard,
          batch.map((m) => m.pk),
          batch.map((m) => JSON.stringify(m.key)),
          batch.map((m) => m.kind),
          batch.map((m) => JSON.stringify(m.columns)),
          batch.map((m) => m.bucket),
          batch.map((m) => m.pgHash),
          batch.map((m) => m.cassandraWritetime),
        ],
      );
    }
  });
}

export async function listMismatches(
  store: Store,
  runId: string,
  filter: {table?: string; kind?: string; limit?: number} = {},
): Promise<MismatchRecord[]> {
  const res = await store.pool.query<{
    table_name: string;
    pk: string;
    shard: number;
    key: Record<string, string>;
    kind: MismatchRecord['kind'];
    columns: ColumnDiff[];
    bucket: number;
    pg_hash: string | null;
    cassandra_writetime: string | null;
  }>(
    `SELECT table_name, pk, shard, key, kind, columns, bucket, pg_hash, cassandra_writetime
       FROM ${store.table('reconcile_mismatches')}
      WHERE run_id = $1 AND ($2::text IS NULL OR table_name = $2) AND ($3::text IS NULL OR kind = $3)
      ORDER BY table_name, kind, pk LIMIT $4`,
    [runId, filter.table ?? null, filter.kind ?? null, filter.limit ?? 1_000_000],
  );
  return res.rows.map((r) => ({
    table: r.table_name,
    pk: r.pk,
    shard: r.shard,
    key: r.key,
    kind: r.kind,
    columns: r.columns,
    bucket: r.bucket,
    pgHash: r.pg_hash,
    cassandraWritetime: r.cassandra_writetime === null ? null : Number(r.cassandra_writetime),
  }));
}

/** The most recent run id (for `show latest`). */
export async function latestRunId(store: Store, context: string): Promise<string | undefined> {
  const res = await store.pool.query<{run_id: string}>(
    `SELECT run_id FROM ${store.table('reconcile_runs')} WHERE context = $1 ORDER BY started_at DESC LIMIT 1`,
    [context],
  );
  return res.rows[0]?.run_id;
}
