import {type BatchRunRecord, getBatch, type ItemState, itemsOf, listBatches} from '../../../store/batch.js';
import {cancelRequest, requestCancel} from '../../../store/jobs.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/** Batch runs (`cdcctl batch`): cancellable (no new item starts; items in flight finish), resumable. */

const stateOf = (s: BatchRunRecord['state']): JobState =>
  s === 'running'
    ? 'running'
    : s === 'succeeded'
      ? 'succeeded'
      : s === 'cancelled'
        ? 'cancelled'
        : s === 'interrupted'
          ? 'interrupted'
          : 'failed';

function batchJob(b: BatchRunRecord, counts: Record<ItemState, number>): Job {
  const state = stateOf(b.state);
  const total = Object.values(counts).reduce((a, n) => a + n, 0);
  const steps = ((b.plan as {steps?: Array<{id: string}>}).steps ?? []).map((s) => s.id);
  const started = Date.parse(b.startedAt);
  return {
    id: `batch:${b.batchId}`,
    kind: 'batch',
    target: `${(b.plan as {name?: string}).name ?? b.source ?? 'plan'} (${steps.join(', ')})`,
    state,
    status: b.state,
    progress: `${counts.succeeded + counts.failed + counts.skipped}/${total} items${counts.failed ? `, ${counts.failed} failed` : ''}`,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    durationMs:
      (b.finishedAt ? Date.parse(b.finishedAt) : state === 'running' ? Date.now() : Date.parse(b.updatedAt)) - started,
    actor: b.actor,
    cancellable: state === 'running',
    resume: state === 'running' || state === 'succeeded' ? null : `cdcctl batch resume ${b.batchId}`,
  };
}

registerJobProvider({
  kind: 'batch',
  summary: 'a batch run (cancellable: no new item starts, resumable with `batch resume`)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const runs = await listBatches(await scope.store(), {
      context: scope.ctx.contextName,
      since: q.since,
      limit: q.limit,
    });
    return runs.map((b) => batchJob(b, b.counts));
  },
  async get(scope, localId) {
    const store = await scope.store();
    const b = await getBatch(store, localId);
    if (!b || b.context !== scope.ctx.contextName) return undefined;
    const items = await itemsOf(store, b.batchId);
    const counts: Record<ItemState, number> = {pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0};
    for (const i of items) counts[i.state]++;
    return {
      ...batchJob(b, counts),
      details: {batch: b, items},
      cancellation: (await cancelRequest(store, 'batch', b.batchId)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const {request} = await requestCancel(await scope.store(), {
      kind: 'batch',
      jobId: job.id.slice('batch:'.length),
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    return request;
  },
});
