import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Kafka, logLevel} from 'kafkajs';
import {eventually, json, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, requireStack, sql, stackConfig} from './stack.js';

/**
 * Signal backfills of a Debezium PostgreSQL source on the local stack, with a source connector and a
 * JDBC sink of this test's own (schema i22bf<pid> in the inventory and target databases, slot and
 * publication of the same name): setup, incremental snapshots with and without --where delivering
 * exactly those rows, writes during a snapshot, pause/resume/stop.
 */
const id = `i22bf${process.pid}`;
const prefix = id;
const source = `${id}-src`;
const sink = `${id}-sink`;
const items = `${id}.items`;
const ROWS = 3000;
const {env} = stackConfig([], {opsSchema: `cdc_ops_${id}`});
const cli = (args: string[]) => runCli(args, {env});

let skip: string | undefined;

const sourceConfig = {
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'tasks.max': '1',
  'database.hostname': '127.0.0.1',
  'database.port': '5433',
  'database.user': 'cdc',
  'database.password': 'cdc',
  'database.dbname': 'inventory',
  'topic.prefix': prefix,
  'plugin.name': 'pgoutput',
  'slot.name': id,
  'publication.name': id,
  'publication.autocreate.mode': 'filtered',
  'table.include.list': `${id}\\.items`,
  'snapshot.mode': 'no_data',
  // small chunks: a snapshot of 3,000 rows takes long enough to be paused
  'incremental.snapshot.chunk.size': '100',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};

async function targetRows(): Promise<Array<{id: number; name: string; qty: number}>> {
  try {
    return await sql('target', `SELECT id, name, qty FROM ${items} ORDER BY id`);
  } catch {
    return [];
  }
}

async function sourceRows(where = 'TRUE'): Promise<Array<{id: number; name: string; qty: number}>> {
  return sql('inventory', `SELECT id, name, qty FROM ${items} WHERE ${where} ORDER BY id`);
}

/** Waits until the target holds exactly `want` (the sink has caught up), then checks it stays so. */
async function targetBecomes(want: Array<{id: number; name: string; qty: number}>): Promise<void> {
  await eventually(async () => JSON.stringify(await targetRows()) === JSON.stringify(want), 90_000, 500);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await targetRows(), want);
}

async function notifications(signalId: string): Promise<string[]> {
  const kafka = new Kafka({brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING});
  const consumer = kafka.consumer({groupId: `${id}-peek-${Date.now()}`});
  const types: string[] = [];
  await consumer.connect();
  await consumer.subscribe({topic: `${prefix}.notifications`, fromBeginning: true});
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 4000);
    void consumer.run({
      eachMessage: async ({message}) => {
        const doc = JSON.parse(String(message.value)) as {payload: {id: string; type: string}};
        if (doc.payload.id === signalId) types.push(doc.payload.type);
        if (types.includes('COMPLETED') || types.includes('ABORTED')) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return types;
}

describe('signal backfills of a PostgreSQL source', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql(
      'inventory',
      `CREATE SCHEMA ${id}; CREATE TABLE ${items} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
       INSERT INTO ${items} SELECT g, 'item ' || g, g % 7 FROM generate_series(1, ${ROWS}) g`,
    );
    await sql('target', `CREATE SCHEMA ${id}`);
    const src = await connectRaw('PUT', `/connectors/${source}/config`, sourceConfig);
    assert.ok(src.status < 300, JSON.stringify(src.body));
    const snk = await connectRaw('PUT', `/connectors/${sink}/config`, {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      'connection.url': 'jdbc:postgresql://127.0.0.1:5433/target',
      'connection.username': 'cdc',
      'connection.password': 'cdc',
      topics: `${prefix}.${items}`,
      'insert.mode': 'upsert',
      'primary.key.mode': 'record_key',
      'delete.enabled': 'true',
      'schema.evolution': 'basic',
      'collection.name.format': `${id}.\${source.table}`,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    });
    assert.ok(snk.status < 300, JSON.stringify(snk.body));
    await eventually(async () => {
      const s = await connectRaw('GET', `/connectors/${source}/status`);
      return (s.body as {tasks?: Array<{state: string}>}).tasks?.[0]?.state === 'RUNNING';
    }, 60_000);
  });
  after(async () => {
    if (skip) return;
    await deleteConnectors([source, sink]);
    // the slot outlives its connector: drop it, or the shared cluster keeps WAL for it forever
    await eventually(
      async () => {
        await sql(
          'inventory',
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
          [id],
        );
        return true;
      },
      30_000,
      1000,
    ).catch(() => {});
    await sql('inventory', `DROP PUBLICATION IF EXISTS ${id}`).catch(() => {});
    await sql('inventory', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS cdc_ops_${id} CASCADE`).catch(() => {});
    const kafka = new Kafka({brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING});
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    await admin.deleteTopics({topics}).catch(() => {});
    await admin.disconnect();
  });

  it('refuses to start before setup, then setup shows the diff (--dry-run) and prepares the connector', async (t) => {
    if (skip) return t.skip(skip);
    const early = await cli(['backfill', 'start', source, '--table', items]);
    assert.equal(early.code, 2, early.stderr);
    assert.match(early.stderr, /backfill setup/);
    const dry = await cli([
      'backfill',
      'setup',
      source,
      '--signal-table',
      `${id}.debezium_signal`,
      '--dry-run',
      '--json',
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = json<{ready: boolean; diff: Array<{key: string; after: string}>; sql: string[]}>(dry);
    assert.equal(plan.ready, false);
    assert.deepEqual(plan.diff.map((d) => d.key).sort(), [
      'notification.enabled.channels',
      'notification.sink.topic.name',
      'signal.data.collection',
      'signal.enabled.channels',
    ]);
    assert.equal(plan.sql.length, 2, 'CREATE TABLE and ALTER PUBLICATION');
    const cfg = (await connectRaw('GET', `/connectors/${source}/config`)).body as Record<string, string>;
    assert.equal(cfg['signal.data.collection'], undefined, 'a dry run changed nothing');
    const noYes = await cli(['backfill', 'setup', source, '--signal-table', `${id}.debezium_signal`]);
    assert.equal(noYes.code, 2, 'no terminal and no --yes: refused');
    const done = await cli(['backfill', 'setup', source, '--signal-table', `${id}.debezium_signal`, '--yes', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const again = json<{ready: boolean}>(await cli(['backfill', 'setup', source, '--dry-run', '--json']));
    assert.equal(again.ready, true);
    await eventually(async () => {
      const s = await connectRaw('GET', `/connectors/${source}/status`);
      return (s.body as {tasks?: Array<{state: string}>}).tasks?.[0]?.state === 'RUNNING';
    }, 60_000);
  });

  it('validates before sending: a table not captured, a --where that does not plan or escapes its clause', async (t) => {
    if (skip) return t.skip(skip);
    const notCaptured = await cli(['backfill', 'start', source, '--table', 'public.customers']);
    assert.equal(notCaptured.code, 2);
    assert.match(notCaptured.stderr, /not captured/);
    const badColumn = await cli(['backfill', 'start', source, '--table', items, '--where', 'colour = 1']);
    assert.equal(badColumn.code, 2);
    assert.match(badColumn.stderr, /does not work on .*colour/);
    const escaping = await cli([
      'backfill',
      'start',
      source,
      '--table',
      items,
      '--where',
      `qty = 1); DROP TABLE ${items}; --`,
    ]);
    assert.equal(escaping.code, 2);
    assert.equal((await sourceRows()).length, ROWS, 'nothing ran');
    const plan = json<{signal: {data: Record<string, unknown>}; tables: Array<{estimatedRows: number}>}>(
      await cli(['backfill', 'start', source, '--table', items, '--where', 'qty = 3', '--dry-run', '--json']),
    );
    assert.deepEqual(plan.signal.data, {
      'data-collections': [items],
      type: 'INCREMENTAL',
      'additional-conditions': [{'data-collection': items, filter: 'qty = 3'}],
    });
  });

  it('an incremental snapshot with --where delivers exactly the matching rows, then one without it all rows', async (t) => {
    if (skip) return t.skip(skip);
    const r = await cli(['backfill', 'start', source, '--table', items, '--where', 'qty = 3', '--wait', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = json<{status: string; progress: Array<{state: string; rows: number}>}>(r);
    assert.equal(res.status, 'completed');
    const matching = await sourceRows('qty = 3');
    assert.equal(res.progress[0]?.rows, matching.length);
    await targetBecomes(matching);

    const all = await cli(['backfill', 'start', source, '--table', items, '--wait', '--json']);
    assert.equal(all.code, 0, all.stderr);
    await targetBecomes(await sourceRows());
    const listed = json<Array<{source: string; status: string; tables: Array<{where?: string}>}>>(
      await cli(['backfill', 'list', '--source', source, '--json']),
    );
    assert.deepEqual(
      listed.map((b) => [b.status, b.tables[0]?.where]),
      [
        ['completed', undefined],
        ['completed', 'qty = 3'],
      ],
    );
  });

  it('writes during a snapshot end up correct in the target', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${items}`);
    const started = cli(['backfill', 'start', source, '--table', items, '--wait', '--json']);
    // while it runs: updates across the key range, deletes, inserts beyond the maximum key
    for (let i = 0; i < 10; i++) {
      await sql('inventory', `UPDATE ${items} SET name = name || ' v${i}', qty = qty + 1 WHERE id % 97 = ${i}`);
      await sql('inventory', `DELETE FROM ${items} WHERE id = ${100 + i * 250}`);
      await sql('inventory', `INSERT INTO ${items} VALUES (${ROWS + 1 + i}, 'new ${i}', ${i})`);
      await new Promise((r) => setTimeout(r, 150));
    }
    const r = await started;
    assert.equal(r.code, 0, r.stderr);
    await targetBecomes(await sourceRows());
  });

  it('a blocking snapshot (--mode blocking --wait) delivers every row and is followed to its end', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${items}`).catch(() => {}); // not there yet when this test runs alone
    const r = await cli([
      'backfill',
      'start',
      source,
      '--table',
      items,
      '--mode',
      'blocking',
      '--wait',
      '--wait-timeout',
      '120s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr || r.stdout);
    const res = json<{id: string; status: string; progress: Array<{state: string; rows: number}>}>(r);
    assert.equal(res.status, 'completed');
    const want = await sourceRows();
    assert.equal(res.progress[0]?.rows, want.length);
    await targetBecomes(want);
    const status = json<{backfill: {status: string}}>(await cli(['backfill', 'status', res.id, '--json']));
    assert.equal(status.backfill.status, 'completed');
  });

  it('pause, resume and stop reach the connector; a stopped snapshot ends as aborted (exit 3)', async (t) => {
    if (skip) return t.skip(skip);
    // enough rows for 300 chunks of 100: the snapshot is still running when the signals arrive (they are
    // read from the WAL in order, so the pause reaches it after it started)
    await sql('inventory', `INSERT INTO ${items} SELECT g, 'more ' || g, g % 5 FROM generate_series(10001, 40000) g`);
    const started = json<{id: string; signalId: string}>(
      await cli(['backfill', 'start', source, '--table', items, '--json']),
    );
    const paused = await cli(['backfill', 'pause', source, '--json']);
    assert.equal(paused.code, 0, paused.stderr);
    await eventually(async () => (await notifications(started.signalId)).includes('PAUSED'), 30_000, 1000);
    const resumed = await cli(['backfill', 'resume', source, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    await eventually(async () => (await notifications(started.signalId)).includes('RESUMED'), 30_000, 1000);
    const stopped = await cli(['backfill', 'stop', source, '--table', items, '--json']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const status = await cli(['backfill', 'status', started.id, '--wait', '--wait-timeout', '60s', '--json']);
    const final = json<{backfill: {status: string}}>(status).backfill.status;
    assert.equal(final, 'aborted');
    assert.equal(status.code, 3);
    const types = await notifications(started.signalId);
    assert.ok(types.includes('PAUSED') && types.includes('RESUMED'), types.join(','));
  });

  it('the Kafka signal channel: setup --kafka-channel, then a snapshot signalled through the topic', async (t) => {
    if (skip) return t.skip(skip);
    const setup = await cli(['backfill', 'setup', source, '--kafka-channel', '--yes', '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    const cfg = (await connectRaw('GET', `/connectors/${source}/config`)).body as Record<string, string>;
    assert.equal(cfg['signal.kafka.topic'], `${prefix}.signals`);
    assert.equal(cfg['signal.enabled.channels'], 'source,kafka');
    // the signal topic, created before the connector's consumer would auto-create it (with the broker's default partitions)
    assert.deepEqual(json<{topics: string[]}>(setup).topics, [`${prefix}.signals`]);
    await eventually(async () => {
      const s = await connectRaw('GET', `/connectors/${source}/status`);
      return (s.body as {tasks?: Array<{state: string}>}).tasks?.[0]?.state === 'RUNNING';
    }, 60_000);
    await sql('target', `TRUNCATE ${items}`).catch(() => {}); // not there yet when this test runs alone
    const r = await cli([
      'backfill',
      'start',
      source,
      '--table',
      items,
      '--where',
      'qty = 2',
      '--channel',
      'kafka',
      '--wait',
      '--wait-timeout',
      '90s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(json<{channel: string; status: string}>(r).status, 'completed');
    // the sink may still be writing what the stopped snapshot before sent: every matching row arrives
    const want = JSON.stringify(await sourceRows('qty = 2'));
    await eventually(
      async () => JSON.stringify((await targetRows()).filter((row) => row.qty === 2)) === want,
      120_000,
      1000,
    );
  });
});
