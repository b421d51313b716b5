import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {runStore} from '../../store/index.js';
import './providers/index.js';
import {jobProvider, jobProviders} from './registry.js';
import type {CancelResult, Job, JobDetail, JobList, JobProvider, JobScope, JobState} from './types.js';

/** `cdcctl jobs`: every registered kind's jobs merged into one view; show and cancel by id. */

export interface ListOptions {
  kinds?: string[];
  states?: JobState[];
  since?: Date;
  limit: number;
}

function scopeOf(ctx: RunContext): JobScope {
  return {ctx, store: () => runStore(ctx)};
}

export function jobKinds(): Array<{kind: string; summary: string; cancellable: boolean}> {
  return jobProviders().map((p) => ({kind: p.kind, summary: p.summary, cancellable: Boolean(p.cancel)}));
}

function checkKinds(kinds: string[] | undefined): JobProvider[] {
  const all = jobProviders();
  if (!kinds?.length) return all;
  const unknown = kinds.filter((k) => !jobProvider(k));
  if (unknown.length)
    throw new UsageError(`unknown job kind ${unknown.map((k) => `"${k}"`).join(', ')}`, {
      hint: `Kinds: ${all.map((p) => p.kind).join(', ')}.`,
    });
  return all.filter((p) => kinds.includes(p.kind));
}

/**
 * Newest first; running jobs before the rest. A kind whose system cannot be read becomes a warning; when
 * no kind could be read there is nothing to show, and the first kind's error is the answer (exit 4).
 */
export async function listJobs(ctx: RunContext, o: ListOptions): Promise<JobList> {
  const providers = checkKinds(o.kinds).filter((p) => p.available(ctx));
  const scope = scopeOf(ctx);
  const warnings: JobList['warnings'] = [];
  const errors: unknown[] = [];
  const lists = await Promise.all(
    providers.map((p, i) =>
      p.list(scope, {since: o.since, limit: o.limit}).catch((err: Error) => {
        warnings.push({kind: p.kind, message: err.message});
        errors[i] = err;
        return [] as Job[];
      }),
    ),
  );
  // the first kind's error (in registration order, so the same one every time)
  if (providers.length > 0 && errors.filter(Boolean).length === providers.length) throw errors[0];
  const rank = (j: Job) => (j.state === 'running' ? 0 : j.state === 'waiting' ? 1 : 2);
  const jobs = lists
    .flat()
    .filter((j) => !o.states?.length || o.states.includes(j.state))
    .sort(
      (a, b) => rank(a) - rank(b) || (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.id.localeCompare(b.id),
    );
  return {jobs, warnings};
}

/** `<kind>:<id>`; a bare id is looked up in every kind that has it (ambiguity is a usage error). */
async function findJob(ctx: RunContext, id: string): Promise<{provider: JobProvider; job: JobDetail}> {
  const scope = scopeOf(ctx);
  const colon = id.indexOf(':');
  const named = colon > 0 ? jobProvider(id.slice(0, colon)) : undefined;
  if (named) {
    const job = await named.get(scope, id.slice(colon + 1));
    if (!job) throw notFound(id);
    return {provider: named, job};
  }
  const found: Array<{provider: JobProvider; job: JobDetail}> = [];
  const providers = jobProviders().filter((x) => x.available(ctx));
  const errors: unknown[] = [];
  for (const p of providers) {
    const job = await p.get(scope, id).catch((err: unknown) => {
      errors.push(err);
      return undefined;
    });
    if (job) found.push({provider: p, job});
  }
  if (found.length === 1) return found[0] as {provider: JobProvider; job: JobDetail};
  // not found only when every kind could be asked; otherwise the first unreachable system is the answer
  if (found.length === 0) throw errors.length > 0 ? errors[0] : notFound(id);
  throw new UsageError(`job id "${id}" is ambiguous`, {hint: `Use one of: ${found.map((f) => f.job.id).join(', ')}.`});
}

function notFound(id: string): CdcError {
  return new UsageError(`no job "${id}" in this context`, {
    hint: 'List jobs with `cdcctl jobs list`; ids are <kind>:<id>.',
  });
}

export async function showJob(ctx: RunContext, id: string): Promise<JobDetail> {
  return (await findJob(ctx, id)).job;
}

/**
 * Asks a job to stop at its next checkpoint. Refused (exit 2) for a kind that cannot be cancelled,
 * and for a job that is not running (exit 3: nothing to stop).
 */
export async function cancelJob(ctx: RunContext, id: string, reason?: string): Promise<CancelResult> {
  const {provider, job} = await findJob(ctx, id);
  if (!provider.cancel) {
    throw new UsageError(`${job.id} cannot be cancelled: ${provider.notCancellable ?? 'its kind has no cancellation'}`);
  }
  if (!job.cancellable) {
    throw new CdcError('NOT_RUNNING', ExitCode.notOk, `${job.id} is not running (${job.state}): nothing to cancel`, {
      hint: job.resume ? `It can be resumed with \`${job.resume}\`.` : undefined,
    });
  }
  const before = job.cancellation;
  const request = await provider.cancel(scopeOf(ctx), job, reason);
  const {details: _d, cancellation: _c, ...summary} = job;
  return {
    job: summary,
    requested: !before,
    request,
    note: `${job.kind} stops at its next checkpoint and stays resumable${job.resume ? '' : ' (see `jobs show` for how)'}.`,
  };
}
