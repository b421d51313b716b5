import {GDPR_STATES, getRequest, listRequests, type RequestRow} from '../../../store/gdpr-journal.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/**
 * GDPR erasure requests. Not cancellable: once Cassandra rows are deleted a saga must finish (or
 * compensate); an open request is moved on by `gdpr resume`, undone by `gdpr restore`.
 */

/** The forward path of a saga, for a progress figure. */
const PATH = GDPR_STATES.slice(0, GDPR_STATES.indexOf('closed') + 1);

const stateOf = (s: RequestRow['state']): JobState =>
  s === 'closed' ? 'succeeded' : s === 'restored' ? 'cancelled' : s === 'needs_operator' ? 'failed' : 'waiting';

function requestJob(r: RequestRow): Job {
  const state = stateOf(r.state);
  const step = PATH.indexOf(r.state as (typeof PATH)[number]);
  return {
    id: `gdpr:${r.requestId}`,
    kind: 'gdpr',
    target: `subject ${r.subjectHmac.slice(0, 12)}…`,
    state,
    status: r.state,
    progress: step >= 0 ? `${step}/${PATH.length - 1} steps` : null,
    startedAt: r.receivedAt,
    finishedAt: r.closedAt,
    durationMs:
      (r.closedAt ? Date.parse(r.closedAt) : state === 'waiting' ? Date.now() : Date.parse(r.updatedAt)) -
      Date.parse(r.receivedAt),
    actor: r.actor,
    cancellable: false,
    resume: state === 'waiting' || state === 'failed' ? `cdcctl gdpr resume --request ${r.requestId}` : null,
  };
}

registerJobProvider({
  kind: 'gdpr',
  summary: 'a GDPR erasure saga (not cancellable: it finishes or compensates)',
  available: (ctx) => Boolean(ctx.config.postgres),
  notCancellable:
    'an erasure saga is never stopped half-way: move it on with `cdcctl gdpr resume`, or undo it with `cdcctl gdpr restore`.',
  async list(scope, q) {
    const store = await scope.store();
    const rows = await listRequests(store, {context: scope.ctx.contextName});
    return rows
      .filter((r) => !q.since || Date.parse(r.receivedAt) >= q.since.getTime() || stateOf(r.state) === 'waiting')
      .reverse()
      .slice(0, q.limit)
      .map(requestJob);
  },
  async get(scope, localId) {
    const store = await scope.store();
    const r = await getRequest(store, localId);
    if (!r || r.context !== scope.ctx.contextName) return undefined;
    const {subjectEnc: _s, keysEnc: _k, ...visible} = r;
    return {...requestJob(r), details: {request: visible}, cancellation: null};
  },
});
