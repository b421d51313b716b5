import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, runCli} from '../helpers.js';
import {cassandraPipeline} from './cassandra-pipeline.js';
import {cassandraClient, connectRaw, deleteConnectors, requireStack, sql, stackConfig} from './stack.js';

/**
 * `trace find` and `trace show` against the real Zipkin of the stack, with the OpenTelemetry Java agent on
 * the Connect worker and on Debezium Server (stack.sh starts both with it):
 * - a PostgreSQL source of this test's own with Debezium's ActivateTracingSpan SMT (the stack puts the
 *   OpenTelemetry API in the connector's directory; without it the task fails, a `connectors why` fixture:
 *   test/fixtures/why/missing-library.trace): a row's change event is found in Kafka, then the trace its
 *   `traceparent` header names, whose producer span (the agent's kafka-clients instrumentation) wrote it —
 *   same topic, partition and offset — and the SMT's `db-log-write` → `debezium-read` trace for its LSN;
 * - the Cassandra pipeline: a CQL write's change event, produced by Debezium Server, and its producer span
 *   under the service "debezium".
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
  journey: {
    kafka?: {topic: string; partition: number; events: Array<{offset: string; traceId?: string; sourceLsn?: string}>};
  };
  traces: Array<{
    traceId: string;
    spans: Array<{name: string; service: string; kind?: string; depth: number; tags: Record<string, string>}>;
  }>;
}

async function findTraces(table: string, key: string, until: (f: Found) => boolean): Promise<Found> {
  return eventually(
    async () => {
      const r = await runCli(['trace', 'find', '--table', table, '--key', key, '--lookback', '10m', '--json'], {
        env: cfg.env,
      });
      const f = json<Found>(r);
      return r.code === 0 && until(f) ? f : undefined;
    },
    90_000,
    2000,
  );
}

/** The producer span that wrote the record at the event's topic, partition and offset. */
function producerOf(f: Found, event: {offset: string}) {
  return f.traces
    .flatMap((t) => t.spans)
    .find(
      (s) =>
        s.kind === 'PRODUCER' &&
        s.tags['messaging.destination.name'] === f.journey.kafka?.topic &&
        s.tags['messaging.kafka.message.offset'] === event.offset &&
        s.tags['messaging.destination.partition.id'] === String(f.journey.kafka?.partition),
    );
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
      transforms: 'tracing',
      'transforms.tracing.type': 'io.debezium.transforms.tracing.ActivateTracingSpan',
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

  it('find: the trace the event names and its producer span, the SMT’s capture spans; show: the waterfall', async (t) => {
    if (skip) return t.skip(skip);
    const found = await findTraces(
      `public.${TABLE}`,
      '1',
      (f) => f.traces.some((x) => x.spans.some((s) => s.name === 'db-log-write')) && f.traces.length > 1,
    );
    const event = found.journey.kafka?.events[0];
    assert.ok(event, 'the change event was found in Kafka');
    assert.match(event.traceId ?? '', /^[0-9a-f]{32}$/, 'the event carries a traceparent header');
    const named = found.traces.find((x) => x.traceId === event.traceId);
    assert.ok(named, `the trace ${event.traceId} the event names is among those found`);
    const producer = producerOf(found, event);
    assert.ok(producer, JSON.stringify(found.traces.map((x) => x.spans.map((s) => s.name))));
    assert.ok(named.spans.includes(producer), 'the named trace holds the producer span');
    // the SMT: db-log-write (from the commit, tagged with the event's source block) → debezium-read
    const smt = found.traces.find((x) => x.spans.some((s) => s.name === 'db-log-write'));
    const write = smt?.spans.find((s) => s.name === 'db-log-write');
    assert.equal(write?.tags['db.table'], TABLE);
    assert.equal(write?.tags['db.instance'], 'inventory');
    assert.equal(write?.tags['db.lsn'], event.sourceLsn, 'the SMT spans of this change, by its LSN');
    assert.deepEqual(
      smt?.spans.map((s) => [s.name, s.depth, s.service]),
      [
        ['db-log-write', 0, 'connect'],
        ['debezium-read', 1, 'connect'],
      ],
    );

    const id = named.traceId;
    const shown = await runCli(['trace', 'show', id], {env: cfg.env});
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^trace ${id} \\(zipkin\\): \\d+ span\\(s\\)`));
    assert.match(shown.stdout, new RegExp(`connect: ${P}\\.public\\.${TABLE} publish +\\|.*█.*\\|`));
    const missing = await runCli(['trace', 'show', '0123456789abcdef0123456789abcdef'], {env: cfg.env});
    assert.equal(missing.code, 3);
  });

  it('the Cassandra pipeline: Debezium Server’s producer span of a CQL write’s change event', async (t) => {
    if (skip) return t.skip(skip);
    const noServer = await cassandraPipeline();
    if (noServer) return t.skip(noServer);
    const id = 2_000_000 + (process.pid % 100_000) * 10;
    const cass = await cassandraClient();
    try {
      await cass.execute('INSERT INTO cdc_demo.all_types (id, c_text) VALUES (?, ?)', [id, 'traced'], {prepare: true});
      const found = await findTraces('cdc_demo.all_types', String(id), (f) => f.traces.length > 0);
      assert.equal(found.journey.kafka?.topic, 'cassandra.cdc_demo.all_types');
      const event = found.journey.kafka?.events.at(-1);
      assert.ok(event, 'the change event was found in Kafka');
      const producer = producerOf(found, event);
      assert.ok(producer, JSON.stringify(found.traces.map((x) => x.spans.map((s) => `${s.service}: ${s.name}`))));
      assert.equal(producer.service, 'debezium');
      assert.equal(found.traces.find((x) => x.spans.includes(producer))?.traceId, event.traceId);
    } finally {
      await cass.execute('DELETE FROM cdc_demo.all_types WHERE id = ?', [id], {prepare: true}).catch(() => {});
      await cass.shutdown();
    }
  });
});
