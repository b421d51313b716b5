import type {Store} from './index.js';

/**
 * Cooperative cancellation of long-running jobs: `jobs cancel` writes a request here; the job reads
 * it at its next checkpoint, stops there (resumable) and marks the request seen. One request per job.
 */

export interface CancelRequest {
  kind: string;
  jobId: string;
  context: string;
  requestedAt: string;
  requestedBy: string;
  reason: string | null;
  seenAt: string | null;
}

interface CancelRow {
  kind: string;
  job_id: string;
  context: string;
  requested_at: Date;
  requested_by: string;
  reason: string | null;
  seen_at: Date | null;
}

const toRequest = (r: CancelRow): CancelRequest => ({
  kind: r.kind,
  jobId: r.job_id,
  context: r.context,
  requestedAt: r.requested_at.toISOString(),
  requestedBy: r.requested_by,
  reason: r.reason,
  seenAt: r.seen_at?.toISOString() ?? null,
});

/** Records a cancellation request (a repeated request keeps the first one's time and actor). */
export async function requestCancel(
  store: Store,
  r: {kind: string; jobId: string; context: string; actor: string; reason?: string},
): Promise<{created: boolean; request: CancelRequest}> {
  const ins = await store.pool.query<CancelRow>(
    `INSERT INTO ${store.table('job_cancellations')} (kind, job_id, context, requested_by, reason)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, job_id) DO NOTHING RETURNING *`,
    [r.kind, r.jobId, r.context, r.actor, r.reason ?? null],
  );
  if (ins.rows[0]) return {created: true, request: toRequest(ins.rows[0])};
  const existing = await cancelRequest(store, r.kind, r.jobId);
  if (!existing) throw new Error(`cancellation request of ${r.kind}:${r.jobId} vanished`);
  return {created: false, request: existing};
}

export async function cancelRequest(store: Store, kind: string, jobId: string): Promise<CancelRequest | undefined> {
  const res = await store.pool.query<CancelRow>(
    `SELECT * FROM ${store.table('job_cancellations')} WHERE kind = $1 AND job_id = $2`,
    [kind, jobId],
  );
  return res.rows[0] ? toRequest(res.rows[0]) : undefined;
}

/** The job saw the request and stopped. */
export async function markCancelSeen(store: Store, kind: string, jobId: string): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('job_cancellations')} SET seen_at = now() WHERE kind = $1 AND job_id = $2 AND seen_at IS NULL`,
    [kind, jobId],
  );
}

/**
 * A resumed job clears an old request that it has already obeyed (seen): resuming means "go on".
 * An unseen request stays, so a cancel sent just before a resume still stops it.
 */
export async function clearSeenCancel(store: Store, kind: string, jobId: string): Promise<void> {
  await store.pool.query(
    `DELETE FROM ${store.table('job_cancellations')} WHERE kind = $1 AND job_id = $2 AND seen_at IS NOT NULL`,
    [kind, jobId],
  );
}

// --- reads of other families' run tables for `jobs list` (one query each, no service logic) --------

export interface DlqReplayRunSummary {
  runId: string;
  actor: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  state: string;
  toTopic: string | null;
  produced: number;
  recovered: number;
  selection: Record<string, unknown>;
  /** The run's advisory lock is held: a process is working on it now. */
  live: boolean;
}

/** DLQ replay runs of a context, newest first (the lock test mirrors lockRun in dlq-records.ts). */
export async function listDlqReplayRuns(
  store: Store,
  f: {context: string; since?: Date; runId?: string; limit: number},
): Promise<DlqReplayRunSummary[]> {
  const res = await store.pool.query(
    `SELECT r.*, EXISTS (
        SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint << 32) | l.objid::bigint) =
               hashtextextended('cdcctl-dlq-replay:' || $5 || ':' || r.run_id, 0)) AS live
       FROM ${store.table('_cdc_dlq_replay_runs')} r
      WHERE r.context = $1 AND ($2::timestamptz IS NULL OR r.started_at >= $2 OR r.finished_at IS NULL)
        AND ($3::text IS NULL OR r.run_id = $3)
      ORDER BY r.started_at DESC LIMIT $4`,
    [f.context, f.since ?? null, f.runId ?? null, f.limit, store.schema],
  );
  return res.rows.map((r) => ({
    runId: r.run_id,
    actor: r.actor,
    startedAt: r.started_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    state: r.state,
    toTopic: r.to_topic,
    produced: Number(r.produced),
    recovered: Number(r.recovered),
    selection: r.selection,
    live: r.live === true,
  }));
}

// --- liveness: a session-level advisory lock held while a process works on a job -----------------

const lockKey = (store: Store, name: string) => `cdcctl-job:${store.schema}:${name}`;

/**
 * SQL: whether some session holds the job lock named by the text expression (see holdJobLock). The
 * schema is a validated identifier, so it can stand in the literal.
 */
export function jobLockHeldSql(store: Store, nameExpr: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND ((l.classid::bigint << 32) | l.objid::bigint) =
           hashtextextended('cdcctl-job:${store.schema}:' || ${nameExpr}, 0))`;
}

/**
 * Takes the job's lock for as long as the returned handle lives (undefined: another process holds
 * it). A killed process's session ends with it, so a job whose lock is free is not running.
 */
export async function holdJobLock(store: Store, name: string): Promise<{release: () => Promise<void>} | undefined> {
  const client = await store.pool.connect();
  const res = await client.query<{ok: boolean}>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [
    lockKey(store, name),
  ]);
  if (!res.rows[0]?.ok) {
    client.release();
    return undefined;
  }
  return {
    release: async () => {
      await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockKey(store, name)]).catch(() => {});
      client.release();
    },
  };
}
