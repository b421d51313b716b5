import type {Store} from './index.js';
import {jobLockHeldSql} from './jobs.js';

/**
 * Batch runs (`cdcctl batch`): the plan as run, and one row per item of each step with its state and
 * result, so that `batch resume` redoes only what did not succeed. No personal data: a GDPR item is
 * labelled by its subject's pseudonym; the subjects themselves stay in the plan's CSV file.
 */

export type BatchState = 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';
export type ItemState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface BatchRunRecord {
  batchId: string;
  context: string;
  actor: string;
  plan: unknown;
  source: string | null;
  options: Record<string, unknown>;
  state: BatchState;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface BatchItemRecord {
  step: string;
  item: number;
  label: string;
  state: ItemState;
  attempts: number;
  result: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRow {
  batch_id: string;
  context: string;
  actor: string;
  plan: unknown;
  source: string | null;
  options: Record<string, unknown>;
  state: BatchState;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const toRun = (r: RunRow): BatchRunRecord => ({
  batchId: r.batch_id,
  context: r.context,
  actor: r.actor,
  plan: r.plan,
  source: r.source,
  options: r.options,
  state: r.state,
  startedAt: r.started_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export async function createBatch(
  store: Store,
  b: {
    batchId: string;
    context: string;
    actor: string;
    plan: unknown;
    source: string | null;
    options: Record<string, unknown>;
  },
): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('batch_runs')} (batch_id, context, actor, plan, source, options, state)
     VALUES ($1, $2, $3, $4, $5, $6, 'running')`,
    [b.batchId, b.context, b.actor, JSON.stringify(b.plan), b.source, JSON.stringify(b.options)],
  );
}

export async function getBatch(store: Store, batchId: string): Promise<BatchRunRecord | undefined> {
  const res = await store.pool.query<RunRow & {live: boolean}>(
    `SELECT r.*, ${jobLockHeldSql(store, "'batch:' || r.batch_id")} AS live FROM ${store.table('batch_runs')} r WHERE batch_id = $1`,
    [batchId],
  );
  const r = res.rows[0];
  if (!r) return undefined;
  return {...toRun(r), state: r.state === 'running' && !r.live ? 'interrupted' : r.state};
}

export async function listBatches(
  store: Store,
  f: {context: string; since?: Date; limit: number},
): Promise<Array<BatchRunRecord & {counts: Record<ItemState, number>}>> {
  const res = await store.pool.query<RunRow & {counts: Record<string, number> | null; live: boolean}>(
    `SELECT r.*, ${jobLockHeldSql(store, "'batch:' || r.batch_id")} AS live, (SELECT jsonb_object_agg(state, n) FROM (SELECT state, count(*)::int AS n FROM ${store.table('batch_items')} i
                   WHERE i.batch_id = r.batch_id GROUP BY state) c) AS counts
       FROM ${store.table('batch_runs')} r
      WHERE r.context = $1 AND ($2::timestamptz IS NULL OR r.started_at >= $2 OR r.finished_at IS NULL)
      ORDER BY r.started_at DESC LIMIT $3`,
    [f.context, f.since ?? null, f.limit],
  );
  return res.rows.map((r) => ({
    ...toRun(r),
    // a run left 'running' by a killed process is interrupted (its lock went with its session)
    state: r.state === 'running' && !r.live ? 'interrupted' : r.state,
    counts: countsOf(r.counts),
  }));
}

function countsOf(c: Record<string, number> | null): Record<ItemState, number> {
  return {
    pending: c?.pending ?? 0,
    running: c?.running ?? 0,
    succeeded: c?.succeeded ?? 0,
    failed: c?.failed ?? 0,
    skipped: c?.skipped ?? 0,
  };
}

/** A resume's options become the run's (a later resume without flags uses them). */
export async function setBatchOptions(store: Store, batchId: string, options: Record<string, unknown>): Promise<void> {
  await store.pool.query(`UPDATE ${store.table('batch_runs')} SET options = $2 WHERE batch_id = $1`, [
    batchId,
    JSON.stringify(options),
  ]);
}

export async function setBatchState(store: Store, batchId: string, state: BatchState): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('batch_runs')} SET state = $2, updated_at = now(),
        finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE now() END
      WHERE batch_id = $1`,
    [batchId, state],
  );
}

/** Adds the items of a step that the run does not know yet (a resumed run keeps its rows). */
export async function ensureItems(
  store: Store,
  batchId: string,
  step: string,
  items: Array<{item: number; label: string}>,
): Promise<void> {
  if (items.length === 0) return;
  await store.pool.query(
    `INSERT INTO ${store.table('batch_items')} (batch_id, step, item, label, state)
     SELECT $1, $2, i, l, 'pending' FROM unnest($3::int[], $4::text[]) AS u(i, l)
     ON CONFLICT (batch_id, step, item) DO NOTHING`,
    [batchId, step, items.map((i) => i.item), items.map((i) => i.label)],
  );
}

export async function startItem(store: Store, batchId: string, step: string, item: number): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('batch_items')} SET state = 'running', attempts = attempts + 1, started_at = now(),
        finished_at = NULL, error = NULL
      WHERE batch_id = $1 AND step = $2 AND item = $3`,
    [batchId, step, item],
  );
}

export async function finishItem(
  store: Store,
  batchId: string,
  step: string,
  item: number,
  outcome: {state: 'succeeded' | 'failed' | 'skipped'; result?: unknown; error?: string},
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('batch_items')} SET state = $4, result = $5, error = $6, finished_at = now()
      WHERE batch_id = $1 AND step = $2 AND item = $3`,
    [
      batchId,
      step,
      item,
      outcome.state,
      outcome.result === undefined ? null : JSON.stringify(outcome.result),
      outcome.error ?? null,
    ],
  );
}

export async function itemsOf(store: Store, batchId: string): Promise<BatchItemRecord[]> {
  const res = await store.pool.query(
    `SELECT * FROM ${store.table('batch_items')} WHERE batch_id = $1 ORDER BY step, item`,
    [batchId],
  );
  return res.rows.map((r) => ({
    step: r.step,
    item: r.item,
    label: r.label,
    state: r.state,
    attempts: r.attempts,
    result: r.result,
    error: r.error,
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  }));
}
