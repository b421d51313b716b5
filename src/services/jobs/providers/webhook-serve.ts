import {cancelRequest, requestCancel} from '../../../store/jobs.js';
import {getServer, LOST_AFTER_MS, listServers, type ServerRecord} from '../../../store/webhook-servers.js';
import {SERVE_JOB_KIND} from '../../webhooks/types.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/**
 * `webhooks serve` processes, from the registry they beat in: running ones are cancellable (the process
 * drains as on SIGTERM and exits 0); one that stopped beating without saying so is lost (killed, its
 * host gone): its claimed messages come back to the others when their lease ends.
 */

function stateOf(s: ServerRecord, now: number): {state: JobState; status: string} {
  if (s.stopReason?.startsWith('cancelled')) return {state: 'cancelled', status: 'cancelled'};
  if (s.stoppedAt) return {state: 'succeeded', status: 'drained'};
  if (now - Date.parse(s.beatAt) > LOST_AFTER_MS) return {state: 'failed', status: 'lost'};
  return {state: 'running', status: 'serving'};
}

function serverJob(s: ServerRecord, now = Date.now()): Job {
  const {state, status} = stateOf(s, now);
  const started = Date.parse(s.startedAt);
  const end = s.stoppedAt ?? (state === 'failed' ? s.beatAt : null);
  return {
    id: `${SERVE_JOB_KIND}:${s.owner}`,
    kind: SERVE_JOB_KIND,
    target: s.url,
    state,
    status,
    progress: `${s.delivered} delivered, ${s.failed} failed${state === 'running' ? `, ${s.inFlight} in flight` : ''}`,
    startedAt: s.startedAt,
    finishedAt: end,
    durationMs: (end ? Date.parse(end) : now) - started,
    actor: s.actor,
    cancellable: state === 'running',
    resume: null,
  };
}

registerJobProvider({
  kind: SERVE_JOB_KIND,
  summary:
    'a webhooks serve process (cancellable: it drains as on SIGTERM; lost when it stopped beating without a word)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const store = await scope.store();
    const now = Date.now();
    return (await listServers(store, scope.ctx.contextName, q.limit))
      .map((s) => serverJob(s, now))
      .filter((j) => !q.since || j.state === 'running' || Date.parse(j.startedAt ?? '') >= q.since.getTime());
  },
  async get(scope, owner) {
    const store = await scope.store();
    const s = await getServer(store, owner);
    if (!s || s.context !== scope.ctx.contextName) return undefined;
    return {
      ...serverJob(s),
      details: {server: s},
      cancellation: (await cancelRequest(store, SERVE_JOB_KIND, s.owner)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const store = await scope.store();
    const {request} = await requestCancel(store, {
      kind: SERVE_JOB_KIND,
      jobId: (job.details as {server: ServerRecord}).server.owner,
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    return request;
  },
});
