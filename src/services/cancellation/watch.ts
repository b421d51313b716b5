import {CdcError, ExitCode} from '../../errors.js';
import type {Store} from '../../store/index.js';
import {type CancelRequest, cancelRequest, clearSeenCancel, markCancelSeen} from '../../store/jobs.js';

/**
 * Cooperative cancellation: a job polls the store for a request (`jobs cancel`) and, once one is
 * there, stops at its next checkpoint by throwing JobCancelledError from `check()`. What it finished
 * stays recorded, so the job is resumable. Its own area, below `services/jobs`: the workers that poll
 * for a request (reconcile, backfill, dlq replay, batch) are also what the jobs providers list.
 */

export class JobCancelledError extends CdcError {
  constructor(
    readonly kind: string,
    readonly jobId: string,
    readonly request: CancelRequest,
    resume: string,
  ) {
    super(
      'CANCELLED',
      ExitCode.interrupted,
      `${kind} ${jobId} was cancelled by ${request.requestedBy}${request.reason ? ` (${request.reason})` : ''}: stopped at a checkpoint`,
      {hint: `Resume it with \`${resume}\`.`, details: {kind, jobId, requestedAt: request.requestedAt}},
    );
  }
}

export interface CancelWatch {
  /** Aborted once a cancellation request was seen. */
  readonly signal: AbortSignal;
  /** At a checkpoint: throws JobCancelledError when the job was asked to stop. */
  check(): void;
  stop(): void;
}

/** How often a running job looks for a cancellation request. */
export const CANCEL_POLL_MS = 1000;

/**
 * Watches the store for a cancellation request of this job. `resumed`: a run started to continue an
 * earlier one first drops a request that run already obeyed.
 */
export async function watchCancel(
  store: Store,
  o: {kind: string; jobId: string; resume: string; resumed?: boolean; intervalMs?: number},
): Promise<CancelWatch> {
  if (o.resumed) await clearSeenCancel(store, o.kind, o.jobId);
  const controller = new AbortController();
  let request: CancelRequest | undefined;
  let polling = false;
  const poll = async () => {
    if (polling || request) return;
    polling = true;
    try {
      const r = await cancelRequest(store, o.kind, o.jobId);
      if (r && !request) {
        request = r;
        await markCancelSeen(store, o.kind, o.jobId).catch(() => {});
        controller.abort(new JobCancelledError(o.kind, o.jobId, r, o.resume));
      }
    } catch {
      // the store being briefly unreachable must not fail the job: the next poll tries again
    } finally {
      polling = false;
    }
  };
  await poll();
  const timer = setInterval(() => void poll(), o.intervalMs ?? CANCEL_POLL_MS);
  timer.unref();
  return {
    signal: controller.signal,
    check() {
      if (request) throw new JobCancelledError(o.kind, o.jobId, request, o.resume);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
