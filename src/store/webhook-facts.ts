import type {Store} from './index.js';

/**
 * The domain facts that webhooks announce, read from where other families record them (reconcile
 * results, the GDPR erasure journal, the DLQ records): read-only, for the watcher of `webhooks serve`.
 */

export interface ReconcileFact {
  runId: string;
  table: string;
  status: 'clean' | 'drift';
  finishedAt: Date;
  missing: number;
  extra: number;
  mismatched: number;
  /** The status of the table's previous finished run, if any. */
  previous: 'clean' | 'drift' | null;
}

/** Tables whose reconcile finished (clean or drift, every shard done) after `since`, oldest first. */
export async function reconcileFinishedSince(store: Store, context: string, since: Date): Promise<ReconcileFact[]> {
  const t = store.table('reconcile_tables');
  const r = store.table('reconcile_runs');
  const res = await store.pool.query<{
    run_id: string;
    table_name: string;
    status: 'clean' | 'drift';
    finished_at: Date;
    missing: number;
    extra: number;
    mismatched: number;
    previous: 'clean' | 'drift' | null;
  }>(
    `WITH done AS (
       SELECT t.run_id, t.table_name, max(t.finished_at) AS finished_at,
              CASE WHEN bool_or(t.status = 'drift') THEN 'drift' ELSE 'clean' END AS status,
              sum(t.missing)::int AS missing, sum(t.extra)::int AS extra, sum(t.mismatched)::int AS mismatched
         FROM ${t} t JOIN ${r} r ON r.run_id = t.run_id AND r.context = $1
        GROUP BY t.run_id, t.table_name
       HAVING bool_and(t.status IN ('clean', 'drift')))
     SELECT d.*, (SELECT p.status FROM done p WHERE p.table_name = d.table_name AND p.finished_at < d.finished_at
                   ORDER BY p.finished_at DESC LIMIT 1) AS previous
       FROM done d WHERE d.finished_at > $2 ORDER BY d.finished_at`,
    [context, since],
  );
  return res.rows.map((x) => ({
    runId: x.run_id,
    table: x.table_name,
    status: x.status,
    finishedAt: x.finished_at,
    missing: x.missing,
    extra: x.extra,
    mismatched: x.mismatched,
    previous: x.previous,
  }));
}

export interface ErasureFact {
  requestId: string;
  state: string;
  subjectHmac: string;
  updatedAt: Date;
  lastError: string | null;
}

/** Erasure requests of the context whose state changed after `since`, oldest first. */
export async function erasuresChangedSince(store: Store, context: string, since: Date): Promise<ErasureFact[]> {
  const res = await store.pool.query<{
    request_id: string;
    state: string;
    subject_hmac: string;
    updated_at: Date;
    last_error: string | null;
  }>(
    `SELECT request_id, state, subject_hmac, updated_at, last_error FROM ${store.table('gdpr_requests')}
      WHERE context = $1 AND updated_at > $2 ORDER BY updated_at`,
    [context, since],
  );
  return res.rows.map((x) => ({
    requestId: x.request_id,
    state: x.state,
    subjectHmac: x.subject_hmac,
    updatedAt: x.updated_at,
    lastError: x.last_error,
  }));
}

/** DLQ records kept per connector (unknown connector: its DLQ topic), and the newest id. */
export async function dlqCounts(store: Store): Promise<Record<string, number>> {
  const res = await store.pool.query<{k: string; n: number}>(
    `SELECT COALESCE(connector, dlq_topic) AS k, count(*)::int AS n FROM ${store.table('_cdc_dlq_records')} GROUP BY 1`,
  );
  return Object.fromEntries(res.rows.map((r) => [r.k, r.n]));
}
