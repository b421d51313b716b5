import {spawn, spawnSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {availableParallelism, cpus} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {repoRoot, tempConfig} from '../helpers.js';

/**
 * `npm run bench:reconcile -- --rows N`: reconciliation against the local stack (a 10-column mixed
 * table seeded into Cassandra and PostgreSQL), every figure next to baselines measured in the same run:
 *   A  the fastest plain Cassandra full read we have: token-range splits over worker threads, the
 *      same driver, pages prefetched, cells decoded to the driver's values, no hashing (the scan
 *      workers in read mode). Two ways, and A is the faster of the two medians: A1 pages parsed by
 *      the driver; A2 pages parsed in place the way reconcile parses them (cell-canon.ts)
 *   B  PostgreSQL's server-side bucket aggregation alone (the engine's query)
 *   reconcile (CLI, end to end) with no drift and with 0.1 % drift
 *   naive: download both sides fully, compare in memory (test/bench/reconcile-naive.ts)
 * and the peak RSS of each process (VmHWM). A1, A2, B and both reconcile runs take turns (--runs rounds);
 * each figure is its median. Targets (issue 4): reconcile ≤ 1.3 × max(A, B);
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
  cpu: CpuUse;
  /** Whole-process wall time (ms stays the figure compared: for A and B, their own timing). */
  wallMs: number;
}

/** CPU seconds spent during a measured run: the measured process, Cassandra's JVM, PostgreSQL, the whole box. */
interface CpuUse {
  self: number;
  cassandra: number;
  postgres: number;
  box: number;
}

const HZ = 100; // USER_HZ (clock ticks in /proc stat files)
/** utime + stime (+ reaped children's) of a process, in seconds; 0 when it is gone. */
function procCpu(pid: number, withChildren = false): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s
      .slice(s.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // after "pid (comm) ": state=0 … utime=11 stime=12 cutime=13 cstime=14
    return ((f[11] ?? 0) + (f[12] ?? 0) + (withChildren ? (f[13] ?? 0) + (f[14] ?? 0) : 0)) / HZ;
  } catch {
    return 0;
  }
}
function findPid(match: (args: string) => boolean): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (match(readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' '))) return Number(d);
    } catch {}
  }
  return undefined;
}
const cassandraPid = findPid((a) => a.includes('org.apache.cassandra.service.CassandraDaemon'));
const postmasterPid = findPid((a) => /\/postgres -D .* -p 5433\b/.test(a));
/** The postmaster with every live backend, plus what finished backends left in its children's counters. */
function postgresCpu(): number {
  if (!postmasterPid) return 0;
  let sum = procCpu(postmasterPid, true);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmasterPid) sum += procCpu(Number(d));
    } catch {}
  }
  return sum;
}
/** Busy CPU seconds of the whole machine (all cores). */
function boxCpu(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return (f.reduce((a, b) => a + b, 0) - idle) / HZ;
}
function cpuSnapshot(): Omit<CpuUse, 'self'> {
  return {cassandra: cassandraPid ? procCpu(cassandraPid) : 0, postgres: postgresCpu(), box: boxCpu()};
}

/** Runs a process, sampling its peak RSS (VmHWM covers every thread, worker threads included). */
function measure(cmd: string, argv: string[]): Promise<Measured> {
  return new Promise((resolve) => {
    const before = cpuSnapshot();
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, {env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let self = 0;
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
      self = Math.max(self, procCpu(child.pid as number));
    };
    const timer = setInterval(sample, 50);
    // the last sample is taken when stdout closes (the process is exiting but still readable)
    child.stdout.on('end', sample);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const after = cpuSnapshot();
      const cpu: CpuUse = {
        self,
        cassandra: after.cassandra - before.cassandra,
        postgres: after.postgres - before.postgres,
        box: after.box - before.box,
      };
      resolve({ms, wallMs: ms, peakRssMb: peak, stdout, stderr, code: code ?? 1, cpu});
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

function nodetool(...command: string[]): void {
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
      ...command,
    ],
    {stdio: 'ignore', timeout: 600_000},
  );
}

function flushCassandra(compact: boolean): void {
  // memtables → SSTables, so every measured scan reads the same on-disk data (skipped if unavailable);
  // after seeding, one major compaction: otherwise background compactions of the fresh SSTables run
  // during (and bill their CPU to) whichever measurement comes first
  nodetool('flush', ks);
  if (compact) nodetool('compact', ks);
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
const seeding = !args.reuse || have !== rows;
if (seeding) {
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
    // no CDC on the benchmark table: nothing consumes cdc_raw here, and millions of rows would fill it
    // (cdc_total_space), after which Cassandra rejects writes to every CDC table of the stack
    '--no-cdc',
    '--yes',
    '--json',
  ]);
  if (s.code !== 0) throw new Error(`seed failed: ${s.stderr}`);
  const sr = JSON.parse(s.stdout) as {cassandraMs: number; postgresMs: number};
  log(
    `seeded: Cassandra ${(rows / (sr.cassandraMs / 1000)).toFixed(0)} rows/s, PostgreSQL COPY ${(rows / (sr.postgresMs / 1000)).toFixed(0)} rows/s`,
  );
}
flushCassandra(seeding);
await pgc.query(`VACUUM ANALYZE ${table}`);
await settled();

/**
 * Waits (up to 3 minutes) until Cassandra and PostgreSQL are idle: right after `stack.sh up` their
 * start-up work (compactions, commit-log replay, autovacuum) would land in whichever measurement
 * comes first — once it made baseline A twice as slow and reconcile look like 1.0 × A.
 */
async function settled(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const before = cpuSnapshot();
    await new Promise((r) => setTimeout(r, 2000));
    const after = cpuSnapshot();
    const busy = after.cassandra - before.cassandra + (after.postgres - before.postgres);
    if (busy < 0.3) return; // CPU-s in 2 s: ~7 % of one core
    if (Date.now() > deadline) {
      log(`Cassandra and PostgreSQL still busy (${busy.toFixed(1)} CPU-s in 2 s): measuring anyway`);
      return;
    }
    log(`waiting for Cassandra and PostgreSQL to settle (${busy.toFixed(1)} CPU-s in the last 2 s)`);
  }
}

// ---- baselines ----------------------------------------------------------------------------------------
// A and B each in their own process, so that the CPU each costs (client, Cassandra, PostgreSQL) is its own
interface Baseline {
  ms: number;
  rows: number;
  workers: number;
}
const baseline = async (which: 'a' | 'a-in-place' | 'b') => {
  const argv = ['--import', 'tsx', join(repoRoot, 'test/bench/reconcile-baselines.ts'), table, which];
  const m = await measure(node, [...argv, ...(args.workers ? [args.workers] : [])]);
  if (m.code !== 0) throw new Error(`baseline ${which} failed: ${m.stderr}`);
  return {...m, ...(JSON.parse(m.stdout) as Baseline)};
};
// One full read first, not measured: a freshly started Cassandra JVM runs its read path before the
// JIT has compiled it, and the first measured scan would pay for that (seen: A at 10.3 s instead of
// ~7 s, with Cassandra using 14.9 CPU-s instead of 8.5).
log('warm-up read of the whole table (not measured)');
await baseline('a');
type Run = Measured & Baseline;

// ---- rounds: A1, A2, B, reconcile with no drift, reconcile with 0.1 % drift --------------------------------
// One of each per round, so that every figure's median comes from the same stretch of time: on a shared
// box the CPU's speed drifts by 10–20 % over minutes, and measuring all baselines first, then all
// reconcile runs, let that drift decide the ratio.
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
const k = Math.max(1, Math.round(rows * 0.001));
/** Moves `visits` of the first k rows in PostgreSQL by `by`: +1 injects the drift, −1 takes it back. */
const shiftVisits = (by: 1 | -1) =>
  pgc.query(`UPDATE ${table} SET visits = visits + $2 WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT $1)`, [
    k,
    by,
  ]);
interface Round {
  a1: Run;
  a2: Run;
  b: Run;
  clean: Measured;
  drift: Measured;
}
const rounds: Round[] = [];
// Each measurement starts on a quiet box: a full scan leaves Cassandra's JVM with collection work that
// otherwise lands in (and is billed to) whichever run comes next.
const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
  await settled();
  return fn();
};
for (let i = 0; i < runs; i++) {
  const a1 = await quietly(() => baseline('a'));
  const a2 = await quietly(() => baseline('a-in-place'));
  const b = await quietly(() => baseline('b'));
  const clean = await quietly(() => cli(common));
  if (clean.code !== 0) throw new Error(`reconcile (clean) exit ${clean.code}: ${clean.stderr}`);
  await shiftVisits(1);
  // taken back whatever happens: a table left drifted fails every later run's clean check
  const drift = await quietly(() => cli(common)).finally(() => shiftVisits(-1));
  if (drift.code !== 3) throw new Error(`reconcile (drift) exit ${drift.code}: ${drift.stderr}`);
  const found = (JSON.parse(drift.stdout) as {tables: Array<{mismatched: number}>}).tables[0]?.mismatched;
  if (found !== k) throw new Error(`expected ${k} mismatches, got ${found}`);
  rounds.push({a1, a2, b, clean, drift});
  log(
    `round ${i + 1} of ${runs}: A1 ${a1.ms} ms, A2 ${a2.ms} ms, B ${b.ms} ms, clean ${clean.ms.toFixed(0)} ms, drift ${drift.ms.toFixed(0)} ms`,
  );
}
const midOf = <T extends {ms: number}>(xs: T[]): T =>
  [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)] as T;
const A1 = midOf(rounds.map((r) => r.a1));
const A2 = midOf(rounds.map((r) => r.a2));
const A = A2.ms < A1.ms ? A2 : A1;
const B = midOf(rounds.map((r) => r.b));
const baselineRss = Math.max(...rounds.flatMap((r) => [r.a1.peakRssMb, r.a2.peakRssMb, r.b.peakRssMb]));
const withPeak = (xs: Measured[]): Measured => ({...midOf(xs), peakRssMb: Math.max(...xs.map((x) => x.peakRssMb))});
const clean = withPeak(rounds.map((r) => r.clean));
const drift = withPeak(rounds.map((r) => r.drift));
const cleanRes = JSON.parse(clean.stdout) as {
  tables: Array<{durationMs: number; scanMs: number; pgMs: number; rowsCassandra: number}>;
};
const driftRes = JSON.parse(drift.stdout) as {tables: Array<{durationMs: number; drillMs: number; mismatched: number}>};

// ---- naive reference ----------------------------------------------------------------------------------
let naive: (Measured & {diffs?: number}) | undefined;
if (!args['skip-naive']) {
  naive = await median(() =>
    measure(node, ['--import', 'tsx', join(repoRoot, 'test/bench/reconcile-naive.ts'), table]),
  );
  if (naive.code !== 0) throw new Error(`naive failed: ${naive.stderr}`);
  naive.diffs = (JSON.parse(naive.stdout) as {diffs: number}).diffs;
  // the data is identical here: any difference means the reference compares different forms
  if (naive.diffs !== 0) throw new Error(`the naive reference found ${naive.diffs} differences in identical data`);
}
await pgc.end();

// ---- report -------------------------------------------------------------------------------------------
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const floor = Math.max(A.ms, B.ms);
const engine = cleanRes.tables[0] as {durationMs: number; scanMs: number; pgMs: number};
/** Where the CPU went during a measured run (seconds): the measured process, Cassandra, PostgreSQL, the box. */
const cpu = (m: Measured) =>
  `CPU s: self ${m.cpu.self.toFixed(1)}, Cassandra ${m.cpu.cassandra.toFixed(1)}, PG ${m.cpu.postgres.toFixed(1)}, box ${m.cpu.box.toFixed(1)} of ${((cpus().length * m.wallMs) / 1000).toFixed(1)}`;
console.log(
  `\nReconcile benchmark: ${rows.toLocaleString('en-US')} rows × 10 columns, ${cpus().length} cores (${availableParallelism()} available), ${A.workers} scan workers, Node ${process.version}, median of ${runs}`,
);
for (const [name, a] of [
  ['A1 plain read, pages parsed by the driver', A1],
  ['A2 plain read, pages parsed in place     ', A2],
] as const) {
  console.log(
    `  ${name}   ${s(a.ms).padStart(9)}   ${rate(a.rows, a.ms)}   peak RSS ${a.peakRssMb.toFixed(0)} MB   ${cpu(a)}${a === A ? '   = A' : ''}`,
  );
}
console.log(
  `  B  PostgreSQL server-side bucket aggregation   ${s(B.ms).padStart(9)}   ${rate(B.rows, B.ms)}   ${cpu(B)}`,
);
console.log(
  `  reconcile, no drift (CLI wall)                 ${s(clean.ms).padStart(9)}   ${(clean.ms / floor).toFixed(2)} × max(A, B)   engine ${s(engine.durationMs)} (scan ${s(engine.scanMs)}, PG ${s(engine.pgMs)} alongside)   peak RSS ${clean.peakRssMb.toFixed(0)} MB   ${cpu(clean)}`,
);
console.log(
  `  reconcile, 0.1 % drift (${k} rows, CLI wall)   ${s(drift.ms).padStart(9)}   ${(drift.ms / floor).toFixed(2)} × max(A, B)   engine ${s(driftRes.tables[0]?.durationMs ?? 0)} (drill ${s(driftRes.tables[0]?.drillMs ?? 0)})   peak RSS ${drift.peakRssMb.toFixed(0)} MB   ${cpu(drift)}`,
);
if (naive) {
  console.log(
    `  naive: download both, compare in memory        ${s(naive.ms).padStart(9)}   reconcile is ${(naive.ms / clean.ms).toFixed(1)}× faster   peak RSS ${naive.peakRssMb.toFixed(0)} MB   (${naive.diffs} diffs)   ${cpu(naive)}`,
  );
}
/** reconcile ÷ max(A, B) of each round, A being the faster of that round's A1 and A2. */
const perRound = (which: 'clean' | 'drift') =>
  rounds.map((r) => (r[which].ms / Math.max(Math.min(r.a1.ms, r.a2.ms), r.b.ms)).toFixed(2)).join(', ');
console.log(`  each round's own ratio: no drift ${perRound('clean')}; 0.1 % drift ${perRound('drift')}`);
console.log(
  `  (A and B are timed inside their process, after connecting; reconcile and naive are whole-process wall times; baselines peak RSS ${baselineRss.toFixed(0)} MB)`,
);
// what the box allows: each run's own CPU (the measured process + Cassandra + PostgreSQL), packed
// perfectly on every core, is the least wall time it can take here whatever else is running
const own = (m: Measured) => m.cpu.self + m.cpu.cassandra + m.cpu.postgres;
const cores = cpus().length;
console.log(
  `  CPU floor on ${cores} shared cores: A ${own(A).toFixed(1)} CPU-s (≥ ${(own(A) / cores).toFixed(1)} s), B ${own(B).toFixed(1)} (≥ ${(own(B) / cores).toFixed(1)} s), reconcile ${own(clean).toFixed(1)} (≥ ${(own(clean) / cores).toFixed(1)} s): reconcile's own CPU is ${(own(clean) / Math.max(own(A), own(B))).toFixed(2)} × that of the larger baseline, the wall ratio it would have with the box to itself; other processes took ${(clean.cpu.box - own(clean)).toFixed(1)} CPU-s during reconcile, ${(A.cpu.box - own(A)).toFixed(1)} during A`,
);
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
