import {type BackfillRecord, getBackfill, listBackfills} from '../../../store/backfill.js';
import {cancelRequest, requestCancel} from '../../../store/jobs.js';
import {controlSignalBackfill} from '../../backfill/signals.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/**
 * Backfills (store-backed), every kind. cdcctl's own Cassandra backfills stop after their current token
 * split (cooperative, through the store) and resume with `backfill resume`; a signal backfill runs inside
 * its connector, so cancelling one sends Debezium the stop-snapshot signal for its tables.
 */

const stateOf = (s: BackfillRecord['status']): JobState => {
  switch (s) {
    case 'requested':
    case 'running':
      return 'running';
    case 'paused':
      return 'waiting';
    case 'completed':
    case 'skipped':
      return 'succeeded';
    case 'stopped':
    case 'aborted':
      return 'cancelled';
    case 'failed':
      return 'failed';
    default:
      return 'interrupted';
  }
};

function progressOf(b: BackfillRecord): string | null {
  const p = b.progress as {splits?: number; splitsDone?: number};
  if (b.kind === 'cassandra' && typeof p.splits === 'number') return `${p.splitsDone ?? 0}/${p.splits} splits`;
  return b.rowsRead > 0 || b.rowsWritten > 0 ? `${b.rowsWritten} rows` : null;
}

function backfillJob(b: BackfillRecord): Job {
  const state = stateOf(b.status);
  const started = Date.parse(b.startedAt);
  const tables = b.tables.map((t) => (t.where ? `${t.table} WHERE ${t.where}` : t.table)).join(', ');
  const resumable = b.kind === 'cassandra' && (state === 'interrupted' || state === 'failed');
  return {
    id: `backfill:${b.id}`,
    kind: 'backfill',
    target: b.kind === 'cassandra' ? tables : `${b.source}: ${tables}`,
    state,
    status: `${b.kind} ${b.status}`,
    progress: progressOf(b),
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    durationMs:
      (b.finishedAt ? Date.parse(b.finishedAt) : state === 'running' ? Date.now() : Date.parse(b.updatedAt)) - started,
    actor: b.actor,
    cancellable: state === 'running' && b.kind !== 'resnapshot',
    resume: resumable ? `cdcctl backfill resume ${b.id}` : null,
  };
}

registerJobProvider({
  kind: 'backfill',
  summary:
    'a backfill (cancellable: a Cassandra backfill stops after its current split, resumable with backfill resume; a signal backfill gets the stop-snapshot signal)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const store = await scope.store();
    const rows = await listBackfills(store, scope.ctx.contextName, {limit: q.limit});
    return rows
      .filter((b) => !q.since || Date.parse(b.startedAt) >= q.since.getTime() || stateOf(b.status) === 'running')
      .map(backfillJob);
  },
  async get(scope, localId) {
    const store = await scope.store();
    const b = await getBackfill(store, localId);
    if (!b || b.context !== scope.ctx.contextName) return undefined;
    return {
      ...backfillJob(b),
      details: {backfill: b},
      cancellation: (await cancelRequest(store, 'backfill', b.id)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const store = await scope.store();
    const b = (job.details as {backfill: BackfillRecord}).backfill;
    const {request} = await requestCancel(store, {
      kind: 'backfill',
      jobId: b.id,
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    // a signal backfill is the connector's work: the request is recorded, and the connector told to stop
    if (b.kind === 'signal')
      await controlSignalBackfill(scope.ctx, b.source, 'stop', {
        tables: b.tables.map((t) => t.table),
        dryRun: false,
      });
    return request;
  },
});
