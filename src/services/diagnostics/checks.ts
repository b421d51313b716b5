import type {CheckResult, CheckStatus} from './types.js';

/**
 * How doctor runs its checks: jobs side by side, each with its own deadline, each emitting as many
 * results as it finds. A job that throws or misses its deadline becomes one `fail` result of its own
 * target; it never takes another job's results with it.
 */

export type Finding = Omit<CheckResult, 'ms'> & {ms?: number};
export type Emit = (f: Finding) => void;

export interface Job {
  target: string;
  /** Named in the result when the job dies or times out. */
  check: string;
  run: (emit: Emit, deadline: AbortSignal) => Promise<void>;
  /** Hint for a timeout or an unexpected error of the whole job. */
  hint?: string;
}

export async function runJobs(jobs: Job[], timeoutMs: number): Promise<CheckResult[]> {
  const groups = await Promise.all(
    jobs.map(async (job) => {
      const out: CheckResult[] = [];
      const t0 = performance.now();
      const controller = new AbortController();
      const emit: Emit = (f) => {
        if (!controller.signal.aborted) out.push({...f, ms: Math.round(f.ms ?? performance.now() - t0)});
      };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([job.run(emit, controller.signal).then(() => 'done' as const), timeout]);
        if (outcome === 'timeout') {
          controller.abort();
          out.push({
            target: job.target,
            check: job.check,
            status: 'fail',
            detail: `no answer within ${timeoutMs} ms`,
            hint: job.hint ?? 'Check that the service runs and is reachable; raise --check-timeout for a slow link.',
            ms: Math.round(performance.now() - t0),
          });
        }
      } catch (err) {
        controller.abort();
        out.push({
          target: job.target,
          check: job.check,
          status: 'fail',
          detail: firstLine((err as Error).message),
          hint: (err as {hint?: string}).hint ?? job.hint,
          ms: Math.round(performance.now() - t0),
        });
      } finally {
        clearTimeout(timer);
      }
      return out;
    }),
  );
  return groups.flat();
}

export function summarize(checks: CheckResult[]): Record<CheckStatus, number> {
  const s: Record<CheckStatus, number> = {ok: 0, warn: 0, fail: 0};
  for (const c of checks) s[c.status]++;
  return s;
}

export function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Bytes in a short human form (for details; the exact number goes to data). */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Clock skew from a server's time and the local times around the request (its midpoint). */
export function skewMs(serverMs: number, sentMs: number, receivedMs: number): number {
  return Math.round(serverMs - (sentMs + receivedMs) / 2);
}

/** ok below 1 s, warn below 30 s, fail above (Kerberos, TLS and JWT checks break around minutes). */
export function skewStatus(skew: number, resolutionMs = 0): CheckStatus {
  const a = Math.max(0, Math.abs(skew) - resolutionMs);
  return a < 1000 ? 'ok' : a < 30_000 ? 'warn' : 'fail';
}
