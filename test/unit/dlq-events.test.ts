import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {csvCell, csvHeader, csvLine} from '../../src/output/dlq.js';
import type {ExportRow} from '../../src/services/dlq/browse.js';
import {fromDlqMessage, matchesFilter, topicRow} from '../../src/services/dlq/records.js';
import {replayMessage} from '../../src/services/dlq/replay.js';
import {decodeBytes, decodePlain} from '../../src/services/events/decode.js';
import {compileFilter, parseFilter} from '../../src/services/events/filter.js';
import {eventMatcher, keyMatcher, toChangeEvent} from '../../src/services/events/stream.js';
import {whereOf} from '../../src/store/dlq-records.js';

const ev = {
  op: 'u',
  before: {id: 1, status: 'new', qty: '5'},
  after: {id: 1, status: 'shipped', qty: '12', tags: ['a', 'b'], 'odd name': true},
  source: {table: 'orders', lsn: 42},
  key: {id: 1},
};

describe('filter language', () => {
  const t = (src: string) => compileFilter(src)(ev);
  it('compares paths with literals', () => {
    assert.equal(t('after.status=="shipped"'), true);
    assert.equal(t("after.status == 'new'"), false);
    assert.equal(t('after.status != "new" && op == "u"'), true);
    assert.equal(t('op in ["c", "d"] || source.lsn >= 42'), true);
    assert.equal(t('!(after.qty > 10)'), false);
    assert.equal(t('after.qty > 10 && before.qty < 10'), true, 'numeric strings compare as numbers');
    assert.equal(t('after.id == "1"'), true);
    assert.equal(t('after.tags[1] == "b"'), true);
    assert.equal(t('after["odd name"]'), true);
    assert.equal(t('after.missing == null'), true);
    assert.equal(t('after.status > 3'), false, 'mixed types do not order');
  });
  it('never reaches prototypes or runs code', () => {
    assert.equal(t('after.constructor'), false);
    assert.equal(t('after.__proto__ == null'), true);
    assert.equal(t('after.status.length == 7'), false);
  });
  it('rejects bad input with the column', () => {
    assert.throws(() => parseFilter('after.status = "x"'), /column 14/);
    assert.throws(() => parseFilter('after.status == "x'), /unterminated string/);
    assert.throws(() => parseFilter('op in "c"'), /needs a \[list\]/);
    assert.throws(() => parseFilter('process.exit(1)'), /unexpected "\("/);
    assert.throws(() => parseFilter('('.repeat(100) + '1' + ')'.repeat(100)), /nested too deeply/);
  });
});

describe('decoding', () => {
  it('unwraps JsonConverter envelopes, keeps text and binary apart', () => {
    assert.deepEqual(decodePlain(Buffer.from('{"schema":{"type":"int32"},"payload":7}')), {format: 'json', value: 7});
    assert.deepEqual(decodePlain(Buffer.from('{not json')), {format: 'text', value: '{not json'});
    assert.equal(decodePlain(Buffer.from([0xff, 0x00, 0x01])).format, 'binary');
    assert.deepEqual(decodePlain(null), {format: 'null', value: null});
  });
  it('decodes Confluent-framed Avro and JSON Schema through a schema lookup', async () => {
    const avsc = (await import('avsc')).default;
    const schema = {
      type: 'record',
      name: 'R',
      fields: [
        {name: 'id', type: 'int'},
        {name: 's', type: 'string'},
      ],
    };
    const body = avsc.Type.forSchema(schema as never).toBuffer({id: 3, s: 'x'});
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 9]), body]);
    const lookup = async (id: number) => {
      assert.equal(id, 9);
      return {schema: JSON.stringify(schema)};
    };
    assert.deepEqual(await decodeBytes(framed, lookup), {format: 'avro', value: {id: 3, s: 'x'}, schemaId: 9});
    const js = Buffer.concat([Buffer.from([0, 0, 0, 0, 4]), Buffer.from('{"a":1}')]);
    const jsLookup = async () => ({schema: '{}', schemaType: 'JSON'});
    assert.deepEqual(await decodeBytes(js, jsLookup), {format: 'json-schema', value: {a: 1}, schemaId: 4});
    const noRegistry = await decodeBytes(framed);
    assert.equal(noRegistry.format, 'binary');
    assert.match(noRegistry.note ?? '', /no schemaRegistry/);
  });
});

const dlqMessage = {
  topic: 'dlq',
  partition: 0,
  offset: '7',
  timestamp: '1700000000000',
  key: Buffer.from('k'),
  value: Buffer.from([0xde, 0xad]),
  headers: [
    {key: 'trace', value: Buffer.from([0xff])},
    {key: '__connect.errors.topic', value: Buffer.from('orders')},
    {key: '__connect.errors.partition', value: Buffer.from('2')},
    {key: '__connect.errors.offset', value: Buffer.from('9007199254740993')},
    {key: '__connect.errors.connector.name', value: Buffer.from('sink')},
    {key: '__connect.errors.task.id', value: Buffer.from('0')},
    {key: '__connect.errors.stage', value: Buffer.from('VALUE_CONVERTER')},
    {key: '__connect.errors.exception.class.name', value: Buffer.from('org.apache.kafka.connect.errors.DataException')},
    {key: 'empty', value: null},
  ],
};

describe('dead-letter records', () => {
  it('reads the Connect error headers and keeps bytes as they are', () => {
    const r = fromDlqMessage(dlqMessage);
    assert.equal(r.srcTopic, 'orders');
    assert.equal(r.srcPartition, 2);
    assert.equal(r.srcOffset, '9007199254740993', '64-bit offsets stay exact');
    assert.equal(r.stage, 'VALUE_CONVERTER');
    assert.equal(r.dlqTimestamp, '2023-11-14T22:13:20.000Z');
    assert.deepEqual(r.value, Buffer.from([0xde, 0xad]));
    const row = topicRow(r);
    assert.equal(row.id, '0:7');
    assert.equal(matchesFilter(row, {exception: 'dataexception', stage: 'VALUE_CONVERTER'}), true);
    assert.equal(matchesFilter(row, {connector: 'other'}), false);
  });
  it('replays original key, value and non-error headers, with the replay marks', () => {
    const row = {...topicRow(fromDlqMessage(dlqMessage)), id: '55'};
    const m = replayMessage(row, 'run1', null, new Map([['orders', 3]]));
    assert.equal(m.topic, 'orders');
    assert.equal(m.partition, 2);
    assert.deepEqual(m.value, Buffer.from([0xde, 0xad]));
    assert.deepEqual(
      m.headers.map((h) => h.key),
      ['trace', 'empty', 'cdcctl.replay.run', 'cdcctl.replay.record', 'cdcctl.replay.source'],
    );
    assert.equal(m.headers.find((h) => h.key === 'cdcctl.replay.record')?.value?.toString(), '55');
    const moved = replayMessage(row, 'run1', 'retry', new Map([['retry', 1]]));
    assert.equal(moved.topic, 'retry');
    assert.equal(moved.partition, undefined, 'another topic: the key decides the partition');
    const fewer = replayMessage(row, 'run1', null, new Map([['orders', 1]]));
    assert.equal(fewer.partition, undefined, 'a partition that no longer exists is not forced');
  });
  it('builds WHERE clauses from bound parameters only', () => {
    const w = whereOf({
      connector: "x'; DROP TABLE y; --",
      exception: '50%_off',
      status: ['new'],
      requireSrcTopic: true,
    });
    assert.equal(
      w.sql,
      'connector = $1 AND exception_class ILIKE $2 AND status = ANY($3::text[]) AND src_topic IS NOT NULL',
    );
    assert.deepEqual(w.values, ["x'; DROP TABLE y; --", '%50\\%\\_off%', ['new']]);
  });
  it('writes CSV cells quoted only when needed', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell(null), '');
    assert.equal(csvHeader().split(',').length, csvLine({headers: []} as unknown as ExportRow).split(',').length);
  });
});

describe('change events', () => {
  it('decodes a Debezium envelope and matches key, op and filter', async () => {
    const value = {
      schema: {},
      payload: {
        op: 'u',
        before: {id: 1},
        after: {id: 1, status: 'x'},
        source: {db: 'inv', schema: 'public', table: 't', ts_ms: 5},
        ts_ms: 6,
      },
    };
    const e = await toChangeEvent({
      topic: 'p.public.t',
      partition: 0,
      offset: '3',
      timestamp: '1000',
      key: Buffer.from('{"schema":{},"payload":{"id":1}}'),
      value: Buffer.from(JSON.stringify(value)),
      headers: [],
    });
    assert.ok(e);
    assert.equal(e.op, 'u');
    assert.equal(e.table, 'inv.public.t');
    assert.equal(e.sourceTsMs, 5);
    assert.deepEqual(e.key, {id: 1});
    assert.equal(eventMatcher({ops: ['u'], key: '1', filter: 'after.status == "x"'})(e), true);
    assert.equal(eventMatcher({ops: ['d']})(e), false);
    assert.throws(() => eventMatcher({ops: ['z' as never]}), /unknown op/);
    assert.equal(keyMatcher('{"id":1}')({id: 1}), true);
    assert.equal(keyMatcher('1')({a: 1, b: 2}), false);
    assert.equal(e.keyFormat, 'json');
    assert.equal(e.valueFormat, 'json');
  });
  it('--key matches the key as text, or as JSON in any spacing and key order', () => {
    const compound = {region: 'eu', id: 1001};
    for (const wanted of ['{"region":"eu","id":1001}', '{ "region": "eu", "id": 1001 }', '{"id":1001,"region":"eu"}'])
      assert.equal(keyMatcher(wanted)(compound), true, wanted);
    assert.equal(keyMatcher('{"id": 1001, "region": "us"}')(compound), false);
    assert.equal(keyMatcher('{"id": 1001}')({id: 1001}), true);
    assert.equal(keyMatcher('1001')({id: 1001}), true, "a one-field key's value");
    assert.equal(keyMatcher('order-7')('order-7'), true, 'a text key by its text');
    assert.equal(keyMatcher('"order-7"')('order-7'), true, 'or by its JSON');
    assert.equal(keyMatcher('{not json')('{not json'), true);
    assert.equal(keyMatcher('[1, 2]')([1, 2]), true);
    assert.equal(keyMatcher('1001')(1001), true);
    assert.equal(keyMatcher('null')(null), false, 'no key never matches');
  });
  it('marks how a key and a value are to be read: json, text or base64', async () => {
    const base = {topic: 't', partition: 0, offset: '1', timestamp: '0', headers: []};
    const text = await toChangeEvent({...base, key: Buffer.from('order-7'), value: Buffer.from('plain text')});
    assert.deepEqual(
      [text?.keyFormat, text?.valueFormat, text?.key, text?.after],
      ['text', 'text', 'order-7', 'plain text'],
    );
    const bytes = Buffer.from([0xff, 0x00, 0x01, 0x80]);
    const binary = await toChangeEvent({...base, key: null, value: bytes});
    assert.deepEqual(
      [binary?.keyFormat, binary?.valueFormat, binary?.after],
      [null, 'base64', bytes.toString('base64')],
    );
    const quoted = await toChangeEvent({...base, key: Buffer.from('"x"'), value: Buffer.from('"plain text"')});
    assert.deepEqual([quoted?.keyFormat, quoted?.valueFormat, quoted?.after], ['json', 'json', 'plain text']);
  });
  it('skips tombstones and passes non-Debezium values through as after', async () => {
    const base = {topic: 't', partition: 0, offset: '1', timestamp: '0', key: null, headers: []};
    assert.equal(await toChangeEvent({...base, value: null}), undefined);
    const plain = await toChangeEvent({...base, value: Buffer.from('{"a":1}')});
    assert.equal(plain?.op, null);
    assert.deepEqual(plain?.after, {a: 1});
  });
});
