import type {RunContext} from '../../runtime.js';
import type {Store} from '../../store/index.js';
import type {CancelRequest} from '../../store/jobs.js';

/**
 * The public types of `cdcctl jobs`: one view of the work in flight and recent across systems.
 * Each kind of job (Connect tasks, reconcile runs, GDPR erasures, DLQ replays, batch runs …) is a
 * JobProvider that registers itself (registry.ts); the jobs service only merges what they answer.
 */

/**
 * running: a process is working on it now · waiting: open, nothing running it (resume or a timer
 * moves it on) · interrupted: stopped before its end (killed or cancelled), resumable ·
 * succeeded / failed / cancelled: over.
 */
export const JOB_STATES = ['running', 'waiting', 'interrupted', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface Job {
  /** `<kind>:<the kind's own id>`, e.g. reconcile:rc-20261207-024100-a1b2c3. */
  id: string;
  kind: string;
  /** What it works on: a connector/task, tables, a subject pseudonym, a DLQ selection … */
  target: string;
  state: JobState;
  /** The kind's own state word (RUNNING, drift, backed_up …). */
  status: string;
  /** Done so far, in the kind's own unit ("12/64 splits", "30/50 items"); null when unknown. */
  progress: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  actor: string | null;
  /** Whether `jobs cancel` can stop it now. */
  cancellable: boolean;
  /** The command that resumes it, when it is resumable. */
  resume: string | null;
}

export interface JobDetail extends Job {
  /** The kind's own record (what `<topic> show` would show), for `jobs show`. */
  details: Record<string, unknown>;
  /** A pending or obeyed cancellation request. */
  cancellation: CancelRequest | null;
}

export interface JobQuery {
  since?: Date;
  /** At most this many jobs per kind. */
  limit: number;
}

export interface JobScope {
  ctx: RunContext;
  /** The run's operational store, opened on first use. */
  store(): Promise<Store>;
}

export interface JobProvider {
  kind: string;
  /** One line for `jobs kinds` and help: what a job of this kind is. */
  summary: string;
  /** Whether the context has what this kind needs (a Connect URL, a store …); skipped quietly otherwise. */
  available(ctx: RunContext): boolean;
  list(scope: JobScope, q: JobQuery): Promise<Job[]>;
  /** The job with this kind-local id, or undefined. */
  get(scope: JobScope, localId: string): Promise<JobDetail | undefined>;
  /**
   * Asks the job to stop at its next checkpoint (cooperative, through the store). Absent: the kind
   * cannot be cancelled, and `notCancellable` says what to do instead.
   */
  cancel?(scope: JobScope, job: JobDetail, reason: string | undefined): Promise<CancelRequest>;
  notCancellable?: string;
}

export interface JobList {
  jobs: Job[];
  /** A kind whose system could not be read: the others are still listed. */
  warnings: Array<{kind: string; message: string}>;
}

export interface CancelResult {
  job: Job;
  /** False when a request was already pending (or obeyed). */
  requested: boolean;
  request: CancelRequest;
  /** What happens next, in words. */
  note: string;
}
