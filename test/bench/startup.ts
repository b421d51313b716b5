import {join} from 'node:path';
import {repoRoot, tempConfig} from '../helpers.js';
import {quantile, report, type Timing, timeCommand} from './lib.js';

/**
 * `npm run bench:startup`: median wall time of real commands — `config current-context` (reads the
 * config file) and `connectors list` (against the local stack's Connect) — and of `--version` and
 * `--help`, each next to bare `node -e 0` measured in the same run on this machine, runs interleaved
 * so that a change of load weighs on both alike.
 * Targets (issue 20): a real command ≤ 3× bare node; (issue 2) --version ≤ 2× bare node.
 */
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');
const {env: configEnv} = tempConfig(
  'current-context: local\ncontexts:\n  local: {connect: {url: "http://127.0.0.1:8083"}}\n',
);
const env = {...process.env, ...configEnv, NO_COLOR: '1'};
const runs = Number(process.env.BENCH_RUNS ?? 21);

const commands: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['cdcctl config current-context', [bin, 'config', 'current-context']],
  ['cdcctl connectors list', [bin, 'connectors', 'list']],
  ['cdcctl --version', [bin, '--version']],
  ['cdcctl --help', [bin, '--help']],
];
// Rounds: each command once per round, so that bare node and the commands see the same load.
const samples = commands.map(() => [] as number[]);
for (let round = 0; round < runs + 2; round++) {
  commands.forEach(([label, args], i) => {
    const t = timeCommand(label, node, args, {runs: 1, warmup: 0, env});
    if (round >= 2) samples[i]!.push(t.medianMs);
  });
}
const [bare, current, list, version, help] = commands.map(([label], i) => summarize(label, samples[i]!));
const ratio = (t: Timing) => t.medianMs / bare!.medianMs;
const fmt = (t: Timing) => `${ratio(t).toFixed(2)}× (${t.medianMs.toFixed(1)} ms vs ${bare!.medianMs.toFixed(1)} ms)`;
report(
  `Startup on ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
  [bare!, current!, list!, version!, help!],
  [
    {name: 'config current-context ≤ 3× bare node', ok: ratio(current!) <= 3, detail: fmt(current!)},
    {name: 'connectors list ≤ 3× bare node', ok: ratio(list!) <= 3, detail: fmt(list!)},
    {name: '--version ≤ 2× bare node', ok: ratio(version!) <= 2, detail: fmt(version!)},
    {name: '--help (for reference)', ok: true, detail: fmt(help!)},
  ],
);

function summarize(label: string, ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return {label, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), runs: sorted.length};
}
