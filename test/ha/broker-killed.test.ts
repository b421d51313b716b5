import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {type CliResult, eventually, json, runCli, startCli} from '../helpers.js';
import {sql, stackConfig} from '../integration/stack.js';
import {killService, pidOf, startService} from './services.js';

/**
 * Fault injection on the multi-node stack (`stack.sh up --ha`: three KRaft brokers, replication factor 3,
 * min.insync.replicas 2): a broker is killed with SIGKILL while `dlq sync`, `dlq replay` and `events tail`
 * work on topics whose partitions it leads. Nothing may be lost or doubled: sync stores every record of the DLQ topic once,
 * replay produces every stored record once (its journal marks replayed exactly what reached the topic), a
 * run that stops is resumed. `doctor` reports the dead broker's partitions as under-replicated (counted here
 * independently from the brokers' metadata), and all in sync again once it is back.
 */

const P = `hab${process.pid}`;
const OPS = `${P}_ops`;
const DLQ = `${P}.dlq`;
const TARGET = `${P}.orders`;
const EVENTS = `${P}.events`;
const M = 20_000;
const PARTITIONS = 6;
const N = 30_000;
const {env} = stackConfig([], {opsSchema: OPS});
const kafka = new kafkajs.Kafka({
  brokers: ['127.0.0.1:9092', '127.0.0.1:9192', '127.0.0.1:9292'],
  logLevel: kafkajs.logLevel.NOTHING,
  clientId: P,
});
let skip: string | undefined;

async function brokersUp(n: number): Promise<void> {
  await eventually(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length === n;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    120_000,
    1000,
  );
}

/** Partitions (all topics) whose ISR is smaller than their replica set, from the brokers' own metadata. */
async function underReplicated(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    const meta = await admin.fetchTopicMetadata({topics});
    return meta.topics.flatMap((t) => t.partitions).filter((p) => p.isr.length < p.replicas.length).length;
  } finally {
    await admin.disconnect();
  }
}

/** Kills the broker with SIGKILL once the command has been at work for `afterMs`; the command's result. */
async function withBrokerKilled(args: string[], svc: string, afterMs: number): Promise<CliResult> {
  const run = startCli(args, {env});
  await new Promise((r) => setTimeout(r, afterMs));
  assert.equal(run.child.exitCode, null, 'the command was still at work when the broker died');
  killService(svc);
  return run.done;
}

async function storedRows(): Promise<{rows: number; distinct: number}> {
  const r = await sql<{rows: number; distinct: number}>(
    'target',
    `SELECT count(*)::int AS rows, count(DISTINCT (dlq_partition, dlq_offset))::int AS "distinct"
       FROM ${OPS}._cdc_dlq_records WHERE dlq_topic = $1`,
    [DLQ],
  );
  return r[0] ?? {rows: 0, distinct: 0};
}

/** Every record of the topic carrying the run's header: how many, and how many distinct record ids. */
async function replayedInTopic(run: string): Promise<{messages: number; distinct: number}> {
  const admin = kafka.admin();
  await admin.connect();
  const want = (await admin.fetchTopicOffsets(TARGET)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  await admin.disconnect();
  const ids: string[] = [];
  let seen = 0;
  const consumer = kafka.consumer({groupId: `${P}-check-${Date.now()}`});
  await consumer.connect();
  await consumer.subscribe({topic: TARGET, fromBeginning: true});
  await new Promise<void>((resolve) => {
    if (want === 0) resolve();
    void consumer.run({
      eachMessage: async ({message}) => {
        seen++;
        if (message.headers?.['cdcctl.replay.run']?.toString() === run)
          ids.push(String(message.headers?.['cdcctl.replay.record']));
        if (seen >= want) resolve();
      },
    });
  });
  await consumer.disconnect();
  return {messages: ids.length, distinct: new Set(ids).size};
}

describe('a Kafka broker killed during dlq sync, dlq replay and events tail (stack.sh up --ha)', {
  timeout: 900_000,
}, () => {
  before(async () => {
    const up = await fetch('http://127.0.0.1:8084/health', {signal: AbortSignal.timeout(3000)}).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) {
      skip = 'the --ha stack is not running: bash examples/stack/stack.sh up --ha';
      if (process.env.CI) throw new Error(skip);
      return;
    }
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {topic: DLQ, numPartitions: PARTITIONS, replicationFactor: 3},
        {topic: TARGET, numPartitions: PARTITIONS, replicationFactor: 3},
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let from = 0; from < N; from += 5000) {
      await producer.send({
        topic: DLQ,
        acks: -1,
        messages: Array.from({length: 5000}, (_, i) => ({
          key: `k${from + i}`,
          value: JSON.stringify({id: from + i}),
          headers: {'__connect.errors.topic': TARGET, '__connect.errors.stage': 'VALUE_CONVERTER'},
        })),
      });
    }
    await producer.disconnect();
  });

  after(async () => {
    if (skip) return;
    for (const svc of ['kafka2', 'kafka3']) {
      try {
        process.kill(pidOf(svc), 0);
      } catch {
        startService(svc);
      }
    }
    await brokersUp(3).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [DLQ, TARGET, EVENTS]}).catch(() => {});
    await admin.deleteGroups([`${P}-sync`]).catch(() => {});
    await admin.disconnect();
  });

  it('dlq sync: every record stored exactly once; doctor names the dead broker', async (t) => {
    if (skip) return t.skip(skip);
    const sync = ['dlq', 'sync', '--topic', DLQ, '--group', `${P}-sync`, '--json'];
    const r = await withBrokerKilled(sync, 'kafka3', 400);
    t.diagnostic(`sync exit ${r.code} in ${r.ms} ms: ${r.stderr.trim()}${r.code === 0 ? '' : ` ${r.stdout.trim()}`}`);
    if (r.code !== 0) {
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      const again = await runCli(sync, {env});
      assert.equal(again.code, 0, again.stderr);
    }
    assert.deepEqual(await storedRows(), {rows: N, distinct: N});
    const more = json<{read: number}>(await runCli(sync, {env}));
    assert.equal(more.read, 0, 'nothing left to read: no gap, no re-read');

    // doctor, with the broker still down, against the brokers' own metadata
    const urp = await underReplicated();
    assert.ok(urp > 0);
    const doc = await runCli(['doctor', '--json'], {env});
    const checks = (
      JSON.parse(doc.stdout) as {
        checks: Array<{
          target: string;
          check: string;
          status: string;
          detail: string;
          data?: {underReplicated?: number; outOfIsr?: Record<string, number>};
        }>;
      }
    ).checks;
    const repl = checks.find((c) => c.target === 'kafka cluster' && c.check === 'replication');
    assert.equal(repl?.status, 'warn', JSON.stringify(repl));
    assert.equal(repl?.data?.underReplicated, urp);
    assert.deepEqual(Object.keys(repl?.data?.outOfIsr ?? {}), ['3']);
    assert.match(repl?.detail ?? '', /broker 3 \(not in the cluster: down\?\) out of the ISR of \d+/);

    startService('kafka3');
    await eventually(async () => (await underReplicated()) === 0, 180_000, 2000);
    const healed = await runCli(['doctor', '--json'], {env});
    const back = (
      JSON.parse(healed.stdout) as {checks: Array<{target: string; check: string; status: string}>}
    ).checks.find((c) => c.target === 'kafka cluster' && c.check === 'replication');
    assert.equal(back?.status, 'ok');
  });

  it('dlq replay: every stored record produced once, the journal exact; a stopped run resumes', async (t) => {
    if (skip) return t.skip(skip);
    const run = `${P}-replay`;
    const replay = [
      'dlq',
      'replay',
      '--all',
      '--to-topic',
      TARGET,
      '--run-id',
      run,
      '--batch-size',
      '500',
      '--yes',
      '--json',
    ];
    const r = await withBrokerKilled(replay, 'kafka2', 700);
    t.diagnostic(`replay exit ${r.code} in ${r.ms} ms: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    let state = r.code === 0 ? json<{state: string}>(r).state : 'stopped';
    if (state !== 'finished') {
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      const resumed = await runCli(['dlq', 'replay', '--run-id', run, '--settle', '1', '--yes', '--json'], {env});
      t.diagnostic(`resume exit ${resumed.code}: ${resumed.stderr.trim()}`);
      assert.equal(resumed.code, 0, resumed.stderr);
      state = json<{state: string}>(resumed).state;
    }
    assert.equal(state, 'finished');
    const marked = await sql<{status: string; n: number}>(
      'target',
      `SELECT status, count(*)::int AS n FROM ${OPS}._cdc_dlq_records GROUP BY status`,
    );
    assert.deepEqual(marked, [{status: 'replayed', n: N}]);
    assert.deepEqual(await replayedInTopic(run), {messages: N, distinct: N}, 'each record once in the topic');
    const again = json<{eligible: number}>(
      await runCli(['dlq', 'replay', '--all', '--to-topic', TARGET, '--yes', '--json'], {env}),
    );
    assert.equal(again.eligible, 0, 'never twice without --force');
  });

  it('events tail: every event of the topic printed once, through the failover', async (t) => {
    if (skip) return t.skip(skip);
    // all three brokers up, then a topic of its own: its partitions' leaders spread over them
    startService('kafka2');
    await brokersUp(3);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: EVENTS, numPartitions: PARTITIONS, replicationFactor: 3}]});
    // kafkajs' waitForLeaders asks a broker that may not know the topic yet (the one just restarted) and
    // fails on its UNKNOWN_TOPIC_OR_PARTITION (CI): wait for every partition's leader ourselves
    await eventually(
      async () => {
        const meta = await admin.fetchTopicMetadata({topics: [EVENTS]}).catch(() => undefined);
        const parts = meta?.topics[0]?.partitions ?? [];
        return parts.length === PARTITIONS && parts.every((p) => p.leader >= 0);
      },
      60_000,
      500,
    );
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let from = 0; from < M; from += 5000) {
      await producer.send({
        topic: EVENTS,
        acks: -1,
        messages: Array.from({length: 5000}, (_, i) => ({
          key: `{"id":${from + i}}`,
          value: JSON.stringify({op: 'c', before: null, after: {id: from + i}, source: {table: 't'}, ts_ms: 0}),
        })),
      });
    }
    await producer.disconnect();
    const r = await withBrokerKilled(
      ['events', 'tail', EVENTS, '--from-beginning', '--until-end', '--format', 'ndjson'],
      'kafka3',
      400,
    );
    t.diagnostic(`tail exit ${r.code} in ${r.ms} ms: ${r.stderr.trim()}`);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {partition: number; offset: string});
    assert.equal(lines.length, M, 'every event printed');
    assert.equal(new Set(lines.map((l) => `${l.partition}:${l.offset}`)).size, M, 'none twice');
  });
});
