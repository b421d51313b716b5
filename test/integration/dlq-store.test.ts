import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import pg from 'pg';
import {
  claimBatch,
  confirmBatch,
  discardDlq,
  getDlq,
  insertDlqRecords,
  listDlq,
  purgeDlq,
} from '../../src/store/dlq-records.js';
import type {Store} from '../../src/store/index.js';
import {migrate} from '../../src/store/migrate.js';
import {migrations} from '../../src/store/migrations/index.js';
import {qualified} from '../../src/store/sql.js';
import {PG, requireStack} from './stack.js';

/**
 * The dlq store tables on the real PostgreSQL: migration 403 moves the bytes of records stored
 * before it (key, value, headers, message, trace) to _cdc_dlq_payloads, keeping them byte for byte,
 * and the store functions read them back joined.
 */

const schema = `cdc_ops_dlqstore_${process.pid}`;
let skip: string | undefined;
let pool: pg.Pool;
let store: Store;

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('dlq store tables (real PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    pool = new pg.Pool({...PG, database: 'target', max: 4});
    store = {
      pool,
      schema,
      target: {} as Store['target'],
      table: (name) => qualified(schema, name),
      close: () => pool.end(),
    };
  });
  after(async () => {
    if (skip) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('403 moves the bytes of existing records to the payloads table, intact', async (t) => {
    if (skip) return t.skip(skip);
    await migrate(
      pool,
      schema,
      migrations.filter((m) => m.version <= 402),
    );
    // Two records in the layout before 403: one with Connect's context and an earlier replay mark.
    const headers = [
      {k: 'trace-id', v: b64('t-1')},
      {k: '__connect.errors.topic', v: b64('orders')},
      {k: 'cdcctl.replay.run', v: b64('r-old')},
      {k: 'empty', v: null},
      {k: 'trace-id', v: b64('t-1b')},
    ];
    await pool.query(
      `INSERT INTO ${schema}._cdc_dlq_records (dlq_topic, dlq_partition, dlq_offset, src_topic, connector,
         exception_message, stacktrace, record_key, record_value, headers)
       VALUES ('d', 0, 1, 'orders', 'c', 'boom', 'at x', '\\x6b31', '\\x00ff', $1::jsonb),
              ('d', 0, 2, 'orders', 'c', NULL, NULL, NULL, NULL, '[]')`,
      [JSON.stringify(headers)],
    );
    const applied = await migrate(pool, schema, migrations);
    assert.ok(applied.some((m) => m.version === 403));
    const cols = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_cdc_dlq_records'`,
      [schema],
    );
    assert.ok(!cols.rows.some((r) => ['headers', 'record_key', 'stacktrace'].includes(r.column_name)));

    const [one, two] = await listDlq(store, {}, {limit: 10});
    assert.equal(one?.exceptionMessage, 'boom');
    assert.equal(one?.stacktrace, 'at x');
    assert.deepEqual(one?.key, Buffer.from('k1'));
    assert.deepEqual(one?.value, Buffer.from([0, 255]));
    assert.deepEqual(
      one?.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      [
        ['trace-id', 't-1'],
        ['__connect.errors.topic', 'orders'],
        ['cdcctl.replay.run', 'r-old'],
        ['empty', null],
        ['trace-id', 't-1b'],
      ],
    );
    assert.equal(two?.key, null);
    assert.deepEqual(two?.headers, []);
    assert.deepEqual((await getDlq(store, one?.id as string))?.headers, one?.headers);

    // A replay sends the headers without the error context and old marks, in order, repeats kept.
    const claimed = await claimBatch(store, 'r1', {connector: 'c'}, false, 10);
    assert.deepEqual(
      claimed.map((r) => r.id),
      [one?.id, two?.id],
    );
    assert.deepEqual(
      claimed[0]?.headers.map((h) => [h.key, h.value?.toString() ?? null]),
      [
        ['trace-id', 't-1'],
        ['empty', null],
        ['trace-id', 't-1b'],
      ],
    );
    await confirmBatch(
      store,
      'r1',
      claimed.map((r) => r.id),
      {},
    );
    assert.equal((await getDlq(store, two?.id as string))?.status, 'replayed');
    // Applying the migrations again changes nothing.
    assert.deepEqual(await migrate(pool, schema, migrations), []);
  });

  it('keeps every field exact through COPY: escapes, NULLs, non-UTF-8 bytes, unicode', async (t) => {
    if (skip) return t.skip(skip);
    // Every byte value once, and each character COPY's text format escapes or treats specially.
    const awkward = 'tab\there\nnew line\r\\N \\ back\\slash \\. end\\x00 héllo ✓ 𝄞 "quote" \'apos\'';
    const allBytes = Buffer.from(Array.from({length: 256}, (_, i) => i));
    const rec = {
      dlqTopic: `t\tcopy\\${process.pid}`,
      dlqPartition: 3,
      dlqOffset: '9223372036854775806',
      dlqTimestamp: '2026-01-02T03:04:05.678Z',
      srcTopic: awkward,
      srcPartition: null,
      srcOffset: null,
      connector: 'c-copy',
      taskId: null,
      stage: null,
      className: awkward,
      exceptionClass: null,
      exceptionMessage: awkward,
      stacktrace: `${awkward}\n\tat x`,
      key: allBytes,
      value: Buffer.alloc(0),
      headers: [
        {key: 'k\\with\tescapes\n', value: allBytes},
        {key: '__connect.errors.stage', value: null},
        {key: 'empty', value: Buffer.alloc(0)},
      ],
    };
    const keyNull = {...rec, dlqOffset: '0', key: null, value: null, headers: []};
    assert.equal(await insertDlqRecords(store, [rec, keyNull]), 2);
    const rows = await listDlq(store, {connector: 'c-copy'}, {limit: 10});
    const byOffset = new Map(rows.map((r) => [r.dlqOffset, r]));
    const got = byOffset.get('9223372036854775806');
    assert.ok(got);
    const {id: _id, firstSeen: _f, status: _s, replayRun: _r, replayCount: _c, replayedAt: _a, ...fields} = got;
    const {discardReason: _d, discardedAt: _da, ...stored} = fields;
    assert.deepEqual(stored, rec);
    const none = byOffset.get('0');
    assert.deepEqual([none?.key, none?.value, none?.headers], [null, null, []]);
    // What a replay sends: the headers without the Connect error context, bytes intact.
    const claimed = await claimBatch(store, 'r-copy', {connector: 'c-copy'}, false, 10);
    const sent = claimed.find((r) => r.dlqOffset === '9223372036854775806');
    assert.deepEqual(sent?.headers, [rec.headers[0], rec.headers[2]]);
  });

  it('inserts records with their bytes once (repeats in a batch too), and purging removes the bytes', async (t) => {
    if (skip) return t.skip(skip);
    const rec = (offset: string) => ({
      dlqTopic: 'e',
      dlqPartition: 0,
      dlqOffset: offset,
      dlqTimestamp: null,
      srcTopic: 'orders',
      srcPartition: 0,
      srcOffset: offset,
      connector: 'c2',
      taskId: 0,
      stage: 'VALUE_CONVERTER',
      className: null,
      exceptionClass: 'E',
      exceptionMessage: 'm',
      stacktrace: 's',
      key: Buffer.from(offset),
      value: Buffer.from('v'),
      headers: [
        {key: '__connect.errors.stage', value: Buffer.from('VALUE_CONVERTER')},
        {key: 'h', value: Buffer.from(offset)},
      ],
    });
    assert.equal(await insertDlqRecords(store, [rec('1'), rec('2'), rec('1')]), 2);
    assert.equal(await insertDlqRecords(store, [rec('2'), rec('3')]), 1);
    const rows = await listDlq(store, {connector: 'c2'}, {limit: 10});
    assert.deepEqual(
      rows.map((r) => [r.dlqOffset, r.key?.toString(), r.headers.length]),
      [
        ['1', '1', 2],
        ['2', '2', 2],
        ['3', '3', 2],
      ],
    );
    const claimed = await claimBatch(store, 'r2', {connector: 'c2'}, false, 10);
    assert.deepEqual(
      claimed.map((r) => r.headers.map((h) => `${h.key}=${h.value}`)),
      [['h=1'], ['h=2'], ['h=3']],
    );
    await confirmBatch(
      store,
      'r2',
      claimed.map((r) => r.id),
      {},
    );
    await discardDlq(store, {connector: 'c2'}, 'test', 'tester');
    assert.equal((await purgeDlq(store, new Date(Date.now() + 60_000), {connector: 'c2'}, false)).count, 3);
    const left = await pool.query(`SELECT count(*)::int AS n FROM ${schema}._cdc_dlq_payloads WHERE id = ANY($1)`, [
      rows.map((r) => r.id),
    ]);
    assert.equal(left.rows[0].n, 0);
  });
});
