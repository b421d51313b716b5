import {spawn, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {availableParallelism, cpus} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {repoRoot, tempConfig} from '../helpers.js';

/**
 * `npm run bench:reconcile -- --rows N`: reconciliation against the local stack (a 10-column mixed
 * table seeded into Cassandra and PostgreSQL), every figure next to baselines measured in the same run:
 *   A  the fastest plain Cassandra full read we have: token-range splits over worker threads, the
 *      same driver, pages prefetched, no canonicalisation or hashing (the scan workers in read mode)
 *   B  PostgreSQL's server-side bucket aggregation alone (the engine's query)
 *   reconcile (CLI, end to end) with no drift and with 0.1 % drift
 *   naive: download both sides fully, compare in memory (test/bench/reconcile-naive.ts)
 * and the peak RSS of each process (VmHWM). Targets (issue 4): reconcile ≤ 1.3 × max(A, B);
 * ≥ 5× faster than naive; peak RSS ≤ 300 MB and flat in N.
 */
const {values: args} = parseArgs({
  options: {
    rows: {type: 'string', default: '200000'},
    reuse: {type: 'boolean', default: false},
    workers: {type: 'string'},
    'skip-naive': {type: 'boolean', default: false},
    runs: {type: 'string', default: '3'},
  },
});
const rows = Number(args.rows);
const ks = 'bench_rc';
const table = `${ks}.accounts`;
const config = tempConfig(
  [
    'current-context: local',
    'contexts:',
    '  local:',
    '    postgres: {url: "postgres://cdc:cdc@127.0.0.1:5433/target"}',
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1, keyspace: null}'.replace(
      ', keyspace: null',
      '',
    ),
    '    reconcile:',
    `      tables: [{name: ${table}, cassandra: ${table}, postgres: ${table}, key: [id], updatedAt: updated_at}]`,
    '',
  ].join('\n'),
);
const env = {...process.env, ...config.env, NO_COLOR: '1'};
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');

interface Measured {
  ms: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a process, sampling its peak RSS (VmHWM covers every thread, worker threads included). */
function measure(cmd: string, argv: string[]): Promise<Measured> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {}
    };
    const timer = setInterval(sample, 50);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ms: Number(process.hrtime.bigint() - t0) / 1e6, peakRssMb: peak, stdout, stderr, code: code ?? 1});
    });
  });
}

async function cli(argv: string[]): Promise<Measured> {
  return measure(node, [bin, ...argv]);
}

const runs = Number(args.runs);
/** The run with the median wall time of `runs` (the machine is shared: single shots are noisy). */
async function median(fn: () => Promise<Measured>): Promise<Measured> {
  const all: Measured[] = [];
  for (let i = 0; i < runs; i++) all.push(await fn());
  all.sort((a, b) => a.ms - b.ms);
  const m = all[Math.floor(all.length / 2)] as Measured;
  return {...m, peakRssMb: Math.max(...all.map((x) => x.peakRssMb))};
}

function flushCassandra(): void {
  // memtables → SSTables, so every measured scan reads the same on-disk data (skipped if unavailable)
  const stack = process.env.STACK_DIR ?? join(repoRoot, '.stack');
  spawnSync(
    'java',
    [
      '-XX:TieredStopAtLevel=1',
      '--add-exports',
      'java.base/jdk.internal.ref=ALL-UNNAMED',
      '--add-exports',
      'java.base/sun.nio.ch=ALL-UNNAMED',
      '--add-opens',
      'java.base/sun.nio.ch=ALL-UNNAMED',
      '-cp',
      `${stack}/cassandra/lib/*`,
      'org.apache.cassandra.tools.NodeTool',
      '-h',
      '127.0.0.1',
      '-p',
      '7199',
      'flush',
      ks,
    ],
    {stdio: 'ignore', timeout: 120_000},
  );
}

const log = (s: string) => process.stderr.write(`# ${s}\n`);
const workersArg = args.workers ? ['--workers', args.workers] : [];

// ---- data ---------------------------------------------------------------------------------------------
const pg = (await import('pg')).default;
const pgc = new pg.Client({host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'});
await pgc.connect();
const have = await pgc
  .query<{n: string}>(`SELECT count(*) AS n FROM ${table}`)
  .then((r) => Number(r.rows[0]?.n))
  .catch(() => -1);
if (!args.reuse || have !== rows) {
  log(`seeding ${rows} rows into Cassandra and PostgreSQL (${table})`);
  const s = await cli([
    'reconcile',
    'seed',
    '--cassandra',
    table,
    '--postgres',
    table,
    '--rows',
    String(rows),
    '--recreate',
    '--yes',
    '--json',
  ]);
  if (s.code !== 0) throw new Error(`seed failed: ${s.stderr}`);
  const sr = JSON.parse(s.stdout) as {cassandraMs: number; postgresMs: number};
  log(
    `seeded: Cassandra ${(rows / (sr.cassandraMs / 1000)).toFixed(0)} rows/s, PostgreSQL COPY ${(rows / (sr.postgresMs / 1000)).toFixed(0)} rows/s`,
  );
}
flushCassandra();
await pgc.query(`VACUUM ANALYZE ${table}`);

// ---- baselines ----------------------------------------------------------------------------------------
const bs: Array<{aMs: number; aRows: number; bMs: number; bRows: number; workers: number}> = [];
let baselineRss = 0;
for (let i = 0; i < runs; i++) {
  const argv = ['--import', 'tsx', join(repoRoot, 'test/bench/reconcile-baselines.ts'), table];
  const m = await measure(node, [...argv, ...(args.workers ? [args.workers] : [])]);
  if (m.code !== 0) throw new Error(`baselines failed: ${m.stderr}`);
  bs.push(JSON.parse(m.stdout));
  baselineRss = Math.max(baselineRss, m.peakRssMb);
}
const mid = <T>(xs: T[], f: (x: T) => number) => xs.map(f).sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
const b = {
  aMs: mid(bs, (x) => x.aMs),
  aRows: bs[0]?.aRows ?? 0,
  bMs: mid(bs, (x) => x.bMs),
  bRows: bs[0]?.bRows ?? 0,
  workers: bs[0]?.workers ?? 0,
};
const baseline = {peakRssMb: baselineRss};

// ---- reconcile: no drift, 0.1 % drift -----------------------------------------------------------------
const common = [
  'reconcile',
  '--recheck-after',
  '0',
  '--no-push',
  '--no-alert',
  '--json',
  '--spill-dir',
  '/tmp/cdcctl-bench-spill',
  ...workersArg,
];
const clean = await median(() => cli(common));
if (clean.code !== 0) throw new Error(`reconcile (clean) exit ${clean.code}: ${clean.stderr}`);
const cleanRes = JSON.parse(clean.stdout) as {
  tables: Array<{durationMs: number; scanMs: number; pgMs: number; rowsCassandra: number}>;
};

const k = Math.max(1, Math.round(rows * 0.001));
await pgc.query(`UPDATE ${table} SET visits = visits + 1 WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT $1)`, [
  k,
]);
const drift = await median(() => cli(common));
await pgc.query(`UPDATE ${table} SET visits = visits - 1 WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT $1)`, [
  k,
]);
if (drift.code !== 3) throw new Error(`reconcile (drift) exit ${drift.code}: ${drift.stderr}`);
const driftRes = JSON.parse(drift.stdout) as {tables: Array<{durationMs: number; mismatched: number}>};
if (driftRes.tables[0]?.mismatched !== k)
  throw new Error(`expected ${k} mismatches, got ${driftRes.tables[0]?.mismatched}`);

// ---- naive reference ----------------------------------------------------------------------------------
let naive: (Measured & {diffs?: number}) | undefined;
if (!args['skip-naive']) {
  naive = await median(() =>
    measure(node, ['--import', 'tsx', join(repoRoot, 'test/bench/reconcile-naive.ts'), table]),
  );
  if (naive.code !== 0) throw new Error(`naive failed: ${naive.stderr}`);
  naive.diffs = (JSON.parse(naive.stdout) as {diffs: number}).diffs;
}
await pgc.end();

// ---- report -------------------------------------------------------------------------------------------
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const floor = Math.max(b.aMs, b.bMs);
const engine = cleanRes.tables[0] as {durationMs: number; scanMs: number; pgMs: number};
console.log(
  `\nReconcile benchmark: ${rows.toLocaleString('en-US')} rows × 10 columns, ${cpus().length} cores (${availableParallelism()} available), ${b.workers} scan workers, Node ${process.version}`,
);
console.log(
  `  A  plain token-range parallel Cassandra read   ${s(b.aMs).padStart(9)}   ${rate(b.aRows, b.aMs)}  (peak RSS ${baseline.peakRssMb.toFixed(0)} MB incl. B)`,
);
console.log(`  B  PostgreSQL server-side bucket aggregation   ${s(b.bMs).padStart(9)}   ${rate(b.bRows, b.bMs)}`);
console.log(
  `  reconcile, no drift (CLI wall)                 ${s(clean.ms).padStart(9)}   ${(clean.ms / floor).toFixed(2)} × max(A, B)   engine ${s(engine.durationMs)} (scan ${s(engine.scanMs)}, PG ${s(engine.pgMs)} alongside)   peak RSS ${clean.peakRssMb.toFixed(0)} MB`,
);
console.log(
  `  reconcile, 0.1 % drift (${k} rows, CLI wall)   ${s(drift.ms).padStart(9)}   ${(drift.ms / floor).toFixed(2)} × max(A, B)   engine ${s(driftRes.tables[0]?.durationMs ?? 0)}   peak RSS ${drift.peakRssMb.toFixed(0)} MB`,
);
if (naive) {
  console.log(
    `  naive: download both, compare in memory        ${s(naive.ms).padStart(9)}   reconcile is ${(naive.ms / clean.ms).toFixed(1)}× faster   peak RSS ${naive.peakRssMb.toFixed(0)} MB   (${naive.diffs} diffs)`,
  );
}
console.log('Targets:');
const t = (ok: boolean, name: string, detail: string) => console.log(`  ${ok ? 'MET ' : 'MISS'}  ${name}: ${detail}`);
t(clean.ms <= 1.3 * floor, 'reconcile ≤ 1.3 × max(A, B), no drift', `${(clean.ms / floor).toFixed(2)}×`);
t(drift.ms <= 1.3 * floor, 'reconcile ≤ 1.3 × max(A, B), 0.1 % drift', `${(drift.ms / floor).toFixed(2)}×`);
if (naive) t(naive.ms >= 5 * clean.ms, '≥ 5× faster than naive', `${(naive.ms / clean.ms).toFixed(1)}×`);
t(
  Math.max(clean.peakRssMb, drift.peakRssMb) <= 300,
  'peak RSS ≤ 300 MB',
  `${Math.max(clean.peakRssMb, drift.peakRssMb).toFixed(0)} MB`,
);
