import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, env, requireStack, sql} from './stack.js';

/**
 * `cdcctl trace` on a PostgreSQL pipeline of this test's own, shaped like the demo one
 * (examples/connectors: Debezium PostgreSQL source on the 5433 `inventory` database → JSON with
 * schemas → Debezium JDBC sink into `target`), plus a Cast SMT that dead-letters non-numeric values.
 * In sync, in flight (sink paused) and dead-lettered, each produced for real.
 */

const P = `i23tr${process.pid}`;
const TABLE = `${P}_items`;
const TOPIC = `${P}.public.${TABLE}`;
const DLQ = `${P}_dlq`;
const SOURCE = `${P}-src`;
const SINK = `${P}-sink`;
const JSON_CONV = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'true',
};

interface J {
  kafka?: {partition: number; partitions: number; events: Array<{offset: string; op: string}>};
  sink?: {state: string};
  dlq?: {records: Array<{error?: string}>};
  verdict: {state: string; hop?: string; reason: string};
}

let skip: string | undefined;
const trace = async (key: string) => {
  const r = await runCli(['trace', `public.${TABLE}`, key, '--json', '--since', '10m'], {env});
  return {code: r.code, j: json<J>(r)};
};

describe('trace on the real stack', {timeout: 300_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql('inventory', `CREATE TABLE "${TABLE}" (id int PRIMARY KEY, qty text)`);
    await sql('target', `CREATE SCHEMA ${P}`);
    await sql('target', `CREATE TABLE ${P}.items (id int PRIMARY KEY, qty int)`);
    let put = await connectRaw('PUT', `/connectors/${SOURCE}/config`, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': '127.0.0.1',
      'database.port': '5433',
      'database.user': 'cdc',
      'database.password': 'cdc',
      'database.dbname': 'inventory',
      'plugin.name': 'pgoutput',
      'slot.name': `${P}_slot`,
      'publication.name': `${P}_pub`,
      'publication.autocreate.mode': 'filtered',
      'topic.prefix': P,
      'table.include.list': `public.${TABLE}`,
      'snapshot.mode': 'no_data',
      ...JSON_CONV,
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    await eventually(
      async () =>
        (await sql('inventory', 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [`${P}_slot`]))
          .length === 1,
      90_000,
      1000,
    );
    const admin = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING}).admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 3}], waitForLeaders: true});
    await admin.disconnect();
    put = await connectRaw('PUT', `/connectors/${SINK}/config`, {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      'connection.url': 'jdbc:postgresql://127.0.0.1:5433/target',
      'connection.username': 'cdc',
      'connection.password': 'cdc',
      topics: TOPIC,
      'insert.mode': 'upsert',
      'primary.key.mode': 'record_key',
      'schema.evolution': 'none',
      'collection.name.format': `${P}.items`,
      transforms: 'unwrap,cast',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
      'transforms.cast.spec': 'qty:int32',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': DLQ,
      'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
      ...JSON_CONV,
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
  });

  after(async () => {
    if (skip) return;
    await deleteConnectors([SINK, SOURCE]);
    await eventually(
      async () => {
        await sql(
          'inventory',
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
          [`${P}_slot`],
        );
        return true;
      },
      30_000,
      1000,
    ).catch(() => {});
    await sql('inventory', `DROP PUBLICATION IF EXISTS "${P}_pub"`).catch(() => {});
    await sql('inventory', `DROP TABLE IF EXISTS "${TABLE}"`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${P} CASCADE`).catch(() => {});
    const admin = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING}).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(P));
    if (topics.length) await admin.deleteTopics({topics}).catch(() => {});
    await admin.disconnect();
  });

  it('a replicated row is in sync, its event found in the partition murmur2 gives its key', async (t) => {
    if (skip) return t.skip(skip);
    await sql('inventory', `INSERT INTO "${TABLE}" VALUES (1, '5')`);
    const {code, j} = await eventually(
      async () => {
        const r = await trace('1');
        return r.j.verdict.state === 'in sync' ? r : undefined;
      },
      90_000,
      1500,
    );
    assert.equal(code, 0);
    assert.equal(j.kafka?.partitions, 3);
    assert.equal(j.kafka?.events.length, 1);
    assert.equal(j.kafka?.events[0]?.op, 'c');
    // where the Java producer of the worker really wrote it
    const consumer = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING}).admin();
    await consumer.connect();
    const ends = await consumer.fetchTopicOffsets(TOPIC);
    await consumer.disconnect();
    const written = ends.filter((p) => p.high !== '0').map((p) => p.partition);
    assert.deepEqual(written, [j.kafka?.partition]);
  });

  it('with the sink paused, a fresh change is in flight', async (t) => {
    if (skip) return t.skip(skip);
    await connectRaw('PUT', `/connectors/${SINK}/pause`);
    await eventually(
      async () =>
        ((await connectRaw('GET', `/connectors/${SINK}/status`)).body as {connector: {state: string}}).connector
          .state === 'PAUSED',
      30_000,
      500,
    );
    await sql('inventory', `UPDATE "${TABLE}" SET qty = '6' WHERE id = 1`);
    const {code, j} = await eventually(
      async () => {
        const r = await trace('1');
        return r.j.kafka?.events.length === 2 ? r : undefined;
      },
      60_000,
      1500,
    );
    assert.equal(j.verdict.state, 'in flight');
    assert.match(j.verdict.reason, /PAUSED/);
    assert.equal(code, 3);
    await connectRaw('PUT', `/connectors/${SINK}/resume`);
    await eventually(async () => ((await trace('1')).j.verdict.state === 'in sync' ? true : undefined), 90_000, 1500);
  });

  it('a change the sink cannot write is found in the DLQ with its error', async (t) => {
    if (skip) return t.skip(skip);
    await sql('inventory', `INSERT INTO "${TABLE}" VALUES (2, 'not-a-number')`);
    const {code, j} = await eventually(
      async () => {
        const r = await trace('2');
        return r.j.dlq?.records.length ? r : undefined;
      },
      90_000,
      1500,
    );
    assert.equal(j.verdict.state, 'stuck');
    assert.match(j.verdict.reason, new RegExp(`dead-lettered to ${DLQ}@\\d+: .+`));
    assert.equal(code, 3);
  });
});
