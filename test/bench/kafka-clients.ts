import {spawnSync} from 'node:child_process';
import {mkdirSync, rmSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {Admin, Consumer, compatibilityPartitioner, type Message, Producer} from '@platformatic/kafka';
import {build, type Plugin} from 'esbuild';
import kafkajs from 'kafkajs';
import {lazySchemasPlugin} from '../../bin/lazy-schemas.js';
import {repoRoot} from '../helpers.js';
import {quantile} from './lib.js';

/**
 * `npm run bench:kafka` — the two Kafka client libraries cdcctl ships, side by side on the local
 * broker, for the operations cdcctl performs (issue 20, move 8):
 *
 *   1. start-up: a fresh process that imports the library, connects an admin client and lists the
 *      topics (the first thing `doctor`, `dlq sync`, `events tail` do), next to bare `node -e 0`;
 *      plus the import alone. Runs interleaved, so that the machine's load weighs on all alike.
 *      Both loaded from node_modules, and both bundled by esbuild; @platformatic/kafka also
 *      bundled with its option schemas compiled on first use instead of on import (most of its
 *      import cost), as cdcctl's build bundles it (bin/lazy-schemas.js).
 *   2. admin round trips on a connected client: list topics, watermarks of a topic, a group's lag
 *      (committed offsets + end offsets) — what `pipeline status`, `gdpr`, `dlq sync` plans call.
 *   3. consume N small records with a new consumer group, committing after each batch (kafkajs:
 *      eachBatch as src/clients/kafka.ts consumeTopics does; @platformatic/kafka: its message
 *      stream, committing the last offset per partition every 10,000 records — kafkajs' batches
 *      hold tens of thousands of these records), until all N are read. Three rounds, alternated.
 *   4. produce N records, idempotent, acks=all, in sends of 1,000: one send at a time for both, and
 *      @platformatic/kafka with 5 sends in flight (what openProducer does; kafkajs allows one with
 *      idempotence).
 *
 * Set-up: the local stack running (examples/stack). Every topic and group it creates carries a
 * unique prefix and is deleted at the end. `BENCH_KAFKA_RECORDS` (default 100000) and
 * `BENCH_RUNS` (default 7, start-up rounds) scale it. On a shared machine the figures are only
 * indicative: read the ratios, each measured in the same run.
 */

const N = Number(process.env.BENCH_KAFKA_RECORDS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BROKER = process.env.BENCH_KAFKA_BROKER ?? '127.0.0.1:9092';
const P = `benchkc${process.pid}`;
const SRC = `${P}.src`;
const OUT_KJ = `${P}.out-kafkajs`;
const OUT_PK1 = `${P}.out-platformatic-1`;
const OUT_PK5 = `${P}.out-platformatic-5`;
const PARTITIONS = 3;
/** `BENCH_KAFKA_ONLY=startup`: the import rows only (no broker needed). */
const ONLY_STARTUP = process.env.BENCH_KAFKA_ONLY === 'startup';

const kafka = new kafkajs.Kafka({brokers: [BROKER], logLevel: kafkajs.logLevel.NOTHING, clientId: P});
const kjAdmin = kafka.admin();
const groups: string[] = [];

interface Row {
  op: string;
  kafkajs: number;
  platformatic: number;
  unit: 'ms' | 'rec/s';
  note?: string;
}
const rows: Row[] = [];

const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function value(i: number): Buffer {
  return Buffer.from(`{"id":${i},"status":"${i % 2 ? 'shipped' : 'new'}","qty":${i % 50}}`);
}

// --- 1. start-up in a fresh process ----------------------------------------------------------

const platformaticAdminFile = new URL('./clients/admin/index.js', import.meta.resolve('@platformatic/kafka')).href;
/**
 * Bundles for the import rows, under the checkout's tmp/ (so that the externals resolve from its
 * node_modules): kafkajs, the admin half of @platformatic/kafka, and the latter with lazy schemas.
 */
const bundleDir = join(repoRoot, 'tmp', `bench-kafka-${process.pid}`);
async function bundle(name: string, contents: string, plugins: Plugin[] = []): Promise<string> {
  const outfile = join(bundleDir, `${name}.mjs`);
  await build({
    stdin: {contents, resolveDir: repoRoot},
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outfile,
    external: ['@platformatic/wasm-utils', '@node-rs/crc32', 'protobufjs'],
    banner: {js: "import {createRequire as __r} from 'node:module'; const require = __r(import.meta.url);"},
    plugins,
    logLevel: 'error',
  });
  return pathToFileURL(outfile).href;
}
mkdirSync(bundleDir, {recursive: true});
const adminFile = new URL(platformaticAdminFile).pathname;
const bundled = {
  kafkajs: await bundle('kafkajs', `export {default} from 'kafkajs';`), // CommonJS: its exports are the default
  admin: await bundle('platformatic-admin', `export * from ${JSON.stringify(adminFile)};`),
  lazy: await bundle('platformatic-admin-lazy', `export * from ${JSON.stringify(adminFile)};`, [lazySchemasPlugin]),
};

const allChildren: Array<[string, string]> = [
  ['node -e 0', '0'],
  ['import kafkajs', `await import('kafkajs');`],
  ['import @platformatic/kafka (index)', `await import('@platformatic/kafka');`],
  ['import @platformatic/kafka (admin half)', `await import(${JSON.stringify(platformaticAdminFile)});`],
  ['bundled kafkajs', `await import(${JSON.stringify(bundled.kafkajs)});`],
  ['bundled @platformatic/kafka (admin half)', `await import(${JSON.stringify(bundled.admin)});`],
  ['bundled @platformatic/kafka (admin half, lazy schemas)', `await import(${JSON.stringify(bundled.lazy)});`],
  [
    'kafkajs: import + connect + list topics',
    `const {Kafka, logLevel} = (await import('kafkajs')).default;
     const a = new Kafka({brokers: ['${BROKER}'], logLevel: logLevel.NOTHING, clientId: 'b'}).admin();
     await a.connect(); await a.listTopics(); await a.disconnect();`,
  ],
  [
    '@platformatic/kafka: import (admin half) + connect + list topics',
    `const {Admin} = await import(${JSON.stringify(platformaticAdminFile)});
     const a = new Admin({clientId: 'b', bootstrapBrokers: ['${BROKER}']});
     await a.listTopics(); await a.close();`,
  ],
  [
    'bundled kafkajs: import + connect + list topics',
    `const {Kafka, logLevel} = (await import(${JSON.stringify(bundled.kafkajs)})).default;
     const a = new Kafka({brokers: ['${BROKER}'], logLevel: logLevel.NOTHING, clientId: 'b'}).admin();
     await a.connect(); await a.listTopics(); await a.disconnect();`,
  ],
  [
    'bundled lazy @platformatic/kafka: import + connect + list topics',
    `const {Admin} = await import(${JSON.stringify(bundled.lazy)});
     const a = new Admin({clientId: 'b', bootstrapBrokers: ['${BROKER}']});
     await a.listTopics(); await a.close();`,
  ],
];

function startup(): Map<string, number> {
  const children = allChildren.filter(([label]) => !ONLY_STARTUP || !label.includes('connect'));
  const samples = children.map(() => [] as number[]);
  for (let round = 0; round < RUNS + 1; round++) {
    children.forEach(([label, code], i) => {
      const args = code === '0' ? ['-e', '0'] : ['--input-type=module', '-e', code];
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, {stdio: ['ignore', 'ignore', 'pipe']});
      const ms = since(t0);
      if (r.status !== 0) throw new Error(`${label}: exit ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
      if (round > 0) samples[i]?.push(ms);
    });
  }
  return new Map(children.map(([label], i) => [label, median(samples[i] ?? [])]));
}

// --- 2. admin round trips --------------------------------------------------------------------

async function adminRoundTrips(group: string, pkAdmin: Admin): Promise<void> {
  const ops: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
    ['admin: list topics', () => kjAdmin.listTopics(), () => pkAdmin.listTopics()],
    [
      `admin: watermarks of a ${PARTITIONS}-partition topic`,
      () => kjAdmin.fetchTopicOffsets(SRC),
      () =>
        Promise.all(
          [-2n, -1n].map((timestamp) =>
            pkAdmin.listOffsets({
              topics: [{name: SRC, partitions: [0, 1, 2].map((partitionIndex) => ({partitionIndex, timestamp}))}],
            }),
          ),
        ),
    ],
    [
      'admin: group lag (committed + end offsets)',
      async () => {
        const c = await kjAdmin.fetchOffsets({groupId: group, topics: [SRC]});
        const e = await kjAdmin.fetchTopicOffsets(SRC);
        return [c, e];
      },
      async () => {
        const c = await pkAdmin.listConsumerGroupOffsets({groups: [group]});
        const e = await pkAdmin.listOffsets({
          topics: [{name: SRC, partitions: [0, 1, 2].map((partitionIndex) => ({partitionIndex, timestamp: -1n}))}],
        });
        return [c, e];
      },
    ],
  ];
  const R = 25;
  for (const [op, kj, pk] of ops) {
    await kj();
    await pk(); // warm: connections and metadata
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < R; i++) {
      let t0 = process.hrtime.bigint();
      await kj();
      a.push(since(t0));
      t0 = process.hrtime.bigint();
      await pk();
      b.push(since(t0));
    }
    rows.push({op, kafkajs: median(a), platformatic: median(b), unit: 'ms', note: `median of ${R}, warm client`});
  }
}

// --- 3. consume --------------------------------------------------------------------------------

async function consumeKafkajs(group: string): Promise<number> {
  const consumer = kafka.consumer({
    groupId: group,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({topics: [SRC], fromBeginning: true});
  let count = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({batch}) => {
          count += batch.messages.length;
          const last = batch.messages.at(-1);
          if (last) {
            await consumer.commitOffsets([
              {topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString()},
            ]);
          }
          if (count >= N) resolve();
        },
      })
      .catch(reject);
  });
  const ms = since(t0);
  await consumer.disconnect();
  if (count !== N) throw new Error(`kafkajs consumed ${count}, expected ${N}`);
  return ms;
}

async function consumePlatformatic(group: string): Promise<number> {
  const consumer = new Consumer({
    clientId: P,
    groupId: group,
    bootstrapBrokers: [BROKER],
    maxBytes: 32 * 1024 * 1024,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTime: 100,
  });
  const t0 = process.hrtime.bigint();
  const stream = await consumer.consume({topics: [SRC], mode: 'earliest', autocommit: false});
  let count = 0;
  const last = new Map<number, Message>();
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (m: Message) => {
      count++;
      last.set(m.partition, m);
      if (count % 10_000 === 0 || count >= N) {
        const offsets = [...last.values()].map((x) => ({
          topic: x.topic,
          partition: x.partition,
          offset: x.offset + 1n,
          leaderEpoch: x.leaderEpoch,
        }));
        last.clear();
        consumer.commit({offsets}).catch(reject);
      }
      if (count >= N) resolve();
    });
  });
  const ms = since(t0);
  await stream.close();
  await consumer.close(true);
  if (count !== N) throw new Error(`@platformatic/kafka consumed ${count}, expected ${N}`);
  return ms;
}

// --- 4. produce --------------------------------------------------------------------------------

async function produceKafkajs(topic: string): Promise<number> {
  const p = kafka.producer({idempotent: true, maxInFlightRequests: 1});
  await p.connect();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1000) {
    await p.send({
      topic,
      acks: -1,
      messages: Array.from({length: Math.min(1000, N - i)}, (_, j) => ({
        key: `k${i + j}`,
        value: value(i + j),
        headers: {'trace-id': `t${i + j}`},
      })),
    });
  }
  const ms = since(t0);
  await p.disconnect();
  return ms;
}

async function producePlatformatic(topic: string, inFlightMax: number): Promise<number> {
  const p = new Producer({
    clientId: P,
    bootstrapBrokers: [BROKER],
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
  });
  await p.initIdempotentProducer({});
  const traceKey = Buffer.from('trace-id');
  const t0 = process.hrtime.bigint();
  const inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < N; i += 1000) {
    const sent = p.send({
      messages: Array.from({length: Math.min(1000, N - i)}, (_, j) => ({
        topic,
        key: Buffer.from(`k${i + j}`),
        value: value(i + j),
        headers: new Map([[traceKey, Buffer.from(`t${i + j}`)]]),
      })),
    });
    inFlight.push(sent);
    if (inFlight.length >= inFlightMax) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const ms = since(t0);
  await p.close();
  return ms;
}

async function endOffsets(topic: string): Promise<number> {
  return (await kjAdmin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
}

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!ONLY_STARTUP) {
    await kjAdmin.connect();
    await kjAdmin.createTopics({
      topics: [SRC, OUT_KJ, OUT_PK1, OUT_PK5].map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 1,
      })),
      waitForLeaders: true,
    });
  }
  const pkAdmin = new Admin({clientId: P, bootstrapBrokers: [BROKER]});
  let done = false;
  try {
    console.log(`Start-up: ${RUNS} interleaved rounds of fresh processes…`);
    const s = startup();
    const bare = s.get('node -e 0') ?? 1;
    const bareRow = (label: string, a: string, b: string, note: string) => {
      const kj = s.get(a);
      const pk = s.get(b);
      if (kj !== undefined && pk !== undefined) rows.push({op: label, kafkajs: kj, platformatic: pk, unit: 'ms', note});
    };
    bareRow(
      'start-up: import only',
      'import kafkajs',
      'import @platformatic/kafka (admin half)',
      `fresh process; bare node ${bare.toFixed(0)} ms; platformatic index ${(s.get('import @platformatic/kafka (index)') ?? 0).toFixed(0)} ms`,
    );
    bareRow(
      'start-up: first usable admin (import+connect+list)',
      'kafkajs: import + connect + list topics',
      '@platformatic/kafka: import (admin half) + connect + list topics',
      `fresh process; bare node ${bare.toFixed(0)} ms`,
    );
    bareRow(
      'start-up: import, bundled',
      'bundled kafkajs',
      'bundled @platformatic/kafka (admin half)',
      `as cdcctl bundles kafkajs; platformatic with lazy schemas ${(s.get('bundled @platformatic/kafka (admin half, lazy schemas)') ?? 0).toFixed(0)} ms`,
    );
    bareRow(
      'start-up: first usable admin, bundled (platformatic lazy)',
      'bundled kafkajs: import + connect + list topics',
      'bundled lazy @platformatic/kafka: import + connect + list topics',
      `fresh process; bare node ${bare.toFixed(0)} ms`,
    );

    done = ONLY_STARTUP;
    if (done) return;
    console.log(`Produce: ${N} records, idempotent, acks=all…`);
    // The consume source first (not measured), then the measured produces, alternated.
    await producePlatformatic(SRC, 5);
    if ((await endOffsets(SRC)) !== N) throw new Error(`${SRC}: expected ${N} records`);
    const kjProduce = await produceKafkajs(OUT_KJ);
    const pk1Produce = await producePlatformatic(OUT_PK1, 1);
    const pk5Produce = await producePlatformatic(OUT_PK5, 5);
    for (const t of [OUT_KJ, OUT_PK1, OUT_PK5])
      if ((await endOffsets(t)) !== N) throw new Error(`${t}: expected ${N} records after produce`);
    const rate = (ms: number) => (N / ms) * 1000;
    rows.push({
      op: `produce ${N} (sends of 1000, one in flight)`,
      kafkajs: rate(kjProduce),
      platformatic: rate(pk1Produce),
      unit: 'rec/s',
      note: 'idempotent, acks=all',
    });
    rows.push({
      op: `produce ${N} (platformatic: 5 in flight)`,
      kafkajs: rate(kjProduce),
      platformatic: rate(pk5Produce),
      unit: 'rec/s',
      note: 'as openProducer; kafkajs idempotent allows 1',
    });

    console.log(`Consume: ${N} records, new group, commit per batch, 3 rounds alternated…`);
    const g = (name: string) => {
      const id = `${P}-${name}`;
      groups.push(id);
      return id;
    };
    const kj: number[] = [];
    const pk: number[] = [];
    for (let round = 1; round <= 3; round++) {
      if (round % 2) kj.push(await consumeKafkajs(g(`kj${round}`)));
      pk.push(await consumePlatformatic(g(`pk${round}`)));
      if (!(round % 2)) kj.push(await consumeKafkajs(g(`kj${round}`)));
    }
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    rows.push({
      op: `consume ${N} (join group → last record)`,
      kafkajs: rate(median(kj)),
      platformatic: rate(median(pk)),
      unit: 'rec/s',
      note: `median of 3; ms: kafkajs ${ms(kj)}, platformatic ${ms(pk)}`,
    });

    console.log('Admin round trips…');
    await adminRoundTrips(`${P}-kj1`, pkAdmin);
    done = true;
  } finally {
    rmSync(bundleDir, {recursive: true, force: true});
    await pkAdmin.close().catch(() => {});
    if (!ONLY_STARTUP) {
      await kjAdmin.deleteTopics({topics: [SRC, OUT_KJ, OUT_PK1, OUT_PK5]}).catch(() => {});
      if (groups.length) await kjAdmin.deleteGroups(groups).catch(() => {});
      await kjAdmin.disconnect();
    }
    if (done) printTable();
  }
}

function printTable(): void {
  console.log(
    `\nKafka clients on ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)} (shared machine: indicative only)`,
  );
  const w = Math.max(...rows.map((r) => r.op.length));
  console.log(
    `  ${'operation'.padEnd(w)}  ${'kafkajs'.padStart(12)}  ${'platformatic'.padStart(12)}  ${'plat/kjs'.padStart(8)}  better`,
  );
  for (const r of rows) {
    const ratio = r.platformatic / r.kafkajs;
    const better = r.unit === 'ms' ? (ratio < 1 ? 'platformatic' : 'kafkajs') : ratio > 1 ? 'platformatic' : 'kafkajs';
    const fmt = (v: number) => (r.unit === 'ms' ? `${v.toFixed(1)} ms` : `${Math.round(v)} /s`).padStart(12);
    console.log(
      `  ${r.op.padEnd(w)}  ${fmt(r.kafkajs)}  ${fmt(r.platformatic)}  ${`${ratio.toFixed(2)}×`.padStart(8)}  ${better}${r.note ? `  (${r.note})` : ''}`,
    );
  }
}

await main();
