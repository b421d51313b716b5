import {cancelRequest, type DlqReplayRunSummary, listDlqReplayRuns, requestCancel} from '../../../store/jobs.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/** DLQ replay runs (store-backed): cancellable, the run stops after its current batch and resumes by --run-id. */

function stateOf(r: DlqReplayRunSummary): JobState {
  if (r.state === 'running') return r.live ? 'running' : 'interrupted';
  if (r.state === 'finished') return 'succeeded';
  return r.state === 'failed' ? 'failed' : 'interrupted';
}

function replayJob(r: DlqReplayRunSummary): Job {
  const state = stateOf(r);
  const started = Date.parse(r.startedAt);
  const sel = Object.entries(r.selection)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`)
    .join(' ');
  return {
    id: `dlq-replay:${r.runId}`,
    kind: 'dlq-replay',
    target: `${sel || 'all records'}${r.toTopic ? ` → ${r.toTopic}` : ''}`,
    state,
    status: r.state,
    progress: `${r.produced + r.recovered} sent`,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs:
      (r.finishedAt ? Date.parse(r.finishedAt) : state === 'running' ? Date.now() : Date.parse(r.updatedAt)) - started,
    actor: r.actor,
    cancellable: state === 'running',
    resume: state === 'interrupted' || state === 'failed' ? `cdcctl dlq replay --run-id ${r.runId} --yes` : null,
  };
}

registerJobProvider({
  kind: 'dlq-replay',
  summary: 'a DLQ replay run (cancellable: stops after its current batch, resumable with --run-id)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const store = await scope.store();
    const runs = await listDlqReplayRuns(store, {context: scope.ctx.contextName, since: q.since, limit: q.limit});
    return runs.map(replayJob);
  },
  async get(scope, localId) {
    const store = await scope.store();
    const [run] = await listDlqReplayRuns(store, {context: scope.ctx.contextName, runId: localId, limit: 1});
    if (!run) return undefined;
    return {
      ...replayJob(run),
      details: {run},
      cancellation: (await cancelRequest(store, 'dlq-replay', run.runId)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const {request} = await requestCancel(await scope.store(), {
      kind: 'dlq-replay',
      jobId: job.id.slice('dlq-replay:'.length),
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    return request;
  },
});
