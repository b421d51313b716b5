import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, requireStack, sql, stackConfig} from './stack.js';

/**
 * `trace find` and `trace show` against the real Zipkin of the stack (stack.sh zipkin up), with the
 * OpenTelemetry Java agent on the Connect worker (stack.sh zipkin restart-connect), with a PostgreSQL
 * source of this test's own: a row's change event is found in Kafka, then the trace whose producer span
 * (the agent's kafka-clients instrumentation) wrote it — same topic, partition and offset. Debezium's
 * ActivateTracingSpan SMT needs the OpenTelemetry API jars in the plugin's directory, which the stack does
 * not install yet (its failure is a `connectors why` fixture: test/fixtures/why/missing-library.trace).
 */

const P = `i23ot${process.pid}`;
const TABLE = `${P}_items`;
const SOURCE = `${P}-src`;
const ZIPKIN = 'http://127.0.0.1:9411';

let skip: string | undefined;
const cfg = stackConfig([`tracing: {url: "${ZIPKIN}", kind: zipkin}`]);

async function zipkinUp(): Promise<string | undefined> {
  try {
    const res = await fetch(`${ZIPKIN}/health`, {signal: AbortSignal.timeout(2000)});
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    const message = `Zipkin is not running on 9411 (bash examples/stack/stack.sh zipkin up): ${(err as Error).message}`;
    if (process.env.CI) throw new Error(message);
    return message;
  }
  return undefined;
}

interface Found {
  journey: {kafka?: {topic: string; partition: number; events: Array<{offset: string}>}};
  traces: Array<{traceId: string; spans: Array<{name: string; kind?: string; tags: Record<string, string>}>}>;
}

describe('traces on the real Zipkin', {timeout: 240_000}, () => {
  before(async () => {
    skip = (await requireStack()) ?? (await zipkinUp());
    if (skip) return;
    await sql('inventory', `CREATE TABLE "${TABLE}" (id int PRIMARY KEY, name text)`);
    const put = await connectRaw('PUT', `/connectors/${SOURCE}/config`, {
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
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    await eventually(
      async () =>
        (await sql('inventory', 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [`${P}_slot`]))
          .length === 1,
      90_000,
      1000,
    );
    await sql('inventory', `INSERT INTO "${TABLE}" VALUES (1, 'traced')`);
  });

  after(async () => {
    if (skip) return;
    await deleteConnectors([SOURCE]);
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
    const admin = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING}).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${P}.`));
    if (topics.length) await admin.deleteTopics({topics}).catch(() => {});
    await admin.disconnect();
  });

  it('find: the trace whose producer span wrote the row’s change event; show: its waterfall', async (t) => {
    if (skip) return t.skip(skip);
    const found = await eventually(
      async () => {
        const r = await runCli(
          ['trace', 'find', '--table', `public.${TABLE}`, '--key', '1', '--lookback', '10m', '--json'],
          {env: cfg.env},
        );
        const f = json<Found>(r);
        return r.code === 0 && f.traces.length > 0 ? f : undefined;
      },
      90_000,
      2000,
    );
    const event = found.journey.kafka?.events[0];
    assert.ok(event, 'the change event was found in Kafka');
    const producer = found.traces[0]?.spans.find(
      (s) => s.kind === 'PRODUCER' && s.tags['messaging.destination.name'] === found.journey.kafka?.topic,
    );
    assert.ok(producer, JSON.stringify(found.traces[0]?.spans.map((s) => s.name)));
    assert.equal(producer.tags['messaging.kafka.message.offset'], event.offset);
    assert.equal(producer.tags['messaging.destination.partition.id'], String(found.journey.kafka?.partition));

    const id = found.traces[0]?.traceId ?? '';
    const shown = await runCli(['trace', 'show', id], {env: cfg.env});
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^trace ${id} \\(zipkin\\): \\d+ span\\(s\\)`));
    assert.match(shown.stdout, new RegExp(`connect: ${P}\\.public\\.${TABLE} publish +\\|.*█.*\\|`));
    const missing = await runCli(['trace', 'show', '0123456789abcdef0123456789abcdef'], {env: cfg.env});
    assert.equal(missing.code, 3);
  });
});
