import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, repoRoot, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, env, requireStack, sql} from './stack.js';

/**
 * `events tail` and `events sse` against a Debezium PostgreSQL source connector of our own (unique
 * slot, publication and topic prefix) on the demo `inventory` database: an insert, an update and a
 * delete made in the database are seen decoded.
 */

const P = `i8e${process.pid}`;
const TABLE = `${P}_items`;
const SOURCE = `${P}-source`;
const TOPIC = `${P}.public.${TABLE}`;

interface Ev {
  op: string;
  before: {id: number; status: string} | null;
  after: {id: number; status: string} | null;
  key: unknown;
  keyFormat: string;
  valueFormat: string;
  table: string;
  source: {lsn?: number};
}

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {child, out: () => stdout, err: () => stderr, exited};
}

let skip: string | undefined;

describe('events on the real stack', {timeout: 240_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql('inventory', `CREATE TABLE "${TABLE}" (id int PRIMARY KEY, status text)`);
    await sql('inventory', `ALTER TABLE "${TABLE}" REPLICA IDENTITY FULL`);
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
      async () => {
        const s = await connectRaw('GET', `/connectors/${SOURCE}/status`);
        const body = s.body as {tasks?: Array<{state: string}>};
        return body.tasks?.[0]?.state === 'RUNNING';
      },
      60_000,
      1000,
    );
    // The slot exists once streaming started: changes made from now on are captured.
    await eventually(
      async () => {
        const r = await sql('inventory', 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`${P}_slot`]);
        return r.length === 1;
      },
      60_000,
      1000,
    );
    await sql('inventory', `INSERT INTO "${TABLE}" VALUES (1, 'new'), (2, 'x')`);
    await sql('inventory', `UPDATE "${TABLE}" SET status = 'shipped' WHERE id = 1`);
    await sql('inventory', `DELETE FROM "${TABLE}" WHERE id = 2`);
  });

  after(async () => {
    if (skip) return;
    await deleteConnectors([SOURCE]);
    await eventually(
      async () => {
        await sql('inventory', 'SELECT pg_drop_replication_slot($1)', [`${P}_slot`]);
        return true;
      },
      30_000,
      1000,
    ).catch(() => {});
    await sql('inventory', `DROP PUBLICATION IF EXISTS "${P}_pub"`).catch(() => {});
    await sql('inventory', `DROP TABLE IF EXISTS "${TABLE}"`).catch(() => {});
    const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING});
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${P}.`));
    await admin.deleteTopics({topics}).catch(() => {});
    await admin.disconnect();
  });

  it('tails the insert, update and delete as decoded NDJSON when piped', async (t) => {
    if (skip) return t.skip(skip);
    const r = await eventually(
      async () => {
        const res = await runCli(['events', 'tail', '--connector', SOURCE, '--from-beginning', '--max', '4'], {env});
        return res.code === 0 && res.stdout.trim().split('\n').length === 4 ? res : undefined;
      },
      90_000,
      2000,
    );
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Ev);
    assert.deepEqual(
      events.map((e) => e.op),
      ['c', 'c', 'u', 'd'],
    );
    assert.equal(events[0]?.table, `inventory.public.${TABLE}`);
    assert.deepEqual(events[2]?.before, {id: 1, status: 'new'});
    assert.deepEqual(events[2]?.after, {id: 1, status: 'shipped'});
    assert.deepEqual(events[3]?.before, {id: 2, status: 'x'});
    assert.equal(events[3]?.after, null);
    assert.ok(typeof events[0]?.source.lsn === 'number');
    assert.match(r.stderr, /4 event\(s\) shown/);
    assert.ok(
      events.every((e) => e.keyFormat === 'json' && e.valueFormat === 'json'),
      'each event says how its key and value are to be read',
    );

    // --key as the key's JSON, in any spacing: the same two events for id 1
    for (const key of ['{"id":1}', '{ "id" : 1 }', '1']) {
      const byJsonKey = await runCli(['events', 'tail', TOPIC, '--from-beginning', '--until-end', '--key', key], {env});
      assert.equal(byJsonKey.code, 0, byJsonKey.stderr);
      assert.deepEqual(
        byJsonKey.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as Ev).op),
        ['c', 'u'],
        `--key ${key}`,
      );
    }

    const filtered = await runCli(
      ['events', 'tail', TOPIC, '--from-beginning', '--until-end', '--filter', 'after.status == "shipped"'],
      {env},
    );
    assert.equal(filtered.code, 0, filtered.stderr);
    const only = filtered.stdout.trim().split('\n');
    assert.equal(only.length, 1);
    assert.equal((JSON.parse(only[0] as string) as Ev).op, 'u');

    const byKeyAndOp = await runCli(
      ['events', 'tail', TOPIC, '--from-beginning', '--until-end', '--key', '2', '--op', 'd'],
      {
        env,
      },
    );
    assert.deepEqual(
      byKeyAndOp.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Ev).op),
      ['d'],
    );

    const table = await runCli(['events', 'tail', TOPIC, '--from-beginning', '--until-end', '--format', 'table'], {
      env,
    });
    assert.match(table.stdout, /UPDATE\s+inventory\.public\.\S+\s+1\s+status: "new" → "shipped"/);

    const bad = await runCli(['events', 'tail', TOPIC, '--filter', 'after.status = "x"'], {env});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid filter at column/);
  });

  it('stops cleanly on Ctrl-C with a count', async (t) => {
    if (skip) return t.skip(skip);
    const tail = spawnCli(['events', 'tail', TOPIC, '--from-beginning']);
    await eventually(async () => tail.out().split('\n').filter(Boolean).length >= 4, 60_000, 200);
    tail.child.kill('SIGINT');
    const code = await tail.exited;
    assert.equal(code, 130);
    // 5 read: the delete is followed by its tombstone, which is read and not shown.
    assert.match(tail.err(), /4 event\(s\) shown, 5 read/);
    assert.doesNotMatch(tail.err(), /Error|at /);
  });

  it('serves Server-Sent Events with per-client filters and shuts down cleanly', async (t) => {
    if (skip) return t.skip(skip);
    const sse = spawnCli(['events', 'sse', TOPIC, '--port', '0', '--keep-alive', '1s']);
    try {
      const url = await eventually(
        async () => /serving .* on (http:\/\/127\.0\.0\.1:\d+\/events)/.exec(sse.err())?.[1],
        60_000,
        200,
      );
      const health = await fetch(url.replace('/events', '/healthz'));
      assert.equal(health.status, 200);
      const badFilter = await fetch(`${url}?filter=${encodeURIComponent('after.status ==')}`);
      assert.equal(badFilter.status, 400);

      // A client that wants updates only, then a live change made after it connected.
      const ac = new AbortController();
      const res = await fetch(`${url}?op=u`, {signal: ac.signal});
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      await sql('inventory', `UPDATE "${TABLE}" SET status = 'delivered' WHERE id = 1`);
      const deadline = Date.now() + 60_000;
      while (!/"status":"delivered"/.test(text) || !/: keep-alive/.test(text)) {
        if (Date.now() > deadline) throw new Error(`no SSE event: ${text}`);
        const {value, done} = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      const events = text
        .split('\n\n')
        .filter((b) => b.includes('event: change'))
        .map((b) => JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null') as Ev);
      assert.ok(events.length >= 1, text);
      assert.ok(events.every((e) => e.op === 'u'));
      assert.match(text, new RegExp(`id: ${TOPIC.replace(/\./g, '\\.')}:0:\\d+`));
      ac.abort();
    } finally {
      sse.child.kill('SIGINT');
    }
    const code = await sse.exited;
    assert.equal(code, 0, sse.err());
    assert.match(sse.err(), /stopped: \d+ client\(s\) served/);
  });
});
