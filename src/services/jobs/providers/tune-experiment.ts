import {cancelRequest, requestCancel} from '../../../store/jobs.js';
import {type ExperimentRecord, getExperiment, listExperiments} from '../../../store/tune.js';
import {EXPERIMENT_KIND, settleMs} from '../../tune/experiment.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/**
 * `tune experiment` runs (A/B trials of connector settings): cancellable while measuring (the run stops at
 * its next second, rolling B back if it was written). One still "measuring" long after it should have
 * ended (its process was killed) is shown interrupted: its config may hold B — see its versions.
 */

const GRACE_MS = 5 * 60_000;

function stateOf(e: ExperimentRecord, now: number): JobState {
  if (e.state === 'kept' || e.state === 'rolled-back') return 'succeeded';
  if (e.state === 'failed') return 'failed';
  const due = Date.parse(e.startedAt) + 2 * e.durationMs + settleMs(e.durationMs) + GRACE_MS;
  return now > due ? 'interrupted' : 'running';
}

function experimentJob(e: ExperimentRecord, now = Date.now()): Job {
  const state = stateOf(e, now);
  const started = Date.parse(e.startedAt);
  const changes = Object.entries(e.changes)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    id: `${EXPERIMENT_KIND}:${e.experimentId}`,
    kind: EXPERIMENT_KIND,
    target: `${e.connector} (${changes})`,
    state,
    status: e.state,
    progress: e.state === 'measuring-a' ? 'A' : e.state === 'measuring-b' ? 'B' : (e.verdict ?? null),
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    durationMs:
      (e.finishedAt ? Date.parse(e.finishedAt) : state === 'running' ? now : Date.parse(e.updatedAt)) - started,
    actor: e.actor,
    cancellable: state === 'running',
    resume: null,
  };
}

registerJobProvider({
  kind: EXPERIMENT_KIND,
  summary: 'a `tune experiment` A/B trial (cancellable: stops and rolls B back if it was written)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const rows = await listExperiments(await scope.store(), {
      context: scope.ctx.contextName,
      since: q.since,
      limit: q.limit,
    });
    return rows.map((e) => experimentJob(e));
  },
  async get(scope, localId) {
    const store = await scope.store();
    const e = await getExperiment(store, localId);
    if (!e || e.context !== scope.ctx.contextName) return undefined;
    return {
      ...experimentJob(e),
      details: {experiment: e},
      cancellation: (await cancelRequest(store, EXPERIMENT_KIND, e.experimentId)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const {request} = await requestCancel(await scope.store(), {
      kind: EXPERIMENT_KIND,
      jobId: job.id.slice(EXPERIMENT_KIND.length + 1),
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    return request;
  },
});
