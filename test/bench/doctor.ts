import {join} from 'node:path';
import {repoRoot, tempConfig} from '../helpers.js';
import {quantile, report, type Timing, timeCommand} from './lib.js';

/**
 * `npm run bench:doctor`: median wall time of `cdcctl doctor` on the local stack (every endpoint and
 * the CDC prerequisites of the connectors Connect runs), next to `cdcctl config current-context` (the
 * process floor: Node, oclif, the config) and `node -e 0`, measured in the same run, rounds interleaved.
 * Target (issue 23): doctor ≤ 1.5 s wall on the local stack.
 */
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');
const {env: configEnv} = tempConfig(
  [
    'current-context: local',
    'contexts:',
    '  local:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    '    schemaRegistry: {url: "http://127.0.0.1:8080/apis/ccompat/v7"}',
    '    alertmanager: {url: "http://127.0.0.1:9093"}',
    '    prometheus: {url: "http://127.0.0.1:9090"}',
    '    pushgateway: {url: "http://127.0.0.1:9091"}',
    '    kafka: {brokers: ["127.0.0.1:9092"]}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "cdc"}',
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
    '',
  ].join('\n'),
);
const env = {...process.env, ...configEnv, NO_COLOR: '1'};
const runs = Number(process.env.BENCH_RUNS ?? 9);

const commands: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['cdcctl config current-context', [bin, 'config', 'current-context']],
  ['cdcctl doctor', [bin, 'doctor']],
];
const samples = commands.map(() => [] as number[]);
for (let round = 0; round < runs + 1; round++) {
  commands.forEach(([label, args], i) => {
    const t = timeCommand(label, node, args, {runs: 1, warmup: 0, env});
    if (round >= 1) samples[i]?.push(t.medianMs);
  });
}
const [bare, floor, doc] = commands.map(([label], i) => summarize(label, samples[i] ?? [])) as [Timing, Timing, Timing];
report(
  `doctor on ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`,
  [bare, floor, doc],
  [
    {
      name: 'doctor ≤ 1500 ms wall',
      ok: doc.medianMs <= 1500,
      detail: `${doc.medianMs.toFixed(0)} ms (p90 ${doc.p90Ms.toFixed(0)} ms)`,
    },
    {
      name: 'doctor vs the process floor (for reference)',
      ok: true,
      detail: `${(doc.medianMs / floor.medianMs).toFixed(2)}× config current-context (${floor.medianMs.toFixed(0)} ms), ${(doc.medianMs / bare.medianMs).toFixed(2)}× bare node`,
    },
  ],
);

function summarize(label: string, ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return {label, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), runs: sorted.length};
}
