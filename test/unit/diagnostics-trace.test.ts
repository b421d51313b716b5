import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {
  differences,
  type Journey,
  parseKey,
  sameKey,
  serializeKey,
  targetTable,
  traceIdOf,
  verdict,
} from '../../src/services/diagnostics/journey.js';
import {murmur2, partitionForKey} from '../../src/util/murmur2.js';

describe('murmur2 partitioner', () => {
  it("matches Kafka's own test vectors (UtilsTest.testMurmur2)", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, hash] of cases) assert.equal(murmur2(Buffer.from(text)), hash, text);
  });

  it("chooses the partition kafkajs's Java-compatible partitioner chooses, for random keys and counts", () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (let i = 0; i < 500; i++) {
      const key = randomBytes(1 + (i % 40));
      const n = 1 + (i % 13);
      const partitionMetadata = Array.from({length: n}, (_, p) => ({
        partitionId: p,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      assert.equal(partitionForKey(key, n), partitioner({topic: 't', partitionMetadata, message: {key, value: null}}));
    }
  });
});

describe('trace helpers', () => {
  it('reads the trace id of a W3C traceparent header, and nothing from a malformed or all-zero one', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.equal(traceIdOf(Buffer.from(`00-${id}-00f067aa0ba902b7-01`)), id);
    assert.equal(traceIdOf(Buffer.from(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)), undefined);
    assert.equal(traceIdOf(Buffer.from(`00-${id.toUpperCase()}-00f067aa0ba902b7-01`)), undefined);
    assert.equal(traceIdOf(Buffer.from(`00-${id}`)), undefined);
    assert.equal(traceIdOf(null), undefined);
    assert.equal(traceIdOf(undefined), undefined);
  });

  it('parses plain, positional and named keys', () => {
    assert.deepEqual(parseKey('7', ['id']), {id: '7'});
    assert.deepEqual(parseKey('1,2', ['a', 'b']), {a: '1', b: '2'});
    assert.deepEqual(parseKey('b=2,a=x=y', ['a', 'b']), {a: 'x=y', b: '2'});
    assert.throws(() => parseKey('1', ['a', 'b']), /give 2 value/);
    assert.throws(() => parseKey('a=1', ['a', 'b']), /lacks b/);
  });

  it('serializes a key like the JsonConverter sample it is given: schema block and field order kept, compact', () => {
    const sample = Buffer.from(
      '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"b"},{"type":"string","optional":false,"field":"a"}],"optional":false,"name":"k"},"payload":{"b":9,"a":"z"}}',
    );
    const bytes = serializeKey({a: 'q', b: '3'}, {a: 'text', b: 'integer'}, sample);
    assert.equal(
      bytes.toString(),
      '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"b"},{"type":"string","optional":false,"field":"a"}],"optional":false,"name":"k"},"payload":{"b":3,"a":"q"}}',
    );
    assert.equal(serializeKey({id: '5'}, {id: 'int'}).toString(), '{"id":5}');
    assert.ok(sameKey(Buffer.from('{"id":5}'), Buffer.from('x'), {id: '5'}));
    assert.ok(sameKey(Buffer.from('{"schema":{},"payload":{"id":5}}'), Buffer.from('x'), {id: '5'}));
    assert.ok(!sameKey(Buffer.from('{"id":6}'), Buffer.from('x'), {id: '5'}));
  });

  it('finds the target table through RegexRouter and collection.name.format', () => {
    const cfg = {
      transforms: 'cells,route',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': 'cassandra\\.cdc_demo\\.(.*)',
      'transforms.route.replacement': '$1',
      'collection.name.format': 'cdc_demo.${topic}',
    };
    assert.equal(targetTable(cfg, 'cassandra.cdc_demo.orders', 'cdc_demo', 'orders'), 'cdc_demo.orders');
    assert.equal(
      targetTable({'collection.name.format': '${source.table}'}, 'inventory.public.customers', 'public', 'customers'),
      'customers',
    );
  });

  it('compares the last event with the target row as text', () => {
    assert.deepEqual(differences({id: 1, name: 'a', qty: 2}, {id: 1, name: 'a', qty: 3}), ['qty']);
    assert.deepEqual(differences({id: 1, extra: 'x'}, {id: 1}), []);
  });

  const base: Journey = {
    table: 's.t',
    key: {id: '1'},
    source: {kind: 'postgres', found: true},
    kafka: {
      topic: 'p.s.t',
      partitions: 1,
      partition: 0,
      keyBytes: '{}',
      from: '0',
      to: '5',
      since: 'x',
      events: [{offset: '4', timestamp: '1', op: 'c', after: {id: 1}}],
    },
    sink: {connector: 'snk', state: 'RUNNING', group: 'connect-snk', committed: '5', consumed: true},
    target: {table: 's.t', found: true, row: {id: 1}, differs: []},
    verdict: {state: 'not found', reason: ''},
  };
  it('verdicts: in sync, in flight, stuck at the sink, dead-lettered, deleted, missing at the target', () => {
    assert.equal(verdict(base).state, 'in sync');
    const lagging = {...base, sink: {...base.sink!, committed: '3', consumed: false}};
    assert.equal(verdict(lagging).state, 'in flight');
    const paused = {...lagging, sink: {...lagging.sink, state: 'PAUSED'}};
    assert.deepEqual([verdict(paused).state, verdict(paused).hop], ['in flight', 'kafka → target']);
    const failed = {...lagging, sink: {...lagging.sink, state: 'FAILED', cause: 'PSQLException: boom'}};
    assert.deepEqual(
      [verdict(failed).state, verdict(failed).reason],
      ['stuck', 'sink snk is FAILED: PSQLException: boom'],
    );
    const dead = {...lagging, dlq: {topic: 'dlq', records: [{offset: '0', timestamp: '1', error: 'boom'}]}};
    assert.match(verdict(dead).reason, /dead-lettered to dlq@0: boom/);
    const deleted = {
      ...base,
      kafka: {...base.kafka!, events: [{offset: '4', timestamp: '1', op: 'd'}]},
      target: {table: 's.t', found: false},
    };
    assert.equal(verdict(deleted).reason, 'deleted at both ends');
    const filtered = {...base, target: {table: 's.t', found: false}};
    assert.match(verdict(filtered).reason, /filtered by an SMT/);
    const none = {...base, kafka: {...base.kafka!, events: []}};
    assert.equal(verdict(none).hop, 'source → kafka');
  });
});
