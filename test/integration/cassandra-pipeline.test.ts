import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type driver from 'cassandra-driver';
import {eventually, repoRoot, runCli} from '../helpers.js';
import {cassandraClient, env, requireStack, sql} from './stack.js';

/**
 * The real Cassandra pipeline of the local stack: Cassandra 5.0.8 (CDC) → Debezium Server 3.6.1 with the
 * Cassandra 5 connector (cassandra-all 5.0.2 reading 5.0.8's commit log) → Kafka → Debezium JDBC sink with the
 * CassandraCellsToRow SMT (examples/stack/smt) → PostgreSQL (target.cdc_demo). Every test writes with the
 * driver in Cassandra and polls PostgreSQL with a deadline. Rows use ids of their own (removed afterwards).
 */

const HEALTH = 'http://127.0.0.1:8088/q/health';
const SINK = 'cassandra-sink';
const DEADLINE = 45_000;
const base = 1_000_000 + Math.floor(Math.random() * 900_000) * 10;
const ids = {types: base, partial: base + 1, del: base + 2, ttl: base + 3, keyOnly: base + 4, customer: base};
const caughtUp = Array.from({length: 40}, (_, i) => base + 100 + i);
let skip: string | undefined;
let cass: driver.Client;

async function cql(statement: string, params: unknown[] = []): Promise<void> {
  await cass.execute(statement, params, {prepare: params.length > 0});
}

/** The row of cdc_demo.<table> in PostgreSQL, every column as PostgreSQL renders it as text. */
async function pgRow(
  table: string,
  where: string,
  values: unknown[],
): Promise<Record<string, string | null> | undefined> {
  const cols = await sql<{column_name: string}>(
    'target',
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'cdc_demo' AND table_name = $1",
    [table],
  );
  if (cols.length === 0) return undefined;
  const list = cols.map((c) => `${JSON.stringify(c.column_name)}::text AS ${JSON.stringify(c.column_name)}`).join(', ');
  const rows = await sql<Record<string, string | null>>(
    'target',
    `SELECT ${list} FROM cdc_demo.${table} WHERE ${where}`,
    values,
  );
  return rows[0];
}

async function waitRow(
  table: string,
  where: string,
  values: unknown[],
  until: (row: Record<string, string | null>) => boolean,
): Promise<Record<string, string | null>> {
  let last: Record<string, string | null> | undefined;
  try {
    return await eventually(
      async () => {
        last = await pgRow(table, where, values);
        return last && until(last) ? last : undefined;
      },
      DEADLINE,
      250,
    );
  } catch (err) {
    throw new Error(`${String(err)}; last row seen in PostgreSQL: ${JSON.stringify(last)}`);
  }
}

async function waitGone(table: string, where: string, values: unknown[]): Promise<void> {
  await eventually(async () => (await pgRow(table, where, values)) === undefined, DEADLINE, 250);
}

describe('Cassandra pipeline (Cassandra CDC → Debezium Server → Kafka → JDBC sink → PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    const health = await fetch(HEALTH, {signal: AbortSignal.timeout(3000)}).catch(() => undefined);
    if (!health?.ok) {
      const message = `Debezium Server is not UP at ${HEALTH}; start it with: bash examples/stack/stack.sh start debezium`;
      if (process.env.CI) throw new Error(message);
      skip = message;
      return;
    }
    cass = await cassandraClient();
    // the demo keyspace and the PostgreSQL side (idempotent), then the sink as the demo registers it
    const schema = readFileSync(join(repoRoot, 'examples', 'cassandra', 'schema.cql'), 'utf8')
      .split('\n')
      .filter((l) => !l.trim().startsWith('--'))
      .join('\n')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const s of schema) await cql(s);
    await sql('target', readFileSync(join(repoRoot, 'examples', 'cassandra', 'target.sql'), 'utf8'));
    const r = await runCli(
      ['connectors', 'apply', '-f', join(repoRoot, 'examples', 'connectors', 'cassandra-sink.json')],
      {env},
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await runCli(['connectors', 'resume', SINK, '--yes', '--wait'], {env});
  });

  after(async () => {
    if (skip || !cass) return;
    await runCli(['connectors', 'resume', SINK, '--yes', '--wait'], {env}).catch(() => {});
    const all = [ids.types, ids.partial, ids.del, ids.ttl, ids.keyOnly, ids.keyOnly + 10, ...caughtUp];
    await cass.execute('DELETE FROM cdc_demo.all_types WHERE id IN ?', [all], {prepare: true}).catch(() => {});
    await cass
      .execute('DELETE FROM cdc_demo.orders WHERE customer_id = ?', [ids.customer], {prepare: true})
      .catch(() => {});
    await cass.shutdown();
  });

  it('runs the stack Cassandra 5.0.8, whose commit log the connector (cassandra-all 5.0.2) reads', async (t) => {
    if (skip) return t.skip(skip);
    const rs = await cass.execute('SELECT release_version FROM system.local');
    assert.equal(rs.rows[0]?.release_version, '5.0.8');
    const cdc = await cass.execute("SELECT table_name, cdc FROM system_schema.tables WHERE keyspace_name = 'cdc_demo'");
    const flags = new Map(cdc.rows.map((r) => [r.table_name as string, r.cdc as boolean]));
    assert.equal(flags.get('all_types'), true, 'cdc_demo.all_types WITH cdc = true');
    assert.equal(flags.get('orders'), true, 'cdc_demo.orders WITH cdc = true');
    // the proof that 5.0.8 segments parse is every event below arriving; this one is the first
    await cql("INSERT INTO cdc_demo.all_types (id, c_text) VALUES (?, 'parses')", [ids.keyOnly]);
    await waitRow('all_types', 'id = $1', [ids.keyOnly], (r) => r.c_text === 'parses');
  });

  it('carries every CQL type that has a PostgreSQL counterpart', async (t) => {
    if (skip) return t.skip(skip);
    await cql(
      `INSERT INTO cdc_demo.all_types (id, c_text, c_ascii, c_int, c_bigint, c_smallint, c_tinyint, c_varint, c_decimal,
         c_double, c_float, c_boolean, c_timestamp, c_date, c_time, c_uuid, c_timeuuid, c_inet, c_blob, c_list, c_set,
         c_map, c_udt, c_tuple)
       VALUES (${ids.types}, 'héllo "wörld" ✓', 'ascii', -2147483648, -9223372036854775808, -32768, -128, 123456789012,
         12345.625, 3.141592653589793, 2.5, true, '2024-05-06 07:08:09.123+0000', '1969-07-20', '07:08:09.123456',
         6ab09bec-e68e-48d9-a5f8-97e6fb4c9b47, 50554d6e-29bb-11e5-b345-feff819cdc9f, '192.168.0.1', 0xcafebabe,
         ['a', 'b c'], {2, 1}, {'k': 7, 'l': -1}, {street: 'Main "St"', city: 'Zürich', zip: 8001}, (5, 'five'))`,
    );
    const row = await waitRow('all_types', 'id = $1', [ids.types], (r) => r.c_tuple !== null);
    const expected: Record<string, string> = {
      id: String(ids.types),
      c_text: 'héllo "wörld" ✓',
      c_ascii: 'ascii',
      c_int: '-2147483648',
      c_bigint: '-9223372036854775808',
      c_smallint: '-32768',
      c_tinyint: '-128',
      c_varint: '123456789012', // the connector sends varint as int64: only values in bigint's range (README)
      c_decimal: '12345.625', // ... and decimal as double: exact only where a double is (README)
      c_double: '3.141592653589793',
      c_float: '2.5',
      c_boolean: 'true',
      c_timestamp: '2024-05-06 07:08:09.123',
      c_date: '1969-07-20',
      c_time: '07:08:09.123456',
      c_uuid: '6ab09bec-e68e-48d9-a5f8-97e6fb4c9b47',
      c_timeuuid: '50554d6e-29bb-11e5-b345-feff819cdc9f',
      c_inet: '192.168.0.1',
      c_blob: '\\xcafebabe',
      c_list: '{a,"b c"}',
      c_set: '{1,2}',
      c_map: '{"k":7,"l":-1}',
      c_udt: '{"street":"Main \\"St\\"","city":"Zürich","zip":8001}',
      c_tuple: '{"field1":5,"field2":"five"}',
    };
    for (const [col, want] of Object.entries(expected)) assert.equal(row[col], want, `column ${col}`);
    assert.equal(row._cdc_expires_at, null, 'no TTL, no expiry');
  });

  it('applies partial updates exactly: unwritten cells untouched, cells set to null or deleted become NULL', async (t) => {
    if (skip) return t.skip(skip);
    const id = ids.partial;
    await cql(`INSERT INTO cdc_demo.all_types (id, c_text, c_int, c_bigint, c_list) VALUES (${id}, 'a', 1, 10, ['x'])`);
    await waitRow('all_types', 'id = $1', [id], (r) => r.c_list === '{x}');

    await cql(`UPDATE cdc_demo.all_types SET c_int = 2 WHERE id = ${id}`);
    let row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_int === '2');
    assert.deepEqual(
      [row.c_text, row.c_bigint, row.c_list],
      ['a', '10', '{x}'],
      'an UPDATE of one column leaves the others',
    );

    await cql(`UPDATE cdc_demo.all_types SET c_text = null WHERE id = ${id}`);
    row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_text === null);
    assert.deepEqual([row.c_int, row.c_bigint, row.c_list], ['2', '10', '{x}']);

    await cql(`DELETE c_bigint FROM cdc_demo.all_types WHERE id = ${id}`);
    row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_bigint === null);
    assert.deepEqual([row.c_text, row.c_int, row.c_list], [null, '2', '{x}']);

    // a CQL INSERT is an upsert of the columns it names: the others keep their values
    await cql(`INSERT INTO cdc_demo.all_types (id, c_boolean) VALUES (${id}, false)`);
    row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_boolean === 'false');
    assert.deepEqual([row.c_text, row.c_int, row.c_bigint, row.c_list], [null, '2', null, '{x}']);

    // a frozen collection is written whole
    await cql(`UPDATE cdc_demo.all_types SET c_list = ['y', 'z'] WHERE id = ${id}`);
    row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_list === '{y,z}');
    assert.equal(row.c_int, '2');

    // an INSERT of the primary key alone creates the row with every other column NULL
    await cql(`INSERT INTO cdc_demo.all_types (id) VALUES (${ids.keyOnly + 10})`);
    row = await waitRow('all_types', 'id = $1', [ids.keyOnly + 10], () => true);
    assert.deepEqual([row.c_text, row.c_int], [null, null]);
  });

  it('propagates row deletes, partition deletes and range deletes', async (t) => {
    if (skip) return t.skip(skip);
    const c = ids.customer;
    await cql(`INSERT INTO cdc_demo.all_types (id, c_text) VALUES (${ids.del}, 'doomed')`);
    for (let o = 1; o <= 6; o++)
      await cql(`INSERT INTO cdc_demo.orders (customer_id, order_id, item, qty) VALUES (${c}, ${o}, 'i${o}', ${o})`);
    await cql(`INSERT INTO cdc_demo.orders (customer_id, order_id, item) VALUES (${c + 1}, 1, 'other')`);
    await waitRow('all_types', 'id = $1', [ids.del], (r) => r.c_text === 'doomed');
    await eventually(
      async () =>
        (await sql('target', 'SELECT 1 FROM cdc_demo.orders WHERE customer_id = ANY($1)', [[c, c + 1]])).length === 7,
      DEADLINE,
    );

    await cql(`DELETE FROM cdc_demo.all_types WHERE id = ${ids.del}`);
    await waitGone('all_types', 'id = $1', [ids.del]);

    await cql(`DELETE FROM cdc_demo.orders WHERE customer_id = ${c} AND order_id = 6`); // one row
    await cql(`DELETE FROM cdc_demo.orders WHERE customer_id = ${c} AND order_id >= 2 AND order_id < 4`); // a range
    const left = await eventually(async () => {
      const rows = await sql<{order_id: number}>(
        'target',
        'SELECT order_id FROM cdc_demo.orders WHERE customer_id = $1 ORDER BY 1',
        [c],
      );
      const got = rows.map((r) => r.order_id);
      return got.join() === '1,4,5' ? got : undefined;
    }, DEADLINE);
    assert.deepEqual(left, [1, 4, 5]);

    await cql(`DELETE FROM cdc_demo.orders WHERE customer_id = ${c}`); // the whole partition
    await eventually(
      async () => (await sql('target', 'SELECT 1 FROM cdc_demo.orders WHERE customer_id = $1', [c])).length === 0,
      DEADLINE,
    );
    const other = await sql<{item: string}>('target', 'SELECT item FROM cdc_demo.orders WHERE customer_id = $1', [
      c + 1,
    ]);
    assert.deepEqual(other, [{item: 'other'}], 'the neighbouring partition is untouched');
    await cql(`DELETE FROM cdc_demo.orders WHERE customer_id = ${c + 1}`);
    await eventually(
      async () => (await sql('target', 'SELECT 1 FROM cdc_demo.orders WHERE customer_id = $1', [c + 1])).length === 0,
      DEADLINE,
    );
  });

  it('carries a TTL as _cdc_expires_at; cdc_demo.expire_ttl() removes the row once Cassandra has expired it', async (t) => {
    if (skip) return t.skip(skip);
    const id = ids.ttl;
    const before = Date.now();
    await cql(`INSERT INTO cdc_demo.all_types (id, c_text, c_int) VALUES (${id}, 'short-lived', 1) USING TTL 4`);
    const row = await waitRow('all_types', 'id = $1', [id], (r) => r.c_text === 'short-lived');
    assert.ok(row._cdc_expires_at, 'the expiry is carried');
    const expires = Date.parse(`${row._cdc_expires_at?.replace(' ', 'T')}Z`);
    assert.ok(
      expires >= before + 3000 && expires <= Date.now() + 5000,
      `expiry ${row._cdc_expires_at} is about 4 s ahead`,
    );

    await eventually(
      async () => (await cass.execute(`SELECT id FROM cdc_demo.all_types WHERE id = ${id}`)).rowLength === 0,
      20_000,
      500,
    );
    // Cassandra wrote nothing on expiry: the row is still in PostgreSQL until the expiry job runs
    assert.ok(await pgRow('all_types', 'id = $1', [id]));
    const [removed] = await sql<{expire_ttl: string}>('target', 'SELECT cdc_demo.expire_ttl()');
    assert.ok(Number(removed?.expire_ttl) >= 1);
    assert.equal(await pgRow('all_types', 'id = $1', [id]), undefined);

    // an INSERT without TTL makes a row permanent again
    await cql(`INSERT INTO cdc_demo.all_types (id, c_text) VALUES (${id}, 'ttl then not') USING TTL 3600`);
    await waitRow('all_types', 'id = $1', [id], (r) => r.c_text === 'ttl then not' && r._cdc_expires_at !== null);
    await cql(`INSERT INTO cdc_demo.all_types (id, c_text) VALUES (${id}, 'permanent')`);
    await waitRow('all_types', 'id = $1', [id], (r) => r.c_text === 'permanent' && r._cdc_expires_at === null);
  });

  it('catches up after the sink was paused', async (t) => {
    if (skip) return t.skip(skip);
    const pause = await runCli(['connectors', 'pause', SINK, '--yes', '--wait'], {env});
    assert.equal(pause.code, 0, pause.stderr);
    try {
      for (const id of caughtUp)
        await cql(`INSERT INTO cdc_demo.all_types (id, c_text, c_int) VALUES (${id}, 'while paused', ${id})`);
      await cql(`UPDATE cdc_demo.all_types SET c_text = 'updated while paused' WHERE id = ${caughtUp[0]}`);
      await cql(`DELETE FROM cdc_demo.all_types WHERE id = ${caughtUp[1]}`);
      // Debezium Server has these in Kafka within a few seconds; the paused sink must not have written them
      await new Promise((r) => setTimeout(r, 5000));
      const during = await sql('target', 'SELECT id FROM cdc_demo.all_types WHERE id = ANY($1)', [caughtUp]);
      assert.equal(during.length, 0, 'nothing written while paused');
    } finally {
      const resume = await runCli(['connectors', 'resume', SINK, '--yes', '--wait'], {env});
      assert.equal(resume.code, 0, resume.stderr);
    }
    await eventually(
      async () => {
        const rows = await sql<{id: number; c_text: string}>(
          'target',
          'SELECT id, c_text FROM cdc_demo.all_types WHERE id = ANY($1)',
          [caughtUp],
        );
        return rows.length === caughtUp.length - 1 && rows.some((r) => r.c_text === 'updated while paused')
          ? rows
          : undefined;
      },
      DEADLINE,
      500,
    );
    assert.equal(
      await pgRow('all_types', 'id = $1', [caughtUp[1]]),
      undefined,
      'the delete made while paused applied too',
    );
  });
});
