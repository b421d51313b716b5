import {spawnSync} from 'node:child_process';

/** Small helpers shared by the benchmarks: timing commands and printing figures against targets. */

export interface Timing {
  label: string;
  medianMs: number;
  p90Ms: number;
  runs: number;
}

/** Runs a command `runs` times after `warmup` runs and returns its median and p90 wall time. */
export function timeCommand(
  label: string,
  cmd: string,
  args: string[],
  options: {
    runs?: number;
    warmup?: number;
    env?: NodeJS.ProcessEnv /** Exit codes that are answers (e.g. 3). */;
    okExit?: number[];
  } = {},
): Timing {
  const runs = options.runs ?? 15;
  const samples: number[] = [];
  for (let i = 0; i < (options.warmup ?? 3) + runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe']});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0 && !options.okExit?.includes(r.status ?? -1))
      throw new Error(`${label}: exit ${r.status}: ${r.stderr?.toString().slice(0, 500)}`);
    if (i >= (options.warmup ?? 3)) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return {label, medianMs: quantile(samples, 0.5), p90Ms: quantile(samples, 0.9), runs};
}

export function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

export interface Target {
  name: string;
  ok: boolean;
  detail: string;
}

export function report(title: string, timings: Timing[], targets: Target[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...timings.map((t) => t.label.length));
  for (const t of timings) {
    console.log(
      `  ${t.label.padEnd(width)}  median ${t.medianMs.toFixed(1).padStart(7)} ms   p90 ${t.p90Ms.toFixed(1).padStart(7)} ms   (${t.runs} runs)`,
    );
  }
  console.log('Targets:');
  for (const t of targets) console.log(`  ${t.ok ? 'MET ' : 'MISS'}  ${t.name}: ${t.detail}`);
}
