import type {Store} from './index.js';

/**
 * `cdcctl tune`: named baselines (the pipeline's measured throughput, latency and lag per connector) and
 * A/B experiments of connector settings (both measurements, the config versions written, the outcome).
 * Measures are stored as the service hands them (jsonb); no secret ever reaches them (figures and names).
 */

export interface BaselineRecord {
  context: string;
  name: string;
  windowSeconds: number;
  measuredAt: string;
  actor: string;
  measures: unknown;
  createdAt: string;
}

interface BaselineRow {
  context: string;
  name: string;
  window_seconds: number;
  measured_at: Date;
  actor: string;
  measures: unknown;
  created_at: Date;
}

const toBaseline = (r: BaselineRow): BaselineRecord => ({
  context: r.context,
  name: r.name,
  windowSeconds: r.window_seconds,
  measuredAt: r.measured_at.toISOString(),
  actor: r.actor,
  measures: r.measures,
  createdAt: r.created_at.toISOString(),
});

/** Stores a baseline; an existing one of that name is replaced only with `replace` (else false is returned). */
export async function saveBaseline(
  store: Store,
  b: Omit<BaselineRecord, 'createdAt'>,
  replace: boolean,
): Promise<boolean> {
  const res = await store.pool.query(
    `INSERT INTO ${store.table('tune_baselines')} (context, name, window_seconds, measured_at, actor, measures)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (context, name) DO ${
       replace
         ? `UPDATE SET window_seconds = EXCLUDED.window_seconds, measured_at = EXCLUDED.measured_at,
              actor = EXCLUDED.actor, measures = EXCLUDED.measures, created_at = now()`
         : 'NOTHING'
     }`,
    [b.context, b.name, b.windowSeconds, b.measuredAt, b.actor, JSON.stringify(b.measures)],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function getBaseline(store: Store, context: string, name: string): Promise<BaselineRecord | undefined> {
  const res = await store.pool.query<BaselineRow>(
    `SELECT * FROM ${store.table('tune_baselines')} WHERE context = $1 AND name = $2`,
    [context, name],
  );
  return res.rows[0] ? toBaseline(res.rows[0]) : undefined;
}

export async function listBaselines(store: Store, context: string): Promise<BaselineRecord[]> {
  const res = await store.pool.query<BaselineRow>(
    `SELECT * FROM ${store.table('tune_baselines')} WHERE context = $1 ORDER BY measured_at DESC, name`,
    [context],
  );
  return res.rows.map(toBaseline);
}

export async function deleteBaseline(store: Store, context: string, name: string): Promise<boolean> {
  const res = await store.pool.query(`DELETE FROM ${store.table('tune_baselines')} WHERE context = $1 AND name = $2`, [
    context,
    name,
  ]);
  return (res.rowCount ?? 0) > 0;
}

export type ExperimentState = 'measuring-a' | 'measuring-b' | 'kept' | 'rolled-back' | 'failed';

export interface ExperimentRecord {
  experimentId: string;
  context: string;
  connector: string;
  actor: string;
  changes: Record<string, string>;
  durationMs: number;
  state: ExperimentState;
  versionA: number | null;
  versionB: number | null;
  versionRollback: number | null;
  measureA: unknown;
  measureB: unknown;
  verdict: string | null;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

interface ExperimentRow {
  experiment_id: string;
  context: string;
  connector: string;
  actor: string;
  changes: Record<string, string>;
  duration_ms: number;
  state: ExperimentState;
  version_a: number | null;
  version_b: number | null;
  version_rollback: number | null;
  measure_a: unknown;
  measure_b: unknown;
  verdict: string | null;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const toExperiment = (r: ExperimentRow): ExperimentRecord => ({
  experimentId: r.experiment_id,
  context: r.context,
  connector: r.connector,
  actor: r.actor,
  changes: r.changes,
  durationMs: r.duration_ms,
  state: r.state,
  versionA: r.version_a,
  versionB: r.version_b,
  versionRollback: r.version_rollback,
  measureA: r.measure_a,
  measureB: r.measure_b,
  verdict: r.verdict,
  error: r.error,
  startedAt: r.started_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export async function createExperiment(
  store: Store,
  e: Pick<ExperimentRecord, 'experimentId' | 'context' | 'connector' | 'actor' | 'changes' | 'durationMs'>,
): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('tune_experiments')} (experiment_id, context, connector, actor, changes, duration_ms, state)
     VALUES ($1, $2, $3, $4, $5, $6, 'measuring-a')`,
    [e.experimentId, e.context, e.connector, e.actor, JSON.stringify(e.changes), e.durationMs],
  );
}

/** Updates the given fields (a final state sets finished_at). */
export async function updateExperiment(
  store: Store,
  id: string,
  u: Partial<
    Pick<
      ExperimentRecord,
      'state' | 'versionA' | 'versionB' | 'versionRollback' | 'measureA' | 'measureB' | 'verdict' | 'error'
    >
  >,
): Promise<void> {
  const cols: Record<string, unknown> = {
    state: u.state,
    version_a: u.versionA,
    version_b: u.versionB,
    version_rollback: u.versionRollback,
    measure_a: u.measureA === undefined ? undefined : JSON.stringify(u.measureA),
    measure_b: u.measureB === undefined ? undefined : JSON.stringify(u.measureB),
    verdict: u.verdict,
    error: u.error,
  };
  const set: string[] = [];
  const values: unknown[] = [id];
  for (const [col, v] of Object.entries(cols)) {
    if (v === undefined) continue;
    values.push(v);
    set.push(`${col} = $${values.length}`);
  }
  const final = u.state === 'kept' || u.state === 'rolled-back' || u.state === 'failed';
  await store.pool.query(
    `UPDATE ${store.table('tune_experiments')} SET ${[...set, 'updated_at = now()', ...(final ? ['finished_at = now()'] : [])].join(', ')}
      WHERE experiment_id = $1`,
    values,
  );
}

export async function getExperiment(store: Store, id: string): Promise<ExperimentRecord | undefined> {
  const res = await store.pool.query<ExperimentRow>(
    `SELECT * FROM ${store.table('tune_experiments')} WHERE experiment_id = $1`,
    [id],
  );
  return res.rows[0] ? toExperiment(res.rows[0]) : undefined;
}

export async function listExperiments(
  store: Store,
  q: {context: string; since?: Date; limit: number},
): Promise<ExperimentRecord[]> {
  const res = await store.pool.query<ExperimentRow>(
    `SELECT * FROM ${store.table('tune_experiments')}
      WHERE context = $1 AND ($2::timestamptz IS NULL OR started_at >= $2 OR finished_at IS NULL)
      ORDER BY started_at DESC LIMIT $3`,
    [q.context, q.since ?? null, q.limit],
  );
  return res.rows.map(toExperiment);
}
