import type {RunContext} from '../../runtime.js';
import {runJobs, summarize} from './checks.js';
import {endpointJobs} from './endpoints.js';
import {prerequisiteJobs, readConnectors} from './prereqs.js';
import type {DoctorReport} from './types.js';

export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

/**
 * `cdcctl doctor`: every endpoint of the context layer by layer, then the CDC prerequisites, all
 * side by side, each job with its own deadline; a dead endpoint is a `fail` of its own and never
 * hides the others.
 */
export async function doctor(
  ctx: RunContext,
  opts: {checkTimeoutMs?: number; only?: 'endpoints' | 'cdc'} = {},
): Promise<DoctorReport> {
  const t0 = performance.now();
  const timeoutMs = opts.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const quiet: RunContext = {...ctx, timeoutMs};
  const connectors = opts.only === 'endpoints' ? Promise.resolve(undefined) : readConnectors(quiet, timeoutMs);
  const jobs = [
    ...(opts.only === 'cdc' ? [] : endpointJobs(quiet, timeoutMs)),
    ...(opts.only === 'endpoints' ? [] : prerequisiteJobs(quiet, connectors, timeoutMs, opts.only !== 'cdc')),
  ];
  const checks = await runJobs(jobs, timeoutMs);
  return {context: ctx.contextName, checks, summary: summarize(checks), wallMs: Math.round(performance.now() - t0)};
}
