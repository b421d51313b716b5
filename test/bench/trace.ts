import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import driver from 'cassandra-driver';
import kafkajs from 'kafkajs';
import {repoRoot, tempConfig} from '../helpers.js';
import {quantile, report, type Timing, timeCommand} from './lib.js';

/**
 * `npm run bench:trace`: `cdcctl trace` of one key in a topic of BENCH_EVENTS (default 1,000,000)
 * change events of its own (i23bench.i23bench.t, 3 partitions, written with timestamps spread over
 * the past ten days), its source row in a Cassandra table of its own whose writetime tells trace
 * where to look. Next to `cdcctl config current-context` (the process floor), measured in the same
 * run. Target (issue 23): ≤ 1 s, and the read covers only the records after the timestamp lookup.
 */
const TOPIC = 'i23bench.i23bench.t';
const KEY = 424242;
const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const node = process.execPath;
const bin = join(repoRoot, 'bin', 'run.js');

const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING});
const admin = kafka.admin();
await admin.connect();
if ((await admin.listTopics()).includes(TOPIC)) {
  await admin.deleteTopics({topics: [TOPIC]});
  await new Promise((r) => setTimeout(r, 2000));
}
await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 3}], waitForLeaders: true});
const producer = kafka.producer({createPartitioner: kafkajs.Partitioners.DefaultPartitioner});
await producer.connect();
const t0 = Date.now();
const tenDays = 10 * 86_400_000;
const batch = 5000;
for (let i = 0; i < events; i += batch) {
  const messages = Array.from({length: Math.min(batch, events - i)}, (_, j) => {
    const id = (i + j) % 50_000;
    return {
      key: `{"id":${id}}`,
      value: `{"op":"u","after":{"id":${id},"v":"x"}}`,
      timestamp: String(t0 - tenDays + Math.floor(((i + j) / events) * (tenDays - 3_600_000))),
    };
  });
  await producer.send({topic: TOPIC, messages, acks: 1});
}
const cass = new driver.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
await cass.execute(
  "CREATE KEYSPACE IF NOT EXISTS i23bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
);
await cass.execute('CREATE TABLE IF NOT EXISTS i23bench.t (id int PRIMARY KEY, v text)');
await cass.execute('INSERT INTO i23bench.t (id, v) VALUES (?, ?)', [KEY, 'traced'], {prepare: true});
await producer.send({
  topic: TOPIC,
  messages: [
    {key: `{"id":${KEY}}`, value: `{"op":"c","source":{"ts_ms":${Date.now()}},"after":{"id":${KEY},"v":"traced"}}`},
  ],
});
await producer.disconnect();
process.stderr.write(`produced ${events + 1} events in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const {env: configEnv} = tempConfig(
  'current-context: local\ncontexts:\n  local:\n    connect: {url: "http://127.0.0.1:8083"}\n    kafka: {brokers: ["127.0.0.1:9092"]}\n    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}\n',
);
const env = {...process.env, ...configEnv, NO_COLOR: '1'};
const args = [bin, 'trace', 'i23bench.t', String(KEY), '--topic', TOPIC, '--json'];
const out = JSON.parse(
  (() => {
    try {
      return execFileSync(node, args, {env}).toString();
    } catch (err) {
      return String((err as {stdout?: Buffer}).stdout ?? '{}');
    }
  })(),
) as {kafka?: {from: string; to: string; events: unknown[]}};
const commands: Array<[string, string[]]> = [
  ['cdcctl config current-context', [bin, 'config', 'current-context']],
  [`cdcctl trace (topic of ${events} events)`, args],
];
const samples = commands.map(() => [] as number[]);
for (let round = 0; round < runs; round++) {
  commands.forEach(([label, a], i) => {
    samples[i]?.push(timeCommand(label, node, a, {runs: 1, warmup: 0, env, okExit: [3]}).medianMs);
  });
}
const [floor, tr] = commands.map(([label], i) => summarize(label, samples[i] ?? [])) as [Timing, Timing];
const read = out.kafka ? Number(BigInt(out.kafka.to) - BigInt(out.kafka.from)) : -1;
report(
  `trace on ${process.version}, load ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`,
  [floor, tr],
  [
    {
      name: 'trace ≤ 1000 ms wall',
      ok: tr.medianMs <= 1000,
      detail: `${tr.medianMs.toFixed(0)} ms (${(tr.medianMs / floor.medianMs).toFixed(2)}× the process floor of ${floor.medianMs.toFixed(0)} ms)`,
    },
    {
      name: 'no scan: records read after the timestamp lookup',
      ok: read >= 1 && read < 1000,
      detail: `${read} of ${events + 1}, ${out.kafka?.events.length ?? 0} event(s) of the key found`,
    },
  ],
);
await admin.deleteTopics({topics: [TOPIC]}).catch(() => {});
await admin.disconnect();
await cass.execute('DROP KEYSPACE IF EXISTS i23bench');
await cass.shutdown();

function summarize(label: string, ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return {label, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9), runs: sorted.length};
}
