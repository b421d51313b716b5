import type {Store} from './index.js';

/**
 * Which connectors `pipeline pause-all` paused, per context, so that `resume-all` resumes exactly
 * those and leaves alone the ones an operator had paused on purpose.
 */
export interface PausedEntry {
  connector: string;
  pausedAt: string;
  pausedBy: string;
}

export async function recordPaused(store: Store, context: string, connectors: string[], actor: string): Promise<void> {
  if (connectors.length === 0) return;
  await store.pool.query(
    `INSERT INTO ${store.table('pipeline_paused')} (context, connector, paused_by)
     SELECT $1, unnest($2::text[]), $3
     ON CONFLICT (context, connector) DO UPDATE SET paused_at = now(), paused_by = EXCLUDED.paused_by`,
    [context, connectors, actor],
  );
}

export async function listPaused(store: Store, context: string): Promise<PausedEntry[]> {
  const rows = await store.pool.query<{connector: string; paused_at: Date; paused_by: string}>(
    `SELECT connector, paused_at, paused_by FROM ${store.table('pipeline_paused')} WHERE context = $1 ORDER BY connector`,
    [context],
  );
  return rows.rows.map((r) => ({connector: r.connector, pausedAt: r.paused_at.toISOString(), pausedBy: r.paused_by}));
}

export async function forgetPaused(store: Store, context: string, connectors: string[]): Promise<void> {
  if (connectors.length === 0) return;
  await store.pool.query(
    `DELETE FROM ${store.table('pipeline_paused')} WHERE context = $1 AND connector = ANY($2::text[])`,
    [context, connectors],
  );
}
