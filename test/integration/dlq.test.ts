import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, repoRoot, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, requireStack, sql, stackConfig} from './stack.js';

/**
 * The dead-letter workflow on the real stack: a Debezium JDBC sink with errors.tolerance=all and a
 * DLQ topic (context headers on, replication factor 1); poison records produced on purpose (a
 * misconfigured Cast SMT fails them at TRANSFORMATION, one malformed JSON fails at VALUE_CONVERTER);
 * sync → rows; fix the connector; a replay killed between send and confirm; resume → every row in
 * the target table and every record exactly once in the topic.
 */

const P = `i8d${process.pid}`;
const SOURCE = `${P}.orders`;
const DLQ = `${P}.dlq`;
const SINK = `${P}-sink`;
const TABLE = `${P}_orders`;
const RUN = `${P}-run`;
const N = 20;
/** The store in a schema of its own: its migrations (perhaps new ones under test) leave the shared cdc_ops alone. */
const OPS = `cdc_ops_dlq_${process.pid}`;
const {env} = stackConfig([], {opsSchema: OPS});
const SCHEMA = {
  type: 'struct',
  fields: [
    {field: 'id', type: 'int32'},
    {field: 'qty', type: 'int32'},
    {field: 'status', type: 'string', optional: true},
  ],
};

const sinkConfig = (withBadTransform: boolean): Record<string, string> => ({
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  'tasks.max': '1',
  topics: SOURCE,
  'connection.url': 'jdbc:postgresql://127.0.0.1:5433/target',
  'connection.username': 'cdc',
  'connection.password': 'cdc',
  'insert.mode': 'upsert',
  'primary.key.mode': 'record_value',
  'primary.key.fields': 'id',
  'schema.evolution': 'none',
  'collection.name.format': TABLE,
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'true',
  'errors.tolerance': 'all',
  'errors.deadletterqueue.topic.name': DLQ,
  'errors.deadletterqueue.topic.replication.factor': '1',
  'errors.deadletterqueue.context.headers.enable': 'true',
  ...(withBadTransform
    ? {
        transforms: 'cast',
        'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
        'transforms.cast.spec': 'status:int32',
      }
    : {}),
});

const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: P});

async function readAll(topic: string): Promise<kafkajs.KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const out: kafkajs.KafkaMessage[] = [];
  if (want === 0) return out;
  const consumer = kafka.consumer({groupId: `${P}-check-${Date.now()}`});
  await consumer.connect();
  await consumer.subscribe({topic, fromBeginning: true});
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({message}) => {
        out.push(message);
        if (out.length >= want) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

let skip: string | undefined;

/** Runs test/integration/dlq-crash-child.ts; resolves with the signal that ended it (if any). */
function crashChild(args: string[]): Promise<{signal: string | null; stderr: string}> {
  return new Promise((resolve) => {
    const p = execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'test/integration/dlq-crash-child.ts'), ...args],
      {env: {...process.env, ...env}, cwd: repoRoot, timeout: 120_000},
      (error, _stdout, stderr) => resolve({signal: error?.signal ?? null, stderr: String(stderr)}),
    );
    p.stdin?.end();
  });
}

describe('dlq on the real stack', {timeout: 300_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql('target', `CREATE TABLE "${TABLE}" (id int PRIMARY KEY, qty int NOT NULL, status text)`);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: SOURCE, numPartitions: 2, replicationFactor: 1}], waitForLeaders: true});
    await admin.disconnect();
    const put = await connectRaw('PUT', `/connectors/${SINK}/config`, sinkConfig(true));
    assert.ok(put.status < 300, JSON.stringify(put.body));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: SOURCE,
      messages: [
        ...Array.from({length: N}, (_, i) => ({
          key: String(i + 1),
          value: JSON.stringify({schema: SCHEMA, payload: {id: i + 1, qty: i, status: `shipped-${i + 1}`}}),
          headers: {'trace-id': `t-${i + 1}`},
        })),
        {key: 'bad', value: '{not json', headers: {'trace-id': 't-bad'}},
      ],
    });
    await producer.disconnect();
  });

  after(async () => {
    if (skip) return;
    await deleteConnectors([SINK]);
    await sql('target', `DROP TABLE IF EXISTS "${TABLE}"`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [SOURCE, DLQ]}).catch(() => {});
    await admin.deleteGroups([`${P}-sync`]).catch(() => {});
    await admin.disconnect();
  });

  it('sync --dry-run: the discovered topic and the records beyond the committed offsets; nothing read or stored', async (t) => {
    if (skip) return t.skip(skip);
    type Plan = {
      dryRun: boolean;
      group: string;
      pending: number;
      topics: Array<{
        topic: string;
        connectors: string[];
        exists: boolean;
        pending: number;
        partitions: Array<{partition: number; committed: string | null; start: string; high: string; pending: number}>;
      }>;
    };
    const groupOffsets = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
        const topics = (await admin.listTopics()).includes(DLQ)
          ? await admin.fetchOffsets({groupId: `${P}-sync`, topics: [DLQ]})
          : [];
        return {exists: groups.includes(`${P}-sync`), topics};
      } finally {
        await admin.disconnect();
      }
    };
    const stored = async () =>
      (await sql('target', `SELECT to_regclass('${OPS}._cdc_dlq_records') IS NOT NULL AS t`))[0]?.t
        ? (await sql('target', `SELECT count(*)::int AS n FROM ${OPS}._cdc_dlq_records`))[0]?.n
        : 0;
    // The sink writes its dead letters asynchronously: plan until all of them are in the topic.
    const plan = await eventually(
      async () => {
        const r = await runCli(['dlq', 'sync', '--connector', SINK, '--group', `${P}-sync`, '--dry-run', '--json'], {
          env,
        });
        assert.equal(r.code, 0, r.stderr);
        const p = json<Plan>(r);
        return p.pending === N + 1 ? p : undefined;
      },
      90_000,
      2000,
    );
    const before = {offsets: await groupOffsets(), stored: await stored()};
    assert.equal(plan.dryRun, true);
    assert.equal(plan.group, `${P}-sync`);
    assert.equal(plan.topics.length, 1);
    const [topic] = plan.topics;
    assert.deepEqual([topic?.topic, topic?.connectors, topic?.exists], [DLQ, [SINK], true]);
    assert.equal(
      topic?.partitions.reduce((n, x) => n + x.pending, 0),
      N + 1,
    );
    for (const x of topic?.partitions ?? []) {
      assert.equal(x.committed, null, 'the group has committed nothing yet');
      assert.equal(x.pending, Number(x.high) - Number(x.start));
    }
    const table = await runCli(['dlq', 'sync', '--connector', SINK, '--group', `${P}-sync`, '--dry-run'], {env});
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`would read ${N + 1} record\\(s\\).*nothing was changed`));
    // Nothing read, committed or stored: no consumer group, no rows.
    assert.deepEqual(await groupOffsets(), before.offsets);
    assert.equal(before.offsets.exists, false, 'a dry run creates no consumer group');
    assert.equal(await stored(), before.stored);
    assert.equal(before.stored, 0);
  });

  it('syncs the poison records into the store, idempotently', async (t) => {
    if (skip) return t.skip(skip);
    let stored = 0;
    await eventually(
      async () => {
        const r = await runCli(['dlq', 'sync', '--connector', SINK, '--group', `${P}-sync`, '--json'], {env});
        assert.equal(r.code, 0, r.stderr);
        stored += json<{inserted: number}>(r).inserted;
        return stored >= N + 1;
      },
      90_000,
      2000,
    );
    assert.equal(stored, N + 1);
    // Re-reading from the beginning stores nothing twice.
    const again = json<{read: number; inserted: number}>(
      await runCli(['dlq', 'sync', '--topic', DLQ, '--group', `${P}-sync`, '--from-beginning', '--json'], {env}),
    );
    assert.equal(again.read, N + 1);
    assert.equal(again.inserted, 0);
    // After the sync, a dry run finds nothing left; from the beginning, everything again.
    const caughtUp = json<{pending: number; topics: Array<{partitions: Array<{committed: string | null}>}>}>(
      await runCli(['dlq', 'sync', '--topic', DLQ, '--group', `${P}-sync`, '--dry-run', '--json'], {env}),
    );
    assert.equal(caughtUp.pending, 0);
    assert.ok(caughtUp.topics[0]?.partitions.every((x) => x.committed !== null));
    const rewind = json<{pending: number; fromBeginning: boolean}>(
      await runCli(['dlq', 'sync', '--topic', DLQ, '--group', `${P}-sync`, '--from-beginning', '--dry-run', '--json'], {
        env,
      }),
    );
    assert.deepEqual([rewind.pending, rewind.fromBeginning], [N + 1, true]);
  });

  it('lists, summarises and shows the records (store and topic)', async (t) => {
    if (skip) return t.skip(skip);
    const list = json<{total: number; records: Array<{id: string; stage: string; srcTopic: string}>}>(
      await runCli(['dlq', 'list', '--connector', SINK, '--limit', '5', '--json'], {env}),
    );
    assert.equal(list.total, N + 1);
    assert.equal(list.records.length, 5);
    const fromTopic = json<{total: number; source: string}>(
      await runCli(['dlq', 'list', '--from-topic', DLQ, '--json'], {env}),
    );
    assert.equal(fromTopic.source, 'topic');
    assert.equal(fromTopic.total, N + 1);

    const sum = json<{groups: Array<{stage: string; count: number; exceptionClass: string}>}>(
      await runCli(['dlq', 'summary', '--connector', SINK, '--json'], {env}),
    );
    const byStage = Object.fromEntries(sum.groups.map((g) => [g.stage, g.count]));
    assert.deepEqual(byStage, {TRANSFORMATION: N, VALUE_CONVERTER: 1});
    const table = await runCli(['dlq', 'summary', '--connector', SINK], {env});
    assert.match(table.stdout, /TRANSFORMATION/);

    const poison = list.records.find((r) => r.stage === 'TRANSFORMATION');
    assert.ok(poison);
    const shown = json<{
      value: {format: string; value: {id: number}};
      headers: Array<{key: string; value: string; error: boolean}>;
      stacktrace: string;
      srcTopic: string;
    }>(await runCli(['dlq', 'show', poison.id, '--json'], {env}));
    assert.equal(shown.value.format, 'json');
    assert.equal(typeof shown.value.value.id, 'number');
    assert.equal(shown.srcTopic, SOURCE);
    assert.ok(shown.headers.some((h) => h.key === 'trace-id' && !h.error));
    assert.match(shown.stacktrace, /Exception/);
    const text = await runCli(['dlq', 'show', poison.id], {env});
    assert.match(text.stdout, /Trace:/);
    assert.match(text.stdout, /trace-id: t-/);
    // an unknown id is a wrong argument (exit 2, NOT_FOUND), as in audit show and reconcile show
    const missing = await runCli(['dlq', 'show', '999999999', '--json'], {env});
    assert.equal(missing.code, 2, missing.stdout);
    assert.equal(json<{error: {code: string}}>(missing).error.code, 'NOT_FOUND');
  });

  it('discards the malformed record with a reason', async (t) => {
    if (skip) return t.skip(skip);
    const dry = json<{count: number}>(
      await runCli(
        [
          'dlq',
          'discard',
          '--connector',
          SINK,
          '--stage',
          'VALUE_CONVERTER',
          '--reason',
          'malformed JSON',
          '--dry-run',
          '--json',
        ],
        {env},
      ),
    );
    assert.equal(dry.count, 1);
    const noYes = await runCli(['dlq', 'discard', '--connector', SINK, '--stage', 'VALUE_CONVERTER', '--reason', 'x'], {
      env,
    });
    assert.equal(noYes.code, 2, 'refuses without --yes and without a terminal');
    const done = json<{count: number}>(
      await runCli(
        [
          'dlq',
          'discard',
          '--connector',
          SINK,
          '--stage',
          'VALUE_CONVERTER',
          '--reason',
          'malformed JSON',
          '--yes',
          '--json',
        ],
        {env},
      ),
    );
    assert.equal(done.count, 1);
  });

  it('replays after the fix; a replay killed between send and confirm resumes with nothing twice', async (t) => {
    if (skip) return t.skip(skip);
    // Fix the cause: the connector without the bad transform, task restarted.
    await connectRaw('PUT', `/connectors/${SINK}/config`, sinkConfig(false));
    await connectRaw('POST', `/connectors/${SINK}/restart?includeTasks=true&onlyFailed=false`);

    const plan = json<{eligible: number; byTarget: Array<{topic: string; count: number}>}>(
      await runCli(['dlq', 'replay', '--connector', SINK, '--run-id', RUN, '--dry-run', '--json'], {env}),
    );
    assert.equal(plan.eligible, N);
    assert.deepEqual(plan.byTarget, [{topic: SOURCE, count: N}]);

    // The child (the replay in-process, with its test hook) kills itself (SIGKILL) right after the
    // 2nd acknowledged batch of 5, before marking it.
    const killed = await crashChild([SINK, RUN, '5', '2']);
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const mid = await sql<{status: string; n: string}>(
      'target',
      `SELECT status, count(*) AS n FROM ${OPS}._cdc_dlq_records WHERE replay_run = $1 GROUP BY status`,
      [RUN],
    );
    const midBy = Object.fromEntries(mid.map((r) => [r.status, Number(r.n)]));
    // Batch 1 confirmed; batch 2 sent, not confirmed; batch 3 perhaps claimed (pipelined), never sent.
    assert.equal(midBy.replayed, 5, killed.stderr);
    const doubt = midBy.replaying ?? 0;
    assert.ok(doubt === 5 || doubt === 10, `in doubt: ${doubt}`);

    // A new run does not touch the records in doubt, and names the run to resume.
    const other = await runCli(['dlq', 'replay', '--connector', SINK, '--dry-run'], {env});
    assert.match(other.stdout, new RegExp(`run ${RUN} was interrupted with ${doubt}`));

    const resumed = json<{
      recovered: number;
      resent: number;
      produced: number;
      account: Record<string, number>;
      state: string;
    }>(await runCli(['dlq', 'replay', '--run-id', RUN, '--settle', '1', '--yes', '--json'], {env}));
    assert.equal(resumed.state, 'finished', JSON.stringify(resumed));
    assert.equal(resumed.recovered, 5, 'the in-doubt batch was found in the topic, not re-sent');
    assert.equal(resumed.resent, doubt - 5, 'a claimed batch that never left is sent');
    assert.equal(resumed.produced, N - 5 - doubt);
    assert.equal(resumed.account.replayed, N);

    // Exactly once in the topic: every record id of the run appears once.
    const msgs = (await readAll(SOURCE)).filter((m) => m.headers?.['cdcctl.replay.run']?.toString() === RUN);
    const ids = msgs.map((m) => m.headers?.['cdcctl.replay.record']?.toString());
    assert.equal(msgs.length, N);
    assert.equal(new Set(ids).size, N);
    assert.ok(msgs.every((m) => !Object.keys(m.headers ?? {}).some((k) => k.startsWith('__connect.errors.'))));
    assert.ok(msgs.every((m) => String(m.headers?.['trace-id']).startsWith('t-')));

    // The rows arrive in the target table.
    await eventually(
      async () => {
        const rows = await sql<{n: string}>('target', `SELECT count(*) AS n FROM "${TABLE}"`);
        return Number(rows[0]?.n) === N;
      },
      60_000,
      1000,
    );

    // Never twice without --force.
    const again = json<{eligible: number}>(
      await runCli(['dlq', 'replay', '--connector', SINK, '--yes', '--json'], {env}),
    );
    assert.equal(again.eligible, 0);
  });

  it('exports NDJSON and CSV, and purges discarded rows', async (t) => {
    if (skip) return t.skip(skip);
    const nd = await runCli(['dlq', 'export', '--connector', SINK, '--format', 'ndjson'], {env});
    assert.equal(nd.code, 0, nd.stderr);
    const lines = nd.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, N + 1);
    const bad = lines.find((l) => l.stage === 'VALUE_CONVERTER');
    assert.equal(Buffer.from(bad.valueBase64, 'base64').toString(), '{not json');
    const csv = await runCli(['dlq', 'export', '--connector', SINK, '--format', 'csv'], {env});
    assert.equal(csv.stdout.trim().split('\r\n').length, N + 2);

    const purge = json<{count: number}>(
      await runCli(['dlq', 'purge', '--before', '2999-01-01', '--connector', SINK, '--yes', '--json'], {env}),
    );
    assert.equal(purge.count, 1);
    const left = json<{total: number}>(await runCli(['dlq', 'list', '--connector', SINK, '--json'], {env}));
    assert.equal(left.total, N);
  });
});
