import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {stripVTControlCharacters} from 'node:util';
import {cassandraChangeText, eventLine} from '../../src/output/events.js';
import {cassandraChange} from '../../src/services/events/cassandra.js';
import {toChangeEventSync} from '../../src/services/events/stream.js';

/** Events as the Debezium Server 3.6.1 Cassandra 5 connector wrote them on the local stack (JSON, schemas on). */
const source = (pos: number, snapshot = 'false') => ({
  version: '3.6.1.Final',
  connector: 'cassandra',
  name: 'cassandra',
  ts_ms: 1796611575189,
  snapshot,
  db: 'NULL',
  sequence: null,
  ts_us: 1796611575189000,
  ts_ns: 1796611575189000000,
  cluster: 'cdcctl',
  file: 'CommitLog-7-1796611157126.log',
  pos,
  keyspace: 'cdc_demo',
  table: 'orders',
});
const cell = (value: unknown, deletion_ts: number | null = null) => ({value, deletion_ts, set: true});
const wrap = (payload: unknown) => Buffer.from(JSON.stringify({schema: {type: 'struct'}, payload}));
const message = (key: unknown, value: unknown) => ({
  topic: 'cassandra.cdc_demo.orders',
  partition: 0,
  offset: '7',
  timestamp: '1796611577074',
  key: wrap(key),
  value: wrap(value),
  headers: [] as Array<{key: string; value: Buffer | null}>,
});

const insert = {
  ts_ms: 1796611577074,
  op: 'c',
  source: source(93081),
  after: {
    customer_id: cell(1),
    order_id: cell(1),
    item: cell('apple'),
    note: cell('first', 1796615175000000),
    qty: cell(3),
    _range_start: null,
    _range_end: null,
  },
};
const update = {
  ts_ms: 1796611577075,
  op: 'u',
  source: source(93144),
  after: {
    customer_id: cell(1),
    order_id: cell(1),
    item: null,
    note: cell(null),
    qty: cell(5),
    _range_start: null,
    _range_end: null,
  },
};
const partitionDelete = {
  ts_ms: 1796611600460,
  op: 'd',
  source: source(94114),
  after: {
    customer_id: cell(1),
    order_id: cell(null, 1796611600214000),
    item: cell(null, 1796611600214000),
    note: cell(null, 1796611600214000),
    qty: cell(null, 1796611600214000),
    _range_start: null,
    _range_end: null,
  },
};

describe('Cassandra connector events', () => {
  it('names the table keyspace.table (the source db is the string "NULL") and keeps the commit-log position', () => {
    const ev = toChangeEventSync(message({customer_id: 1, order_id: 1}, insert));
    assert.ok(ev);
    assert.equal(ev.table, 'cdc_demo.orders');
    assert.equal(ev.op, 'c');
    assert.deepEqual(ev.key, {customer_id: 1, order_id: 1});
    assert.equal(ev.cassandra?.file, 'CommitLog-7-1796611157126.log');
    assert.equal(ev.cassandra?.pos, 93081);
    assert.equal(ev.cassandra?.snapshot, false);
    assert.equal(ev.cassandra?.cluster, 'cdcctl');
  });

  it('reads an insert as set cells, a TTL as the expiry time', () => {
    const c = cassandraChange(insert.source, insert.after, 'c');
    assert.deepEqual(
      c.cells.map((x) => [x.column, x.state, x.value]),
      [
        ['customer_id', 'set', 1],
        ['order_id', 'set', 1],
        ['item', 'set', 'apple'],
        ['note', 'set', 'first'],
        ['qty', 'set', 3],
      ],
    );
    assert.equal(c.cells.find((x) => x.column === 'note')?.expiresAt, '2026-12-07T03:46:15.000Z');
    assert.equal(c.range, undefined);
  });

  it('tells an update’s untouched cells (unset) from a cell written to null', () => {
    const c = cassandraChange(update.source, update.after, 'u');
    assert.deepEqual(Object.fromEntries(c.cells.map((x) => [x.column, x.state])), {
      customer_id: 'set',
      order_id: 'set',
      item: 'unset',
      note: 'null',
      qty: 'set',
    });
    assert.equal(
      cassandraChange(update.source, {item: {value: null, deletion_ts: null, set: false}}, 'u').cells[0]?.state,
      'unset',
    );
  });

  it('reads a delete as deleted cells with the tombstone time', () => {
    const c = cassandraChange(partitionDelete.source, partitionDelete.after, 'd');
    const qty = c.cells.find((x) => x.column === 'qty');
    assert.equal(qty?.state, 'deleted');
    assert.equal(qty?.deletedAt, '2026-12-07T02:46:40.214Z');
  });

  it('maps the connector’s own op codes when EnvelopeTransformation is not used: i → c, r → t', () => {
    const ev = toChangeEventSync(message({customer_id: 1, order_id: 1}, {...insert, op: 'i'}));
    assert.equal(ev?.op, 'c');
    const range = {
      ...partitionDelete,
      op: 'r',
      after: {
        customer_id: cell(1),
        _range_start: {method: 'INCLUSIVE', values: [{name: 'order_id', value: '2', type: 'int'}]},
        _range_end: {method: 'EXCLUSIVE', values: [{name: 'order_id', value: '9', type: 'int'}]},
      },
    };
    const t = toChangeEventSync(message({customer_id: 1, order_id: null}, range));
    assert.equal(t?.op, 't');
    assert.ok(t);
    assert.match(
      stripVTControlCharacters(eventLine(t, 400)),
      / RANGE {2}cdc_demo\.orders .* range INCLUSIVE\(order_id=2\) … EXCLUSIVE\(order_id=9\)/,
    );
    assert.deepEqual(t?.cassandra?.range?.start, {
      method: 'INCLUSIVE',
      values: [{name: 'order_id', value: '2', type: 'int'}],
    });
  });

  it('renders one readable line: set cells, NULLs, TTLs, unset columns, deletes and ranges', () => {
    const line = (key: unknown, value: unknown) => {
      const ev = toChangeEventSync(message(key, value));
      assert.ok(ev);
      return stripVTControlCharacters(cassandraChangeText(ev));
    };
    assert.equal(
      line({customer_id: 1, order_id: 1}, insert),
      'customer_id=1 order_id=1 item="apple" note="first" [ttl → 2026-12-07T03:46:15.000Z] qty=3',
    );
    assert.equal(line({customer_id: 1, order_id: 1}, update), 'customer_id=1 order_id=1 note=NULL qty=5 unset: item');
    assert.equal(line({customer_id: 1, order_id: null}, partitionDelete), 'deleted at 2026-12-07T02:46:40.214Z');
    assert.match(line({customer_id: 1, order_id: 1}, {...insert, source: source(0, 'true')}), /\(snapshot\)$/);
  });

  it('leaves other connectors’ events alone', () => {
    const pg = {op: 'c', source: {connector: 'postgresql', db: 'inv', schema: 'public', table: 't'}, after: {id: 1}};
    const ev = toChangeEventSync(message({id: 1}, pg));
    assert.equal(ev?.table, 'inv.public.t');
    assert.equal(ev?.cassandra, undefined);
  });
});
