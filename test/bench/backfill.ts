import {spawn} from 'node:child_process';
import {createReadStream, readFileSync, rmSync, statSync} from 'node:fs';
import {cpus} from 'node:os';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {parseArgs} from 'node:util';
import pg from 'pg';
import {from as copyFrom, to as copyTo} from 'pg-copy-streams';
import {repoRoot, tempConfig} from '../helpers.js';

/**
 * `npm run bench:backfill -- --rows N`: cdcctl's Cassandra → PostgreSQL backfill of a 10-column mixed
 * table into its truncated replica, next to two baselines measured in the same run:
 *   A  the plain full Cassandra read (reconcile's benchmark baseline: token splits over worker threads,
 *      cells decoded to driver values, no writing)
 *   B  PostgreSQL COPY of the same rows from a file (exported beforehand, not timed) into a copy of the
 *      table with the same primary key
 * Targets (issue 22): backfill ≤ 1.5 × (A + B) and ≤ 1.3 × max(A, B); peak RSS ≤ 300 MB, flat in N.
 * Rounds take turns (A, B, backfill) so that the box's drift lands on all three; figures are medians.
 */
const {values: args} = parseArgs({
  options: {
    rows: {type: 'string', default: '200000'},
    runs: {type: 'string', default: '1'},
    reuse: {type: 'boolean', default: false},
    concurrency: {type: 'string'},
  },
});
const rows = Number(args.rows);
const runs = Number(args.runs);
const ks = 'bench_bf';
const table = `${ks}.accounts`;
const config = tempConfig(
  [
    'current-context: local',
    'contexts:',
    '  local:',
    '    postgres: {url: "postgres://cdc:cdc@127.0.0.1:5433/target", opsSchema: cdc_ops_bench_bf}',
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
    '    reconcile:',
    `      tables: [{name: ${table}, cassandra: ${table}, postgres: ${table}, key: [id], updatedAt: updated_at, writetimeColumn: name}]`,
    '',
  ].join('\n'),
);
const env = {...process.env, ...config.env, NO_COLOR: '1'};
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');
const log = (s: string) => process.stderr.write(`# ${s}\n`);

interface Measured {
  ms: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number;
  /** CPU seconds the whole machine was busy meanwhile (every process: Cassandra, PostgreSQL, Node …). */
  cpuS?: number;
}

/** The machine's busy CPU time so far, in seconds (/proc/stat: all but idle and iowait). */
function busyCpuS(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Runs a phase, adding the machine's busy CPU seconds during it. */
async function withCpu<T extends Measured>(phase: () => Promise<T>): Promise<T> {
  const c0 = busyCpuS();
  const m = await phase();
  return {...m, cpuS: busyCpuS() - c0};
}

/** Runs a process, sampling its peak RSS (VmHWM) every 50 ms. */
function measure(argv: string[]): Promise<Measured> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(node, argv, {env, stdio: ['ignore', 'pipe', 'pipe']});
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
    child.stdout.on('end', sample);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ms: Number(process.hrtime.bigint() - t0) / 1e6, peakRssMb: peak, stdout, stderr, code: code ?? 1});
    });
  });
}

const pgc = new pg.Client({host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'});
await pgc.connect();
const count = async (t: string) =>
  Number(
    (await pgc.query<{n: string}>(`SELECT count(*) AS n FROM ${t}`).catch(() => ({rows: [{n: '-1'}]}))).rows[0]?.n,
  );

// ---- data -------------------------------------------------------------------------------------------------
if (!args.reuse || (await count(table)) !== rows) {
  log(`seeding ${rows} rows into Cassandra and PostgreSQL (${table})`);
  const s = await measure([
    bin,
    'reconcile',
    'seed',
    '--cassandra',
    table,
    '--postgres',
    table,
    '--rows',
    String(rows),
    '--recreate',
    '--no-cdc',
    '--yes',
    '--json',
  ]);
  if (s.code !== 0) throw new Error(`seed failed: ${s.stderr}`);
}
// the file baseline B copies from: the same rows, exported once (not timed)
const file = `/tmp/cdcctl-bench-backfill-${rows}.copy`;
const copyTable = `${ks}.accounts_copy`;
await pgc.query(`DROP TABLE IF EXISTS ${copyTable}; CREATE TABLE ${copyTable} (LIKE ${table} INCLUDING ALL)`);
{
  const {createWriteStream} = await import('node:fs');
  await pipeline(pgc.query(copyTo(`COPY ${table} TO STDOUT`)), createWriteStream(file));
}
log(`exported ${rows} rows to ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB)`);

// ---- measurements --------------------------------------------------------------------------------------------
async function baselineA(): Promise<Measured> {
  const m = await measure(['--import', 'tsx', join(repoRoot, 'test/bench/reconcile-baselines.ts'), table, 'a']);
  if (m.code !== 0) throw new Error(`baseline A failed: ${m.stderr}`);
  return {...m, ms: (JSON.parse(m.stdout) as {ms: number}).ms};
}

async function baselineB(): Promise<Measured> {
  await pgc.query(`TRUNCATE ${copyTable}`);
  const t0 = process.hrtime.bigint();
  await pipeline(createReadStream(file), pgc.query(copyFrom(`COPY ${copyTable} FROM STDIN`)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if ((await count(copyTable)) !== rows) throw new Error('baseline B copied a different number of rows');
  return {ms, peakRssMb: 0, stdout: '', stderr: '', code: 0};
}

async function backfill(): Promise<Measured & {result: {inserted: number; rowsRead: number}}> {
  await pgc.query(`TRUNCATE ${table}`);
  await pgc.query(`CHECKPOINT`).catch(() => {});
  const extra = args.concurrency ? ['--concurrency', args.concurrency] : [];
  const m = await measure([bin, 'backfill', 'start', table, '--yes', '--json', ...extra]);
  if (m.code !== 0) throw new Error(`backfill failed (exit ${m.code}): ${m.stderr}`);
  const result = JSON.parse(m.stdout) as {inserted: number; rowsRead: number};
  if (result.inserted !== rows || (await count(table)) !== rows)
    throw new Error(`backfill wrote ${result.inserted} rows, expected ${rows}`);
  return {...m, result};
}

log('warm-up read (not measured)');
await baselineA();
const rounds: Array<{a: Measured; b: Measured; bf: Measured}> = [];
for (let i = 0; i < runs; i++) {
  const a = await withCpu(baselineA);
  const b = await withCpu(baselineB);
  const bf = await withCpu(backfill);
  rounds.push({a, b, bf});
  log(`round ${i + 1}/${runs}: A ${a.ms.toFixed(0)} ms, B ${b.ms.toFixed(0)} ms, backfill ${bf.ms.toFixed(0)} ms`);
}
await pgc.query(`DROP TABLE IF EXISTS ${copyTable}`);
await pgc.query('DROP SCHEMA IF EXISTS cdc_ops_bench_bf CASCADE');
await pgc.end();
rmSync(file, {force: true});

const mid = (xs: Measured[]) => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)] as Measured;
const A = mid(rounds.map((r) => r.a));
const B = mid(rounds.map((r) => r.b));
const BF = mid(rounds.map((r) => r.bf));
const peak = Math.max(...rounds.map((r) => r.bf.peakRssMb));
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const sum = BF.ms / (A.ms + B.ms);
const max = BF.ms / Math.max(A.ms, B.ms);
console.log(
  `\nBackfill benchmark: ${rows.toLocaleString('en-US')} rows × 10 columns, ${cpus().length} cores, Node ${process.version}, median of ${runs}`,
);
console.log(
  `  A  plain full Cassandra read (reconcile's baseline)   ${s(A.ms).padStart(9)}   ${rate(A.ms)}   peak RSS ${A.peakRssMb.toFixed(0)} MB`,
);
console.log(`  B  PostgreSQL COPY of the same rows from a file       ${s(B.ms).padStart(9)}   ${rate(B.ms)}`);
console.log(
  `  backfill (CLI wall, truncated target)                 ${s(BF.ms).padStart(9)}   ${rate(BF.ms)}   peak RSS ${peak.toFixed(0)} MB`,
);
console.log(`  backfill / (A + B) = ${sum.toFixed(2)}   backfill / max(A, B) = ${max.toFixed(2)}`);
// The floor of an overlapped read and write on this machine: A's and B's CPU work spread over every
// core. When the cores are saturated, no overlap brings the backfill below it.
const cores = cpus().length;
// the stack's own background work (Kafka, Connect, Cassandra's compactions …), sampled while nothing is measured
const idleCpuS = await (async () => {
  const c0 = busyCpuS();
  await new Promise((r) => setTimeout(r, 3000));
  return (busyCpuS() - c0) / 3;
})();
const cpuOf = (m: Measured) => Math.max(0, (m.cpuS ?? 0) - Math.max(0, idleCpuS) * (m.ms / 1000));
const floorMs = ((cpuOf(A) + cpuOf(B)) / cores) * 1000;
const busyPct = (m: Measured) => `${Math.round(((m.cpuS ?? 0) / cores / (m.ms / 1000)) * 100)}%`;
console.log(
  `  machine CPU busy (of ${cores} cores): A ${(A.cpuS ?? 0).toFixed(1)} s (${busyPct(A)}), B ${(B.cpuS ?? 0).toFixed(1)} s (${busyPct(B)}), backfill ${(BF.cpuS ?? 0).toFixed(1)} s (${busyPct(BF)}); idle stack ${Math.max(0, idleCpuS).toFixed(2)} CPU-s/s`,
);
console.log(
  `  CPU floor of A and B overlapped = (CPU(A) + CPU(B)) / cores = ${s(floorMs)}   backfill / floor = ${(BF.ms / floorMs).toFixed(2)}   floor / max(A, B) = ${(floorMs / Math.max(A.ms, B.ms)).toFixed(2)}`,
);
console.log('Targets:');
const t = (ok: boolean, name: string) => console.log(`  ${ok ? 'MET ' : 'MISS'}  ${name}`);
t(sum <= 1.5, `backfill ≤ 1.5 × (A + B): ${sum.toFixed(2)}`);
t(max <= 1.3, `backfill ≤ 1.3 × max(A, B): ${max.toFixed(2)}`);
t(peak <= 300, `peak RSS ≤ 300 MB: ${peak.toFixed(0)} MB (flat in N: compare runs with other --rows)`);
