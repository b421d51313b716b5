import type {PoolClient} from 'pg';
import type {Store} from './index.js';

/**
 * Every backfill cdcctl started, whatever its kind: who asked for what (tables, conditions, mode),
 * how far it got (progress, rows) and how it ended; and, for cdcctl's own Cassandra backfills, the
 * token splits already written (a resumed backfill skips them).
 */

export type BackfillKind = 'signal' | 'cassandra' | 'resnapshot';
export type BackfillStatus =
  | 'requested'
  | 'running'
  | 'paused'
  | 'completed'
  | 'stopped'
  | 'aborted'
  | 'skipped'
  | 'failed'
  | 'interrupted';

export const FINAL_STATUSES: readonly BackfillStatus[] = ['completed', 'stopped', 'aborted', 'skipped', 'failed'];

export interface BackfillTable {
  table: string;
  where?: string;
}

export interface BackfillRecord {
  id: string;
  context: string;
  kind: BackfillKind;
  source: string;
  tables: BackfillTable[];
  mode: string;
  channel: string | null;
  signalId: string | null;
  actor: string;
  status: BackfillStatus;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  options: Record<string, unknown>;
  progress: Record<string, unknown>;
  rowsRead: number;
  rowsWritten: number;
  error: string | null;
}

interface Row {
  id: string;
  context: string;
  kind: BackfillKind;
  source: string;
  tables: BackfillTable[];
  mode: string;
  channel: string | null;
  signal_id: string | null;
  actor: string;
  status: BackfillStatus;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  options: Record<string, unknown>;
  progress: Record<string, unknown>;
  rows_read: string;
  rows_written: string;
  error: string | null;
  live_status?: BackfillStatus;
}

function fromRow(r: Row): BackfillRecord {
  return {
    id: r.id,
    context: r.context,
    kind: r.kind,
    source: r.source,
    tables: r.tables,
    mode: r.mode,
    channel: r.channel,
    signalId: r.signal_id,
    actor: r.actor,
    status: r.live_status ?? r.status,
    startedAt: r.started_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    options: r.options,
    progress: r.progress,
    rowsRead: Number(r.rows_read),
    rowsWritten: Number(r.rows_written),
    error: r.error,
  };
}

export interface NewBackfill {
  id: string;
  context: string;
  kind: BackfillKind;
  source: string;
  tables: BackfillTable[];
  mode: string;
  channel?: string;
  signalId?: string;
  actor: string;
  status: BackfillStatus;
  options?: Record<string, unknown>;
}

export async function insertBackfill(store: Store, b: NewBackfill): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('backfills')} (id, context, kind, source, tables, mode, channel, signal_id, actor, status, options)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11::jsonb)`,
    [
      b.id,
      b.context,
      b.kind,
      b.source,
      JSON.stringify(b.tables),
      b.mode,
      b.channel ?? null,
      b.signalId ?? null,
      b.actor,
      b.status,
      JSON.stringify(b.options ?? {}),
    ],
  );
}

export interface BackfillUpdate {
  status?: BackfillStatus;
  progress?: Record<string, unknown>;
  error?: string | null;
  /** Added to the running totals. */
  addRead?: number;
  addWritten?: number;
}

/**
 * Updates a backfill; a final status also sets finished_at (a later non-final one clears it). `client`: a
 * transaction's connection, so that totals move with what they count (a split and its rows).
 */
export async function updateBackfill(
  store: Store,
  id: string,
  u: BackfillUpdate,
  client: PoolClient | Store['pool'] = store.pool,
): Promise<void> {
  await client.query(
    `UPDATE ${store.table('backfills')} SET
        status = COALESCE($2, status),
        progress = CASE WHEN $3::jsonb IS NULL THEN progress ELSE progress || $3::jsonb END,
        error = CASE WHEN $4 THEN $5 ELSE error END,
        rows_read = rows_read + $6, rows_written = rows_written + $7,
        updated_at = now(),
        finished_at = CASE WHEN $2 IS NULL THEN finished_at WHEN $2 = ANY($8::text[]) THEN now() ELSE NULL END
      WHERE id = $1`,
    [
      id,
      u.status ?? null,
      u.progress ? JSON.stringify(u.progress) : null,
      u.error !== undefined,
      u.error ?? null,
      u.addRead ?? 0,
      u.addWritten ?? 0,
      FINAL_STATUSES,
    ],
  );
}

/**
 * A row's status as read: a Cassandra backfill is 'running' only while its process holds the
 * backfill's advisory lock; one killed (kill -9, a lost pod) shows as 'interrupted'.
 */
const SELECT = (table: string) => `SELECT b.*, CASE WHEN b.kind = 'cassandra' AND b.status = 'running' AND NOT EXISTS (
      SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = (hashtext('cdcctl.backfill')::bigint & 4294967295)::oid
         AND l.objid = (hashtext(b.id)::bigint & 4294967295)::oid) THEN 'interrupted' ELSE b.status END AS live_status
    FROM ${table} b`;

export async function getBackfill(store: Store, id: string): Promise<BackfillRecord | undefined> {
  const res = await store.pool.query<Row>(`${SELECT(store.table('backfills'))} WHERE id = $1`, [id]);
  return res.rows[0] ? fromRow(res.rows[0]) : undefined;
}

export async function backfillBySignal(store: Store, signalId: string): Promise<BackfillRecord | undefined> {
  const res = await store.pool.query<Row>(`${SELECT(store.table('backfills'))} WHERE signal_id = $1`, [signalId]);
  return res.rows[0] ? fromRow(res.rows[0]) : undefined;
}

export async function listBackfills(
  store: Store,
  context: string,
  o: {source?: string; status?: string; limit: number},
): Promise<BackfillRecord[]> {
  const res = await store.pool.query<Row>(
    `SELECT * FROM (${SELECT(store.table('backfills'))}) x
      WHERE context = $1 AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR live_status = $3)
      ORDER BY started_at DESC, id DESC LIMIT $4`,
    [context, o.source ?? null, o.status ?? null, o.limit],
  );
  return res.rows.map(fromRow);
}

/** The signal backfills of a connector that have not ended (what stop/pause/resume act on). */
export async function openSignalBackfills(store: Store, context: string, connector: string): Promise<BackfillRecord[]> {
  const res = await store.pool.query<Row>(
    `SELECT * FROM ${store.table('backfills')}
      WHERE context = $1 AND source = $2 AND kind = 'signal' AND NOT (status = ANY($3::text[]))
      ORDER BY started_at`,
    [context, connector, FINAL_STATUSES],
  );
  return res.rows.map(fromRow);
}

/** The splits of a Cassandra backfill already written. */
export async function doneSplits(store: Store, id: string): Promise<Map<number, {read: number; written: number}>> {
  const res = await store.pool.query<{split: number; rows_read: string; rows_written: string}>(
    `SELECT split, rows_read, rows_written FROM ${store.table('backfill_ranges')} WHERE id = $1`,
    [id],
  );
  return new Map(res.rows.map((r) => [r.split, {read: Number(r.rows_read), written: Number(r.rows_written)}]));
}

/**
 * Records a written split, on the connection (and in the transaction) that wrote its rows when the
 * data lives in the store's database: the rows and their checkpoint commit together.
 */
export async function markSplitDone(
  client: PoolClient | Store['pool'],
  store: Store,
  id: string,
  split: number,
  read: number,
  written: number,
): Promise<void> {
  await client.query(
    `INSERT INTO ${store.table('backfill_ranges')} (id, split, rows_read, rows_written) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id, split) DO NOTHING`,
    [id, split, read, written],
  );
}
