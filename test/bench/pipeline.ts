import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import driver from 'cassandra-driver';
import pg from 'pg';
import {repoRoot} from '../helpers.js';

/**
 * `npm run bench:pipeline -- --rows 100000`: the Cassandra pipeline of the local stack (Cassandra CDC → Debezium
 * Server → Kafka → JDBC sink + CassandraCellsToRow → PostgreSQL), on a running stack with the cassandra-sink
 * connector registered (`npm run demo` or examples/demo-setup.sh). Measured in one run:
 *   latency     a write acknowledged by Cassandra until its row is visible in PostgreSQL (p50/p95/max over
 *               --samples single-row writes, polled every 50 ms), next to its baseline: the driver's own
 *               write latency (ack) in the same loop. Target (issue 21): p95 ≤ 5 s.
 *   throughput  --rows rows written with the driver (prepared, --concurrency in flight) until the last one is in
 *               PostgreSQL, next to its baseline: the rate the driver wrote them into Cassandra (the pipeline
 *               can only approach it).
 *   Debezium Server: RSS now and peak (VmRSS, VmHWM of its process) and boot time (process start → "All tasks
 *               have started successfully" in logs/debezium.log, of its last start).
 * Table cdc_demo.bench (id int PRIMARY KEY, v text, n bigint) WITH cdc = true, emptied before and after.
 */
const {values: args} = parseArgs({
  options: {
    rows: {type: 'string', default: '100000'},
    samples: {type: 'string', default: '200'},
    concurrency: {type: 'string', default: '32'},
    timeout: {type: 'string', default: '900'},
  },
});
const rows = Number(args.rows);
const samples = Number(args.samples);
const concurrency = Number(args.concurrency);
const timeoutMs = Number(args.timeout) * 1000;
const stack = process.env.STACK_DIR ?? join(repoRoot, '.stack');

const cass = new driver.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
const db = new pg.Client({host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function pgTableExists(): Promise<boolean> {
  const r = await db.query(
    "SELECT 1 FROM information_schema.tables WHERE table_schema = 'cdc_demo' AND table_name = 'bench'",
  );
  return r.rowCount === 1;
}

async function empty(): Promise<void> {
  await cass.execute('TRUNCATE cdc_demo.bench'); // not a CDC mutation: nothing travels
  if (await pgTableExists()) await db.query('TRUNCATE cdc_demo.bench');
}

function debeziumProcess(): {pid: number; rssMb: number; hwmMb: number; bootS?: number} | undefined {
  try {
    const pid = Number(readFileSync(join(stack, 'run', 'debezium.pid'), 'utf8').trim());
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
    // process start: /proc/<pid>/stat field 22 (clock ticks after boot) + btime; boot done: the engine's log line
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const startedMs = (btime + startTicks / 100) * 1000;
    const log = readFileSync(join(stack, 'logs', 'debezium.log'), 'utf8');
    const line = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*All tasks have started successfully/m.exec(log);
    const readyMs = line ? new Date(`${line[1]}.${line[2]}`.replace(' ', 'T')).getTime() : Number.NaN;
    return {pid, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, bootS: (readyMs - startedMs) / 1000};
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const health = await fetch('http://127.0.0.1:8088/q/health').catch(() => undefined);
  if (!health?.ok)
    throw new Error('Debezium Server is not UP on 127.0.0.1:8088 (bash examples/stack/stack.sh start debezium)');
  await cass.connect();
  await db.connect();
  await cass.execute(
    'CREATE TABLE IF NOT EXISTS cdc_demo.bench (id int PRIMARY KEY, v text, n bigint) WITH cdc = true',
  );
  await empty();
  const insert = 'INSERT INTO cdc_demo.bench (id, v, n) VALUES (?, ?, ?)';

  // warm-up: the sink creates cdc_demo.bench on its first row. A table created just now is learnt by the
  // connector from a schema-change event (a write before that is not captured) and its new topic by the sink
  // on its next metadata refresh (consumer.override.metadata.max.age.ms): the row is written again until it arrives.
  const warmDeadline = Date.now() + 120_000;
  let lastWrite = 0;
  while (!((await pgTableExists()) && (await db.query('SELECT 1 FROM cdc_demo.bench WHERE id = 0')).rowCount)) {
    if (Date.now() > warmDeadline) throw new Error('the warm-up row did not reach PostgreSQL within 120 s');
    if (Date.now() - lastWrite > 5000) {
      await cass.execute(insert, [0, 'warm-up', lastWrite], {prepare: true});
      lastWrite = Date.now();
    }
    await sleep(200);
  }

  // ---- latency -------------------------------------------------------------------------------------------
  const sent = new Map<number, number>();
  const arrived = new Map<number, number>();
  const acks: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || arrived.size < sent.size) {
      const pending = [...sent.keys()].filter((id) => !arrived.has(id));
      if (pending.length) {
        const r = await db.query<{id: number}>('SELECT id FROM cdc_demo.bench WHERE id = ANY($1)', [pending]);
        const now = performance.now();
        for (const {id} of r.rows) if (!arrived.has(id)) arrived.set(id, now);
      }
      if (!polling && [...sent.values()].some((t) => performance.now() - t > 60_000)) break;
      await sleep(50);
    }
  })();
  for (let i = 1; i <= samples; i++) {
    const t0 = performance.now();
    await cass.execute(insert, [i, `latency ${i}`, i], {prepare: true});
    const t1 = performance.now();
    acks.push(t1 - t0);
    sent.set(i, t0);
    await sleep(25 + Math.random() * 50); // spread over commit-log syncs
  }
  polling = false;
  await poller;
  const lat = [...sent].filter(([id]) => arrived.has(id)).map(([id, t0]) => (arrived.get(id) ?? 0) - t0);
  const lost = samples - lat.length;

  // ---- throughput ----------------------------------------------------------------------------------------
  const base = 1_000_000;
  const params = Array.from({length: rows}, (_, i) => [base + i, `row ${i} ${'x'.repeat(40)}`, i]);
  const w0 = performance.now();
  await driver.concurrent.executeConcurrent(cass, insert, params, {
    concurrencyLevel: concurrency,
    raiseOnFirstError: true,
  });
  const w1 = performance.now();
  const deadline = Date.now() + timeoutMs;
  let count = 0;
  while (count < rows) {
    if (Date.now() > deadline) break;
    await sleep(250);
    count = Number((await db.query('SELECT count(*) AS c FROM cdc_demo.bench WHERE id >= $1', [base])).rows[0].c);
  }
  const w2 = performance.now();
  const dbz = debeziumProcess();

  const writeRate = rows / ((w1 - w0) / 1000);
  const pipeRate = count / ((w2 - w0) / 1000);
  const out = [
    `Cassandra pipeline bench (${new Date().toISOString()}; rows ${rows}, samples ${samples}, concurrency ${concurrency})`,
    '',
    `latency, Cassandra write → row in PostgreSQL (${lat.length}/${samples} arrived${lost ? `, ${lost} LOST` : ''}):`,
    `  p50 ${fmt(pct(lat, 50))}   p95 ${fmt(pct(lat, 95))}   max ${fmt(Math.max(...lat))}   (target p95 ≤ 5 s: ${pct(lat, 95) <= 5000 ? 'met' : 'NOT met'})`,
    `  baseline, the driver's write ack: p50 ${pct(acks, 50).toFixed(1)} ms, p95 ${pct(acks, 95).toFixed(1)} ms → end-to-end p50 = ${(pct(lat, 50) / pct(acks, 50)).toFixed(0)}× the ack`,
    '',
    `throughput, ${rows} rows written with the driver until all are in PostgreSQL:`,
    `  pipeline ${pipeRate.toFixed(0)} rows/s (${count}/${rows} rows in ${fmt(w2 - w0)}${count < rows ? ', TIMED OUT' : ''})`,
    `  baseline, the driver writing into Cassandra: ${writeRate.toFixed(0)} rows/s (${fmt(w1 - w0)}) → pipeline = ${(pipeRate / writeRate).toFixed(2)}× the write rate`,
    `  drain after the last write: ${fmt(w2 - w1)}`,
    '',
    dbz
      ? `Debezium Server (pid ${dbz.pid}): RSS ${dbz.rssMb.toFixed(0)} MB now, peak ${dbz.hwmMb.toFixed(0)} MB; boot (process start → all tasks started) ${dbz.bootS?.toFixed(1)} s`
      : 'Debezium Server: pid/log not found under $STACK_DIR',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  await empty();
}

main()
  .catch((err) => {
    process.stderr.write(`bench:pipeline: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cass.shutdown().catch(() => {});
    await db.end().catch(() => {});
  });
