import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {parseShard} from '../../src/commands/reconcile/index.js';
import {
  canonFor,
  cassandraCanHold,
  cqlKeyFromCanon,
  decimalText,
  escapeKeyText,
  floatText,
  inetText,
  jsonbNumber,
  keyCanonFor,
  NULL_MARK,
  pgCanonExpr,
  pgKeyCanonExpr,
  pgParamFromCql,
  SEP,
  splitKey,
  T,
} from '../../src/services/reconcile/canonical.js';
import {tokenSplits} from '../../src/services/reconcile/cassandra-side.js';
import {autoBuckets, autoFetchSize, shardRange} from '../../src/services/reconcile/engine.js';
import {rowHasher, shardOfBucket} from '../../src/services/reconcile/hash.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';

const {types} = driver;

/**
 * Golden canonical forms on the JS side. The same strings are produced by PostgreSQL's expressions
 * in test/integration/reconcile-golden.test.ts: a change on either side breaks one of the two.
 */
describe('reconcile canonical forms (JS side)', () => {
  const cases: Array<[string, number, unknown, string, unknown?]> = [
    ['text', T.text, 'héllo\tworld', 'héllo\tworld'],
    ['ascii', T.ascii, 'abc', 'abc'],
    ['varchar empty', T.varchar, '', ''],
    ['boolean true', T.boolean, true, 't'],
    ['boolean false', T.boolean, false, 'f'],
    ['int', T.int, -2147483648, '-2147483648'],
    ['smallint', T.smallint, 32767, '32767'],
    ['tinyint', T.tinyint, -128, '-128'],
    ['bigint', T.bigint, types.Long.fromString('-9223372036854775808'), '-9223372036854775808'],
    ['varint', T.varint, types.Integer.fromString('123456789012345678901234567890'), '123456789012345678901234567890'],
    ['decimal 1.50', T.decimal, types.BigDecimal.fromString('1.50'), '1.5'],
    ['decimal 0.00', T.decimal, types.BigDecimal.fromString('0.00'), '0'],
    ['decimal -0.001', T.decimal, types.BigDecimal.fromString('-0.001'), '-0.001'],
    ['decimal 1E+3', T.decimal, new types.BigDecimal(1, -3), '1000'],
    ['decimal big', T.decimal, types.BigDecimal.fromString('12345678901234567890.123400'), '12345678901234567890.1234'],
    ['double', T.double, 0.1, '0.1'],
    ['double 1e15', T.double, 1e15, '1e+15'],
    ['double 123456789012345', T.double, 123456789012345, '123456789012345'],
    ['double 1e-5', T.double, 0.00001, '1e-05'],
    ['double 1e-4', T.double, 0.0001, '0.0001'],
    ['double -0', T.double, -0, '-0'],
    ['double NaN', T.double, Number.NaN, 'NaN'],
    ['double -Infinity', T.double, Number.NEGATIVE_INFINITY, '-Infinity'],
    ['double 1.5e300', T.double, 1.5e300, '1.5e+300'],
    ['float 1.1', T.float, Math.fround(1.1), '1.1'],
    ['float 1e6', T.float, 1e6, '1e+06'],
    ['float 123456', T.float, 123456, '123456'],
    ['float 1234567', T.float, 1234567, '1.234567e+06'],
    ['float max', T.float, 3.4028234663852886e38, '3.4028235e+38'],
    [
      'uuid',
      T.uuid,
      types.Uuid.fromString('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ],
    [
      'timeuuid',
      T.timeuuid,
      types.TimeUuid.fromString('50554d6e-29bb-11e5-b345-feff819cdc9f'),
      '50554d6e-29bb-11e5-b345-feff819cdc9f',
    ],
    ['timestamp', T.timestamp, new Date('2020-01-01T00:00:05.678Z'), '1577836805678'],
    ['timestamp before 1970', T.timestamp, new Date('1969-12-31T23:59:59.999Z'), '-1'],
    ['date', T.date, types.LocalDate.fromString('2024-02-29'), '2024-02-29'],
    ['date year 1', T.date, types.LocalDate.fromString('0001-01-01'), '0001-01-01'],
    ['time', T.time, types.LocalTime.fromString('01:02:03.123456789'), '3723123456'],
    ['blob', T.blob, Buffer.from([0, 255, 16]), '00ff10'],
    ['inet v4', T.inet, types.InetAddress.fromString('10.1.2.3'), '10.1.2.3'],
    ['inet v6', T.inet, types.InetAddress.fromString('::1'), '::1'],
    ['list<int>', T.list, [3, 1, 2], '[3, 1, 2]', {code: T.int}],
    ['set<text> sorted by bytes', T.set, ['b', 'a', 'B', 'é'], '["B", "a", "b", "é"]', {code: T.text}],
    ['set<int> as JSON text', T.set, [10, 9], '[10, 9]', {code: T.int}],
    ['empty list = null', T.list, [], NULL_MARK, {code: T.int}],
    ['null', T.text, null, NULL_MARK],
  ];
  for (const [name, code, value, expected, info] of cases) {
    it(name, () => assert.equal(canonFor({code, info})(value), expected));
  }

  it('map keys in jsonb order: shorter first, then bytewise', () => {
    const t = {code: T.map, info: [{code: T.text}, {code: T.int}]};
    assert.equal(
      canonFor(t)(
        new Map([
          ['aa', 2],
          ['b', 1],
          ['ab', 3],
        ]),
      ),
      '{"b": 1, "aa": 2, "ab": 3}',
    );
  });

  it('tuple and UDT', () => {
    const tuple = {code: T.tuple, info: [{code: T.text}, {code: T.boolean}]};
    assert.equal(canonFor(tuple)(new types.Tuple('x', true)), '["x", true]');
    const udt = {
      code: T.udt,
      info: {
        name: 'addr',
        fields: [
          {name: 'street', type: {code: T.text}},
          {name: 'no', type: {code: T.int}},
        ],
      },
    };
    assert.equal(canonFor(udt)({street: 'Main', no: 5}), '{"no": 5, "street": "Main"}');
  });

  it('decimalText and floatText edge cases', () => {
    assert.equal(decimalText('-000', 2), '0');
    assert.equal(decimalText('5', 3), '0.005');
    assert.equal(decimalText('120', -2), '12000');
    assert.equal(floatText(100, false), '100');
    assert.equal(floatText(1.7976931348623157e308, false), '1.7976931348623157e+308');
    assert.equal(floatText(5e-324, false), '5e-324');
    assert.equal(decimalText('-150', 2), '-1.5');
    assert.equal(decimalText('7', 0), '7');
  });

  it('numbers in collections as jsonb prints them: plain digits, no exponent, no negative zero', () => {
    assert.equal(jsonbNumber('1e-07'), '0.0000001');
    assert.equal(jsonbNumber('-2.5e-05'), '-0.000025');
    assert.equal(jsonbNumber('1.5e+21'), '1500000000000000000000');
    assert.equal(jsonbNumber('-1.25e+2'), '-125');
    assert.equal(jsonbNumber('-0'), '0');
    assert.equal(jsonbNumber('0.12345678901234567891'), '0.12345678901234567891');
    assert.equal(canonFor({code: T.list, info: {code: T.double}})([1e-7, 1e21]), '[0.0000001, 1000000000000000000000]');
  });

  it('double text: the String() fast path prints what the exponent-based formatting prints', () => {
    // reference: PostgreSQL's rule applied to the shortest digits (plain when -4 ≤ exponent < 15)
    const reference = (v: number) => {
      const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(v.toExponential()) as RegExpExecArray;
      const digits = ((m[2] as string) + (m[3] ?? '')).replace(/0+$/, '') || '0';
      const exp = Number(m[4]);
      if (exp < 0) return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
      if (digits.length <= exp + 1) return (m[1] as string) + digits + '0'.repeat(exp + 1 - digits.length);
      return `${m[1]}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    };
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20_000; i++) {
      const v = (rnd() < 0.5 ? -1 : 1) * 10 ** (rnd() * 19 - 4) * (1 + rnd());
      const a = Math.abs(v);
      if (a < 1e-4 || a >= 1e15) continue;
      assert.equal(floatText(v, false), reference(v), String(v));
    }
    for (const v of [1e-4, 0.1, 1, 123456789012345.6, 999999999999999.9])
      assert.equal(floatText(v, false), reference(v));
  });

  it('decimal canonical form from the driver value (safe-integer fast path and the general one)', () => {
    const dec = canonFor({code: T.decimal});
    const bd = (unscaled: string, scale: number) => ({
      _intVal: {toNumber: () => Number(unscaled), toString: () => unscaled},
      _scale: scale,
    });
    assert.equal(dec(bd('150', 2)), '1.5');
    assert.equal(dec(bd('-5', 3)), '-0.005');
    assert.equal(dec(bd('0', 4)), '0');
    assert.equal(dec(bd('12', -2)), '1200');
    assert.equal(dec(bd('1234567890123456789012', 4)), '123456789012345678.9012');
  });

  it('repair writes a time cut to µs like its canonical form (PostgreSQL would round it), or its nanoseconds', () => {
    const time = (text: string) => driver.types.LocalTime.fromString(text);
    const t = {code: T.time};
    assert.equal(pgParamFromCql(time('12:00:00.123456789'), t, {type: 'time without time zone'}), '12:00:00.123456');
    assert.equal(pgParamFromCql(time('23:59:59.999999999'), t, {type: 'time without time zone'}), '23:59:59.999999');
    assert.equal(pgParamFromCql(time('00:00:01'), t, {type: 'time without time zone'}), '00:00:01.000000');
    assert.equal(pgParamFromCql(time('00:00:01.000000007'), t, {type: 'bigint'}), '1000000007');
  });

  it('key texts parse back into driver values', () => {
    assert.equal(
      String(cqlKeyFromCanon('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', {code: T.uuid}, types)),
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
    assert.equal((cqlKeyFromCanon('1577836805678', {code: T.timestamp}, types) as Date).getTime(), 1577836805678);
    const time = cqlKeyFromCanon('3723123456', {code: T.time}, types);
    assert.equal(canonFor({code: T.time})(time), '3723123456');
    assert.equal(canonFor({code: T.bigint})(cqlKeyFromCanon('-42', {code: T.bigint}, types)), '-42');
    // inet: PostgreSQL's IPv4-compatible form (::a.b.c.d), which the driver's parser refuses
    for (const ip of ['::1.2.3.4', '::1', '10.0.0.1', '2001:db8::ff00:42:8329'])
      assert.equal(canonFor({code: T.inet})(cqlKeyFromCanon(ip, {code: T.inet}, types)), ip);
  });

  it('pairs that cannot match exactly are lossy, not drift', () => {
    assert.equal(pgCanonExpr('"c"', {code: T.decimal}, {type: 'double precision'}), undefined);
    assert.equal(pgCanonExpr('"c"', {code: T.text}, {type: 'text'}, 'lossy'), undefined);
    assert.equal(pgCanonExpr('"c"', {code: T.timestamp}, {type: 'bigint'}, 'epoch-ms'), '"c"::bigint::text');
  });
});

describe('reconcile canonical forms that once differed between the sides', () => {
  it('float32 digits as PostgreSQL prints them: ties to even, interval bounds excluded, small integers whole', () => {
    // PostgreSQL 15's float4out (extra_float_digits = 1) for each value
    const pg: Array<[number, string]> = [
      [224.453125, '224.45312'],
      [24.2890625, '24.289062'],
      [-177.140625, '-177.14062'],
      [53669888, '5.3669888e+07'],
      [239828992, '2.3982899e+08'],
      [16777215, '1.6777215e+07'],
      [1.1, '1.1'],
      [0.1, '0.1'],
      [1234567, '1.234567e+06'],
      [3.4028234663852886e38, '3.4028235e+38'],
      [1.401298464324817e-45, '1e-45'],
      [1.1754943508222875e-38, '1.1754944e-38'],
    ];
    for (const [v, text] of pg) assert.equal(floatText(v, true), text, String(v));
    // every text round-trips to its float32, and has at most 9 significant digits
    const view = new DataView(new ArrayBuffer(4));
    let seed = 3;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      view.setUint32(0, seed);
      const f = view.getFloat32(0);
      if (!Number.isFinite(f)) continue;
      const text = floatText(f, true);
      assert.equal(Math.fround(Number(text)), f, text);
      assert.ok(text.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length <= 9, text);
    }
  });

  it('inet as PostgreSQL host() prints it, from 4 or 16 bytes, and back to the same bytes', () => {
    const ip = (hex: string) => ({buffer: Buffer.from(hex.replace(/:/g, ''), 'hex')});
    const pg: Array<[string, string]> = [
      ['0000:0000:0000:0000:0000:ffff:0102:0304', '::ffff:1.2.3.4'],
      ['0000:0000:0000:0000:0000:ffff:0000:0000', '::ffff:0.0.0.0'],
      ['0000:0000:0000:0000:0000:0000:0102:0304', '::1.2.3.4'],
      ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
      ['0000:0000:0000:0000:0000:0000:0000:0002', '::2'],
      ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
      ['0001:0000:0000:0002:0003:0004:0000:0000', '1::2:3:4:0:0'],
      ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'],
      ['0000:0000:0000:0000:ffff:0000:0102:0304', '::ffff:0:102:304'],
      ['0a000001', '10.0.0.1'],
    ];
    for (const [hex, text] of pg) {
      assert.equal(inetText(ip(hex)), text, hex);
      assert.equal(canonFor({code: T.inet})(new types.InetAddress(ip(hex).buffer)), text);
      const back = cqlKeyFromCanon(text, {code: T.inet}, types) as {buffer: Buffer};
      assert.equal(back.buffer.toString('hex'), ip(hex).buffer.toString('hex'), text);
      // repair writes the canonical text, which PostgreSQL reads as these bytes and prints back
      assert.equal(pgParamFromCql(new types.InetAddress(ip(hex).buffer), {code: T.inet}, {type: 'inet'}), text);
    }
  });

  it('text keys: the separator and the backslash escaped, so that every key tuple is one pk_canon and splits back', () => {
    const text = {type: {code: T.text}};
    const alphabet = ['a', '\\', SEP, 'x', '1', 'f', '\x1e', 'é'];
    let seed = 11;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const seen = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const parts = [0, 1].map(() => {
        let s = '';
        for (let n = next() % 6; n > 0; n--) s += alphabet[next() % alphabet.length];
        return s;
      });
      const pk = parts.map(escapeKeyText).join(SEP);
      assert.deepEqual(splitKey(pk, [text, text]), parts);
      const before = seen.get(pk);
      assert.ok(before === undefined || before === JSON.stringify(parts), `${JSON.stringify(parts)} and ${before}`);
      seen.set(pk, JSON.stringify(parts));
    }
    assert.equal(escapeKeyText('a\x1fb'), 'a\\x1fb');
    assert.equal(escapeKeyText('a\\x1fb'), 'a\\\\x1fb'); // a backslash, then x1f: not the separator
    // the scan's key (rowHasher) and a point read's key (keyCanonFor) are the escaped text
    const table = {
      key: [
        {name: 'k', type: {code: T.text}},
        {name: 'n', type: {code: T.int}},
      ],
      compared: [],
    };
    const hasher = rowHasher(table as unknown as ResolvedTable);
    assert.equal(hasher.keyOf({k: `p${SEP}q`, n: 1}), `p\\x1fq${SEP}1`);
    assert.equal(keyCanonFor({code: T.text})(`p${SEP}q`), 'p\\x1fq');
    assert.deepEqual(splitKey(`p\\x1fq${SEP}1`, table.key), [`p${SEP}q`, '1']);
    assert.match(pgKeyCanonExpr('"k"', {code: T.text}, {type: 'text'}) ?? '', /^replace\(replace\("k"::text/);
  });

  it("timestamp keys: PostgreSQL sub-millisecond keys are their own keys, never Cassandra's", () => {
    assert.equal(cassandraCanHold('1709210096789', {code: T.timestamp}), true);
    assert.equal(cassandraCanHold('-1', {code: T.timestamp}), true);
    assert.equal(cassandraCanHold('1709210096789.5', {code: T.timestamp}), false);
    assert.equal(cassandraCanHold('-0.001', {code: T.timestamp}), false);
    assert.equal(cassandraCanHold('1.5', {code: T.decimal}), true);
    assert.match(pgKeyCanonExpr('"ts"', {code: T.timestamp}, {type: 'timestamp with time zone'}) ?? '', /trim_scale/);
    // a value column keeps its millisecond form
    assert.doesNotMatch(
      pgCanonExpr('"ts"', {code: T.timestamp}, {type: 'timestamp with time zone'}) ?? '',
      /trim_scale/,
    );
  });
});

describe('reconcile work splitting', () => {
  it('token splits cover the ring without gaps', () => {
    const s = tokenSplits(7);
    assert.equal(s[0]?.start, (-(2n ** 63n)).toString());
    assert.equal(s.at(-1)?.end, (2n ** 63n - 1n).toString());
    for (let i = 1; i < s.length; i++) assert.equal(s[i]?.start, s[i - 1]?.end);
  });

  it('shards partition the buckets exactly, with the same function both sides use', () => {
    for (const count of [1, 2, 3, 8]) {
      const seen = new Array(1024).fill(0);
      for (let i = 0; i < count; i++) {
        const [from, to] = shardRange(1024, {index: i, count});
        for (let b = from; b < to; b++) {
          seen[b]++;
          assert.equal(shardOfBucket(b, 1024, count), i);
        }
      }
      assert.ok(seen.every((n) => n === 1));
    }
  });

  it('chooses buckets by table size: 65536 up to 2M rows, then a power of two near rows / 32, at most 2^20', () => {
    assert.equal(autoBuckets(0), 65_536);
    assert.equal(autoBuckets(1_000_000), 65_536);
    assert.equal(autoBuckets(2_097_152), 65_536);
    assert.equal(autoBuckets(2_097_153), 131_072);
    assert.equal(autoBuckets(5_000_000), 262_144);
    assert.equal(autoBuckets(1e12), 1_048_576);
  });

  it('chooses the page size by row width: ~2 MiB pages, 50 to 10,000 rows, 2,000 when the width is unknown', () => {
    assert.equal(autoFetchSize(154), 10_000); // the benchmark's 10-column rows
    assert.equal(autoFetchSize(1024), 2048);
    assert.equal(autoFetchSize(100_000), 50); // wide rows: bounded bytes, not a 1 GB page
    assert.equal(autoFetchSize(undefined), 2000); // no statistics yet (never analysed)
    assert.equal(autoFetchSize(Number.NaN), 2000);
  });

  it('parses --shard', () => {
    assert.deepEqual(parseShard('3/8'), {index: 3, count: 8});
    assert.throws(() => parseShard('8/8'), /"8\/8" is not a shard i\/N/);
    assert.throws(() => parseShard('x'), /"x" is not a shard/);
  });
});
