import {join} from 'node:path';
import {repoRoot, tempConfig} from '../helpers.js';
import {report, timeCommand} from './lib.js';

/**
 * `npm run bench:startup`: median wall time of `cdcctl --version`, `--help` and `connectors list`
 * (against the local stack) next to bare `node -e 0`, measured in the same run on this machine.
 * Targets (issue 2): --version ≤ 2× bare node; connectors list ≤ 250 ms.
 */
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');
const {env: configEnv} = tempConfig(
  'current-context: local\ncontexts:\n  local: {connect: {url: "http://127.0.0.1:8083"}}\n',
);
const env = {...process.env, ...configEnv, NO_COLOR: '1'};
const runs = Number(process.env.BENCH_RUNS ?? 21);

const bare = timeCommand('node -e 0', node, ['-e', '0'], {runs, env});
const version = timeCommand('cdcctl --version', node, [bin, '--version'], {runs, env});
const help = timeCommand('cdcctl --help', node, [bin, '--help'], {runs, env});
const list = timeCommand('cdcctl connectors list', node, [bin, 'connectors', 'list'], {runs, env});

const ratio = version.medianMs / bare.medianMs;
report(
  `Startup on ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
  [bare, version, help, list],
  [
    {
      name: '--version ≤ 2× bare node',
      ok: ratio <= 2,
      detail: `${ratio.toFixed(2)}× (${version.medianMs.toFixed(1)} ms vs ${bare.medianMs.toFixed(1)} ms)`,
    },
    {name: 'connectors list ≤ 250 ms', ok: list.medianMs <= 250, detail: `${list.medianMs.toFixed(1)} ms`},
    {name: '--help (for reference)', ok: true, detail: `${(help.medianMs / bare.medianMs).toFixed(2)}× bare node`},
  ],
);
