import type {Store} from './index.js';

/**
 * Data-quality results (migration 800): a run, and one row per check of a table with its metric,
 * verdict, reasons and a sample of failing rows. The metric history of a check is what `quality
 * history`, the report's trend charts, change-since-last-run and anomaly detection read.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

export interface QualityRunRecord {
  runId: string;
  context: string;
  startedAt: string;
  finishedAt: string | null;
  actor: string;
  status: string;
  counts: Record<CheckStatus, number>;
}

export interface QualityResultRecord {
  runId: string;
  table: string;
  check: string;
  type: string;
  status: CheckStatus;
  metric: number | null;
  reasons: string[];
  samples: Array<Record<string, unknown>>;
  durationMs: number;
  checkedAt: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function insertRun(store: Store, run: {runId: string; context: string; actor: string; options: object}) {
  await store.pool.query(
    `INSERT INTO ${store.table('quality_runs')} (run_id, context, actor, options) VALUES ($1, $2, $3, $4)`,
    [run.runId, run.context, run.actor, JSON.stringify(run.options)],
  );
}

export async function finishRun(store: Store, runId: string, status: string): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('quality_runs')} SET finished_at = now(), status = $2 WHERE run_id = $1`,
    [runId, status],
  );
}

export async function insertResults(
  store: Store,
  runId: string,
  context: string,
  rows: Array<Omit<QualityResultRecord, 'runId' | 'checkedAt'>>,
): Promise<void> {
  if (rows.length === 0) return;
  // one statement for a table's checks: arrays unnested server-side
  await store.pool.query(
    `INSERT INTO ${store.table('quality_results')}
       (run_id, context, table_name, check_name, check_type, status, metric, reasons, samples, duration_ms)
     SELECT $1, $2, t, c, ty, st, m, r::jsonb, sa::jsonb, d
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::text[], $10::int[])
         AS u(t, c, ty, st, m, r, sa, d)`,
    [
      runId,
      context,
      rows.map((r) => r.table),
      rows.map((r) => r.check),
      rows.map((r) => r.type),
      rows.map((r) => r.status),
      rows.map((r) => (r.metric !== null && Number.isFinite(r.metric) ? r.metric : null)),
      rows.map((r) => JSON.stringify(r.reasons)),
      rows.map((r) => JSON.stringify(r.samples)),
      rows.map((r) => Math.round(r.durationMs)),
    ],
  );
}

/**
 * The metrics of earlier runs of these checks (newest first, at most `limit` per check), from finished
 * runs other than `excludeRun`: the baseline of change-since-last-run and of anomaly detection.
 */
export async function trailingMetrics(
  store: Store,
  context: string,
  table: string,
  checks: string[],
  limit: number,
  excludeRun?: string,
): Promise<Map<string, number[]>> {
  const res = await store.pool.query<{check_name: string; metrics: Array<number | null>}>(
    `SELECT check_name, array_agg(metric ORDER BY checked_at DESC) AS metrics FROM (
       SELECT check_name, metric, checked_at,
              row_number() OVER (PARTITION BY check_name ORDER BY checked_at DESC) AS rn
         FROM ${store.table('quality_results')}
        WHERE context = $1 AND table_name = $2 AND check_name = ANY($3::text[])
          AND run_id IS DISTINCT FROM $5 AND status <> 'error' AND metric IS NOT NULL) x
      WHERE rn <= $4 GROUP BY check_name`,
    [context, table, checks, limit, excludeRun ?? null],
  );
  return new Map(res.rows.map((r) => [r.check_name, r.metrics.filter((m): m is number => m !== null)]));
}

export async function listRuns(
  store: Store,
  filter: {context?: string; limit: number; table?: string; check?: string},
): Promise<QualityRunRecord[]> {
  const res = await store.pool.query(
    `SELECT r.run_id, r.context, r.started_at, r.finished_at, r.actor, r.status,
            count(*) FILTER (WHERE q.status = 'pass') AS pass, count(*) FILTER (WHERE q.status = 'warn') AS warn,
            count(*) FILTER (WHERE q.status = 'fail') AS fail, count(*) FILTER (WHERE q.status = 'error') AS error
       FROM ${store.table('quality_runs')} r
       LEFT JOIN ${store.table('quality_results')} q ON q.run_id = r.run_id
        AND ($3::text IS NULL OR q.table_name = $3) AND ($4::text IS NULL OR q.check_name = $4)
      WHERE ($1::text IS NULL OR r.context = $1)
      GROUP BY r.run_id HAVING ($3::text IS NULL AND $4::text IS NULL) OR count(q.run_id) > 0
      ORDER BY r.started_at DESC LIMIT $2`,
    [filter.context ?? null, filter.limit, filter.table ?? null, filter.check ?? null],
  );
  return res.rows.map((r) => ({
    runId: r.run_id,
    context: r.context,
    startedAt: iso(r.started_at) as string,
    finishedAt: iso(r.finished_at),
    actor: r.actor,
    status: r.status,
    counts: {pass: Number(r.pass), warn: Number(r.warn), fail: Number(r.fail), error: Number(r.error)},
  }));
}

/** Results of the last `runs` runs of the context (optionally one table / check), oldest first. */
export async function listResults(
  store: Store,
  filter: {context: string; runs: number; table?: string; check?: string},
): Promise<QualityResultRecord[]> {
  const res = await store.pool.query(
    `WITH runs AS (SELECT run_id FROM ${store.table('quality_runs')} WHERE context = $1
                    ORDER BY started_at DESC LIMIT $2)
     SELECT q.* FROM ${store.table('quality_results')} q JOIN runs USING (run_id)
      WHERE ($3::text IS NULL OR q.table_name = $3) AND ($4::text IS NULL OR q.check_name = $4)
      ORDER BY q.checked_at, q.table_name, q.check_name`,
    [filter.context, filter.runs, filter.table ?? null, filter.check ?? null],
  );
  return res.rows.map((r) => ({
    runId: r.run_id,
    table: r.table_name,
    check: r.check_name,
    type: r.check_type,
    status: r.status,
    metric: r.metric === null ? null : Number(r.metric),
    reasons: r.reasons,
    samples: r.samples,
    durationMs: r.duration_ms,
    checkedAt: iso(r.checked_at) as string,
  }));
}
