import pg from 'pg';
import {createLogger} from '../../src/log.js';
import type {RunContext} from '../../src/runtime.js';
import {fromDlqMessage} from '../../src/services/dlq/records.js';
import {DEFAULT_REPLAY_BATCH} from '../../src/services/dlq/replay.js';
import {type DlqRecordInput, insertDlqRecords} from '../../src/store/dlq-records.js';
import {openStore} from '../../src/store/index.js';
import {dlqValue, journalAll} from './dlq-lib.js';

/**
 * `npm run bench:dlq-journal` — the replay journal alone (claimBatch + confirmBatch, no Kafka) on
 * 100k records shaped like `bench:dlq`'s (Connect error headers, stack trace, ~200-byte value), in
 * a scratch store schema of its own (created by the store's migrations, dropped at the end).
 * Reports, per pass: time, claim share, this process's CPU (reading the rows), WAL written and the
 * table's size. Pass 1 replays fresh
 * records (`new`), pass 2 re-replays them with --force semantics (what bench:dlq's floor measures).
 * Only PostgreSQL is needed (the local stack's, port 5433).
 *   BENCH_DLQ_RECORDS  records (default 100000)    BENCH_DLQ_BATCH  claim size (default: dlq replay's)
 *   BENCH_DLQ_SQL      extra SQL run on the schema after the migrations, before the load ("%s" = schema)
 */

const N = Number(process.env.BENCH_DLQ_RECORDS ?? 100_000);
const BATCH = Number(process.env.BENCH_DLQ_BATCH ?? DEFAULT_REPLAY_BATCH);
const SCHEMA = process.env.BENCH_DLQ_SCHEMA ?? `bench_dlq_journal_${process.pid}`;
const CONNECTOR = 'bench-sink';
const SRC = 'bench.orders';
const PG = {host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'};

const ctx = {
  contextName: 'local',
  config: {
    postgres: {url: `postgres://cdc@${PG.host}:${PG.port}/${PG.database}`, password: PG.password, opsSchema: SCHEMA},
  },
  log: createLogger({format: 'text', verbose: false, quiet: true}),
  userAgent: 'cdcctl-bench',
  actor: 'bench',
} as unknown as RunContext;

function record(i: number): DlqRecordInput {
  const h = (key: string, value: string) => ({key, value: Buffer.from(value)});
  return fromDlqMessage({
    topic: 'bench.dlq',
    partition: 0,
    offset: String(i),
    timestamp: String(1_700_000_000_000 + i),
    key: Buffer.from(String(i)),
    value: Buffer.from(dlqValue(i)),
    headers: [
      h('trace-id', `t-${i}`),
      h('__connect.errors.topic', SRC),
      h('__connect.errors.partition', '0'),
      h('__connect.errors.offset', String(i)),
      h('__connect.errors.connector.name', CONNECTOR),
      h('__connect.errors.task.id', '0'),
      h('__connect.errors.stage', 'VALUE_CONVERTER'),
      h('__connect.errors.class.name', 'org.apache.kafka.connect.json.JsonConverter'),
      h('__connect.errors.exception.class.name', 'org.apache.kafka.connect.errors.DataException'),
      h(
        '__connect.errors.exception.message',
        'Converting byte[] to Kafka Connect data failed due to serialization error',
      ),
      h('__connect.errors.exception.stacktrace', 'org.apache.kafka.connect.errors.DataException: …\n\tat …'.repeat(4)),
    ],
  });
}

async function main(): Promise<void> {
  const admin = new pg.Client(PG);
  await admin.connect();
  const store = await openStore(ctx);
  const t = store.table('_cdc_dlq_records');
  try {
    if (process.env.BENCH_DLQ_SQL) await store.pool.query(process.env.BENCH_DLQ_SQL.replaceAll('%s', `"${SCHEMA}"`));
    const l0 = process.hrtime.bigint();
    for (let i = 0; i < N; i += 2000) {
      await insertDlqRecords(
        store,
        Array.from({length: Math.min(2000, N - i)}, (_, j) => record(i + j)),
      );
    }
    await store.pool.query(`ANALYZE ${t}`);
    const loadMs = Number(process.hrtime.bigint() - l0) / 1e6;
    const size = async () =>
      Number((await admin.query(`SELECT pg_total_relation_size($1) AS n`, [`"${SCHEMA}"._cdc_dlq_records`])).rows[0].n);
    const lsn = async () => (await admin.query(`SELECT pg_current_wal_lsn()::text AS l`)).rows[0].l as string;
    const walSince = async (from: string) =>
      Number((await admin.query(`SELECT pg_current_wal_lsn() - $1::pg_lsn AS n`, [from])).rows[0].n);
    console.log(`journal: ${N} records loaded in ${(loadMs / 1000).toFixed(2)} s, ${(await size()) >> 20} MB`);
    if (process.env.BENCH_DLQ_KEEP) return;
    for (const [pass, force] of [
      ['fresh', false],
      ['force', true],
    ] as const) {
      const run = `run-${pass}`;
      const w0 = await lsn();
      const u0 = process.cpuUsage();
      const j0 = process.hrtime.bigint();
      const {journalled: n, claimMs} = await journalAll(store, run, CONNECTOR, force, BATCH);
      const ms = Number(process.hrtime.bigint() - j0) / 1e6;
      const cpu = process.cpuUsage(u0);
      if (n !== N) throw new Error(`pass ${pass} journalled ${n}, expected ${N}`);
      console.log(
        `  ${pass.padEnd(6)} claim+confirm ${(ms / 1000).toFixed(2)} s (claim ${(claimMs / 1000).toFixed(2)} s)  ` +
          `${Math.round((N / ms) * 1000)} rec/s  client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s  WAL ${((await walSince(w0)) / 2 ** 20).toFixed(0)} MB  table ${(await size()) >> 20} MB`,
      );
    }
  } finally {
    await store.close();
    if (!process.env.BENCH_DLQ_KEEP) await admin.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
