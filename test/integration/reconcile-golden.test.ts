import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  type CqlType,
  canonFor,
  cassandraCanHold,
  floatBitsCanon,
  floatText,
  hashesFloatBits,
  inetText,
  keyCanonFor,
  NULL_MARK,
  pgCanonExpr,
  pgFloatBitsExpr,
  pgKeyCanonExpr,
  pgKeyFromCanon,
  T,
  type TypeHint,
} from '../../src/services/reconcile/canonical.js';
import {pgHashHex, pgHashHexSql} from '../../src/services/reconcile/pg-hash.js';
import {DATA_SESSION_OPTIONS} from '../../src/services/reconcile/runs.js';
import {requireStack, scratchSides, sql} from './stack.js';

/**
 * Golden test of the canonical forms across both databases: each edge value is written to
 * Cassandra in CQL and to PostgreSQL in SQL, read back through the driver (JS canonicaliser) and
 * through the PostgreSQL canonical expression; both must produce the expected text exactly.
 * One row per Cassandra type that has a PostgreSQL counterpart.
 */
const ks = `golden_${process.pid}`;
/** A role whose defaults print dates as 05/01/2024 and floats with 15 digits, under the engine's settings. */
const SESSION = `-c DateStyle=SQL,DMY -c extra_float_digits=0 ${DATA_SESSION_OPTIONS}`;
type Case = [
  name: string,
  cql: string,
  cqlType: CqlType,
  cqlLiteral: string,
  pgType: string,
  pgLiteral: string,
  expected: string,
];
const L = (code: number): CqlType => ({code});
const cases: Case[] = [
  ['text', 'text', L(T.text), `'héllo wörld'`, 'text', `'héllo wörld'`, 'héllo wörld'],
  ['ascii', 'ascii', L(T.ascii), `'abc'`, 'varchar(10)', `'abc'`, 'abc'],
  ['varchar empty', 'varchar', L(T.varchar), `''`, 'text', `''`, ''],
  ['boolean', 'boolean', L(T.boolean), 'false', 'boolean', 'false', 'f'],
  ['tinyint', 'tinyint', L(T.tinyint), '-128', 'smallint', '-128', '-128'],
  ['smallint', 'smallint', L(T.smallint), '32767', 'smallint', '32767', '32767'],
  ['int', 'int', L(T.int), '-2147483648', 'integer', '-2147483648', '-2147483648'],
  ['bigint', 'bigint', L(T.bigint), '-9223372036854775808', 'bigint', '-9223372036854775808', '-9223372036854775808'],
  [
    'varint',
    'varint',
    L(T.varint),
    '123456789012345678901234567890',
    'numeric',
    '123456789012345678901234567890',
    '123456789012345678901234567890',
  ],
  ['decimal trailing zeros', 'decimal', L(T.decimal), '1.50', 'numeric(10,2)', '1.50', '1.5'],
  ['decimal zero', 'decimal', L(T.decimal), '0.00', 'numeric', '0.00', '0'],
  ['decimal negative small', 'decimal', L(T.decimal), '-0.001', 'numeric', '-0.001', '-0.001'],
  [
    'decimal large',
    'decimal',
    L(T.decimal),
    '12345678901234567890.123400',
    'numeric',
    '12345678901234567890.123400',
    '12345678901234567890.1234',
  ],
  ['float', 'float', L(T.float), '1.1', 'real', '1.1', '1.1'],
  ['float, shortest digits a tie (to even)', 'float', L(T.float), '224.453125', 'real', '224.453125', '224.45312'],
  ['float, a bound of its interval short', 'float', L(T.float), '53669888', 'real', '53669888', '5.3669888e+07'],
  ['float exponent', 'float', L(T.float), '1234567', 'real', '1234567', '1.234567e+06'],
  ['float in double precision', 'float', L(T.float), '0.3', 'double precision', '0.30000001192092896', '0.3'],
  ['double', 'double', L(T.double), '0.1', 'double precision', '0.1', '0.1'],
  ['double exponent', 'double', L(T.double), '1e15', 'double precision', '1e15', '1e+15'],
  ['double small', 'double', L(T.double), '0.00001', 'double precision', '0.00001', '1e-05'],
  ['double NaN', 'double', L(T.double), 'NaN', 'double precision', `'NaN'`, 'NaN'],
  // the plain-notation range, where the JS side prints with String(): both ends and a long mantissa
  ['double 1e-4 (plain)', 'double', L(T.double), '0.0001', 'double precision', '0.0001', '0.0001'],
  [
    'double below 1e15',
    'double',
    L(T.double),
    '999999999999999.9',
    'double precision',
    '999999999999999.9',
    '999999999999999.9',
  ],
  [
    'double negative third',
    'double',
    L(T.double),
    '-0.3333333333333333',
    'double precision',
    '-0.3333333333333333',
    '-0.3333333333333333',
  ],
  [
    'double 17 digits',
    'double',
    L(T.double),
    '1003.0090270812437',
    'double precision',
    '1003.0090270812437',
    '1003.0090270812437',
  ],
  ['double negative zero', 'double', L(T.double), '-0.0', 'double precision', `'-0'`, '-0'],
  ['double -Infinity', 'double', L(T.double), '-Infinity', 'double precision', `'-Infinity'`, '-Infinity'],
  ['float NaN', 'float', L(T.float), 'NaN', 'real', `'NaN'`, 'NaN'],
  ['float Infinity in double precision', 'float', L(T.float), 'Infinity', 'double precision', `'Infinity'`, 'Infinity'],
  [
    'uuid',
    'uuid',
    L(T.uuid),
    'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    'uuid',
    `'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'`,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ],
  [
    'uuid as text',
    'uuid',
    L(T.uuid),
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    'text',
    `'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'`,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ],
  [
    'timeuuid',
    'timeuuid',
    L(T.timeuuid),
    '50554d6e-29bb-11e5-b345-feff819cdc9f',
    'uuid',
    `'50554d6e-29bb-11e5-b345-feff819cdc9f'`,
    '50554d6e-29bb-11e5-b345-feff819cdc9f',
  ],
  [
    'timestamp (µs in PG truncated to ms)',
    'timestamp',
    L(T.timestamp),
    `'2020-01-01T00:00:05.678Z'`,
    'timestamptz',
    `'2020-01-01 00:00:05.678901+00'`,
    '1577836805678',
  ],
  ['timestamp before 1970', 'timestamp', L(T.timestamp), '-1', 'timestamptz', `'1969-12-31 23:59:59.999+00'`, '-1'],
  // PostgreSQL takes a float8 path from 1900 to 2100 and an exact numeric one outside: both floor to ms
  [
    'timestamp before 1970, µs floored',
    'timestamp',
    L(T.timestamp),
    '-1',
    'timestamptz',
    `'1969-12-31 23:59:59.9995+00'`,
    '-1',
  ],
  [
    'timestamp whose float8 epoch falls just below its ms',
    'timestamp',
    L(T.timestamp),
    `'1961-04-23T14:27:25.145Z'`,
    'timestamptz',
    `'1961-04-23 14:27:25.145+00'`,
    '-274267954855',
  ],
  [
    'timestamp just before 2100',
    'timestamp',
    L(T.timestamp),
    `'2099-12-31T23:59:59.999Z'`,
    'timestamptz',
    `'2099-12-31 23:59:59.999999+00'`,
    '4102444799999',
  ],
  [
    'timestamp on 1900-01-01',
    'timestamp',
    L(T.timestamp),
    `'1900-01-01T00:00:00.000Z'`,
    'timestamp without time zone',
    `'1900-01-01 00:00:00'`,
    '-2208988800000',
  ],
  [
    'timestamp before 1900',
    'timestamp',
    L(T.timestamp),
    `'1850-06-01T12:00:00.123Z'`,
    'timestamptz',
    `'1850-06-01 12:00:00.123456+00'`,
    '-3773735999877',
  ],
  [
    'timestamp after 2100',
    'timestamp',
    L(T.timestamp),
    `'2150-01-01T00:00:00.001Z'`,
    'timestamptz',
    `'2150-01-01 00:00:00.001+00'`,
    '5680281600001',
  ],
  [
    'timestamp without time zone',
    'timestamp',
    L(T.timestamp),
    `'2024-02-29T12:00:00.001Z'`,
    'timestamp',
    `'2024-02-29 12:00:00.001'`,
    '1709208000001',
  ],
  [
    'timestamp as epoch-ms bigint',
    'timestamp',
    L(T.timestamp),
    `'2024-02-29T12:00:00.001Z'`,
    'bigint',
    '1709208000001',
    '1709208000001',
  ],
  ['date', 'date', L(T.date), `'2024-02-29'`, 'date', `'2024-02-29'`, '2024-02-29'],
  ['date year 1', 'date', L(T.date), `'0001-01-01'`, 'date', `'0001-01-01'`, '0001-01-01'],
  ['date year 9999', 'date', L(T.date), `'9999-12-31'`, 'date', `'9999-12-31'`, '9999-12-31'],
  ['date before 1970', 'date', L(T.date), `'1969-07-20'`, 'date', `'1969-07-20'`, '1969-07-20'],
  ['time', 'time', L(T.time), `'01:02:03.123456789'`, 'time', `'01:02:03.123456'`, '3723123456'],
  ['blob', 'blob', L(T.blob), '0x00ff10', 'bytea', `'\\x00ff10'`, '00ff10'],
  ['inet v4', 'inet', L(T.inet), `'10.1.2.3'`, 'inet', `'10.1.2.3'`, '10.1.2.3'],
  ['inet v6, IPv4-compatible', 'inet', L(T.inet), `'::1.2.3.4'`, 'inet', `'::1.2.3.4'`, '::1.2.3.4'],
  ['inet v6 ::1 (not IPv4-compatible)', 'inet', L(T.inet), `'::1'`, 'inet', `'::1'`, '::1'],
  [
    'inet v6',
    'inet',
    L(T.inet),
    `'2001:db8::ff00:42:8329'`,
    'inet',
    `'2001:db8::ff00:42:8329'`,
    '2001:db8::ff00:42:8329',
  ],
  ['list<int> as jsonb', 'list<int>', {code: T.list, info: L(T.int)}, '[3, 1, 2]', 'jsonb', `'[3,1,2]'`, '[3, 1, 2]'],
  [
    'list<text> as text[]',
    'list<text>',
    {code: T.list, info: L(T.text)},
    `['x', 'a"b']`,
    'text[]',
    `ARRAY['x', 'a"b']`,
    '["x", "a\\"b"]',
  ],
  [
    'set<text> as jsonb (order differs)',
    'set<text>',
    {code: T.set, info: L(T.text)},
    `{'b', 'a', 'B'}`,
    'jsonb',
    `'["b","B","a"]'`,
    '["B", "a", "b"]',
  ],
  ['set<int> as int[]', 'set<int>', {code: T.set, info: L(T.int)}, '{10, 9}', 'integer[]', `ARRAY[9, 10]`, '[10, 9]'],
  [
    'list<double> as float8[]: jsonb prints numbers without exponents',
    'list<double>',
    {code: T.list, info: L(T.double)},
    '[1e-7, 1e21, -0.0, 123456789012345678]',
    'double precision[]',
    'ARRAY[1e-7, 1e21, -0.0, 123456789012345678]',
    '[0.0000001, 1000000000000000000000, 0, 123456789012345680]',
  ],
  [
    'list<float> as real[], a tie in its shortest digits',
    'list<float>',
    {code: T.list, info: L(T.float)},
    '[224.453125]',
    'real[]',
    'ARRAY[224.453125]',
    '[224.45312]',
  ],
  [
    'list<float> as real[] at its extremes',
    'list<float>',
    {code: T.list, info: L(T.float)},
    '[3.4028235E38, 1.4E-45]',
    'real[]',
    'ARRAY[3.4028235e38, 1.4e-45]',
    '[340282350000000000000000000000000000000, 0.000000000000000000000000000000000000000000001]',
  ],
  [
    'list<decimal> as jsonb: every digit',
    'list<decimal>',
    {code: T.list, info: L(T.decimal)},
    '[0.12345678901234567891, 1E+3]',
    'jsonb',
    `'[0.12345678901234567891, 1000]'`,
    '[0.12345678901234567891, 1000]',
  ],
  [
    'map<text,int> as jsonb',
    'map<text, int>',
    {code: T.map, info: [L(T.text), L(T.int)]},
    `{'aa': 2, 'b': 1}`,
    'jsonb',
    `'{"aa":2,"b":1}'`,
    '{"b": 1, "aa": 2}',
  ],
  [
    'tuple as jsonb',
    'tuple<text, boolean>',
    {code: T.tuple, info: [L(T.text), L(T.boolean)]},
    `('x', true)`,
    'jsonb',
    `'["x", true]'`,
    '["x", true]',
  ],
  ['empty set = NULL', 'set<int>', {code: T.set, info: L(T.int)}, '{}', 'jsonb', `'[]'`, NULL_MARK],
  ['null', 'text', L(T.text), 'null', 'text', 'NULL', NULL_MARK],
];

describe('reconcile golden canonical forms: Cassandra ⇄ PostgreSQL', () => {
  const sides = scratchSides(ks, {createKeyspace: true});

  it('every type: JS canonical of the Cassandra value = PostgreSQL canonical expression = golden text', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const {cass} = sides;
    const failures: string[] = [];
    for (const [i, [name, cql, type, cqlLit, pgType, pgLit, expected]] of cases.entries()) {
      const table = `c${i}`;
      await cass.execute(`CREATE TABLE IF NOT EXISTS ${ks}.${table} (id int PRIMARY KEY, v ${cql})`);
      await cass.execute(`INSERT INTO ${ks}.${table} (id, v) VALUES (1, ${cqlLit})`);
      const row = (await cass.execute(`SELECT v FROM ${ks}.${table} WHERE id = 1`)).first();
      const js = canonFor(type)(row.get('v'));
      const hint = pgType === 'bigint' && type.code === T.timestamp ? 'epoch-ms' : undefined;
      const expr = pgCanonExpr('v', type, {type: pgType}, hint);
      // the engine's session settings, over defaults that would change float and date text
      const [pg] = await sql<{c: string | null}>(
        'target',
        `SELECT ${expr} AS c FROM (SELECT (${pgLit})::${pgType} AS v) x`,
        [],
        SESSION,
      );
      const pgText = pg?.c ?? NULL_MARK;
      if (js !== expected || pgText !== expected) {
        failures.push(
          `${name}: expected ${JSON.stringify(expected)}, Cassandra/JS ${JSON.stringify(js)}, PostgreSQL ${JSON.stringify(pgText)}`,
        );
      }
      if (hashesFloatBits(type, {type: pgType}, hint)) {
        // the row hash's form: the bits, from the driver's number, from the canonical text, and in SQL
        const bits = floatBitsCanon(type);
        const [pgBits] = await sql<{c: string}>(
          'target',
          `SELECT ${pgFloatBitsExpr('v', type)} AS c FROM (SELECT (${pgLit})::${pgType} AS v) x`,
          [],
          SESSION,
        );
        const forms = [bits(row.get('v')), bits(expected), pgBits?.c];
        if (new Set(forms).size !== 1) failures.push(`${name} as bits: driver, text, PostgreSQL = ${forms.join(', ')}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('reconcile key texts: back to the stored PostgreSQL value', () => {
  it('a canonical key text converts back to exactly the value it came from (point lookups, repair)', async (t) => {
    const skip = await requireStack();
    if (skip) return t.skip(skip);
    // [Cassandra type, PostgreSQL type, stored value]: timestamps far from 1970 once came back µs off
    const cases: Array<[CqlType, string, string]> = [
      ...['timestamptz', 'timestamp without time zone'].flatMap(
        (pgType): Array<[CqlType, string, string]> =>
          [
            '9999-12-31 23:59:59.999',
            '1855-12-28 03:33:40.699',
            '1969-12-31 23:59:59.999',
            '1970-01-01 00:00:00',
            '2024-02-29 12:34:56.789',
            '0001-01-01 00:00:00.001',
          ].map((v) => [L(T.timestamp), pgType, v]),
      ),
      [L(T.time), 'time without time zone', '23:59:59.999999'],
      [L(T.blob), 'bytea', '\\x00ff'],
      [L(T.bigint), 'bigint', '-9223372036854775808'],
    ];
    // PostgreSQL timestamp keys Cassandra cannot have: with µs (exact decimal milliseconds)
    // [..., hint, whether the value has a sub-millisecond part]
    const hinted: Array<[CqlType, string, string, TypeHint, boolean]> = [
      [L(T.timestamp), 'numeric', '1709210096789.5', 'epoch-ms', true],
      [L(T.timestamp), 'numeric(20,3)', '1709210096789.000', 'epoch-ms', false],
      [L(T.timestamp), 'bigint', '1709210096789001', 'epoch-us', true],
      [L(T.timestamp), 'bigint', '-1', 'epoch-us', true],
      [L(T.timestamp), 'bigint', '-1000', 'epoch-us', false],
    ];
    cases.push(
      ...['timestamptz', 'timestamp without time zone'].flatMap(
        (pgType): Array<[CqlType, string, string]> =>
          [
            '2024-02-29 12:34:56.789001',
            '2024-02-29 12:34:56.7895',
            '1969-12-31 23:59:59.999999',
            '1850-06-01 12:00:00.122001',
            '2150-01-01 00:00:00.000001',
            '9999-12-31 23:59:59.999999',
          ].map((v) => [L(T.timestamp), pgType, v]),
      ),
    );
    const failures: string[] = [];
    for (const [type, pgType, value, hint, hintedSubMs] of [...cases, ...hinted]) {
      const canon = pgKeyCanonExpr('v', type, {type: pgType}, hint);
      const back = pgKeyFromCanon('k', type, {type: pgType}, hint);
      const [r] = await sql<{k: string; same: boolean; back: string}>(
        'target',
        `SELECT k, (${back}) = v AS same, (${back})::text AS back
           FROM (SELECT v, ${canon} AS k FROM (SELECT $1::${pgType} AS v) x) y`,
        [value],
        SESSION,
      );
      if (!r?.same) failures.push(`${pgType} ${value}: canonical ${r?.k} converts back to ${r?.back}`);
      // a key with a sub-millisecond part is one Cassandra cannot hold; a whole millisecond is Cassandra's
      const subMs = hintedSubMs ?? /\.\d{3}\d*[1-9]/.test(value);
      if (type.code === T.timestamp && r && cassandraCanHold(r.k, type) === subMs)
        failures.push(`${pgType} ${value}: canonical ${r.k} is ${subMs ? '' : 'not '}a Cassandra key`);
    }
    assert.deepEqual(failures, []);
  });
});

describe('reconcile canonical forms over many values: JS = PostgreSQL', () => {
  const seeded = (seed: number) => () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };

  it('float32: floatText prints what PostgreSQL prints for 200,000 float32 values', async (t) => {
    const skip = await requireStack();
    if (skip) return t.skip(skip);
    const next = seeded(21);
    const view = new DataView(new ArrayBuffer(4));
    const values: number[] = [224.453125, 24.2890625, 53669888];
    for (let e = 0; e < 255; e++)
      for (const m of [0, 1, 2, 0x7ffffe, 0x7fffff]) values.push(bitsToFloat(view, (e << 23) | m));
    while (values.length < 200_000) {
      const f = bitsToFloat(view, next() ^ (next() << 16));
      if (Number.isFinite(f)) values.push(f);
    }
    // 9 significant digits read back to the same float32 (PostgreSQL's float4in rounds correctly)
    const rows = await sql<{t: string}>(
      'target',
      'SELECT v::real::text AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
      [values.map((v) => v.toPrecision(9))],
      SESSION,
    );
    const differ = values.filter((v, i) => floatText(v, true) !== rows[i]?.t);
    assert.deepEqual(
      differ.slice(0, 5).map((v) => `${v}: ${floatText(v, true)}`),
      [],
    );
  });

  it('inet: inetText prints what host() prints for 20,000 IPv6 addresses, most of them zero-heavy', async (t) => {
    const skip = await requireStack();
    if (skip) return t.skip(skip);
    const next = seeded(5);
    const addresses = Array.from({length: 20_000}, () => {
      const b = Buffer.alloc(16);
      for (let w = 0; w < 8; w++) {
        const r = next() % 10;
        b.writeUInt16BE(r < 6 ? 0 : r === 6 ? 0xffff : r === 7 ? 1 : next() & 0xffff, w * 2);
      }
      return b;
    });
    // eight hex words each: PostgreSQL parses them without any shortening
    const full = (b: Buffer) => Array.from({length: 8}, (_, w) => b.readUInt16BE(w * 2).toString(16)).join(':');
    const rows = await sql<{t: string}>(
      'target',
      'SELECT host(v::inet) AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
      [addresses.map(full)],
    );
    const differ = addresses.filter((b, i) => inetText({buffer: b}) !== rows[i]?.t);
    assert.deepEqual(differ.slice(0, 5).map(full), []);
  });

  it('text keys: the escaped key text in SQL is the one in JS, for 2,000 texts of backslashes, separators, x1f and others', async (t) => {
    const skip = await requireStack();
    if (skip) return t.skip(skip);
    const next = seeded(13);
    const alphabet = ['a', '\\', '\x1f', 'x', '1', 'f', '\x1e', 'é', "'"];
    const texts = Array.from({length: 2000}, (_, i) => {
      let s = '';
      for (let n = i % 9; n > 0; n--) s += alphabet[next() % alphabet.length];
      return s;
    });
    const rows = await sql<{k: string}>(
      'target',
      `SELECT ${pgKeyCanonExpr('v', L(T.text), {type: 'text'})} AS k FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`,
      [texts],
      SESSION,
    );
    const js = keyCanonFor(L(T.text));
    const differ = texts.filter((s, i) => js(s) !== rows[i]?.k);
    assert.deepEqual(differ.slice(0, 5), []);
  });
});

function bitsToFloat(view: DataView, bits: number): number {
  view.setUint32(0, bits >>> 0);
  return view.getFloat32(0);
}

describe('reconcile row hash: JS = PostgreSQL', () => {
  it('hashtextextended of 2,000 random texts (every length to 200, ASCII and not) equals pg-hash.ts', async (t) => {
    const skip = await requireStack();
    if (skip) return t.skip(skip);
    const alphabet = ['a', 'Z', '0', '\u001f', '\u001e', ' ', 'é', 'ß', '東', '\u{1F600}', '"', "'", '\\'];
    const texts: string[] = [];
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    for (let i = 0; i < 2000; i++) {
      const ascii = i % 2 === 0;
      let s = '';
      for (let n = i % 201; n > 0; n--) s += alphabet[next() % (ascii ? 6 : alphabet.length)];
      texts.push(s);
    }
    const rows = await sql<{h: string}>(
      'target',
      `SELECT ${pgHashHexSql('v')} AS h FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`,
      [texts],
    );
    const differ = texts.filter((s, i) => rows[i]?.h !== pgHashHex(s));
    assert.deepEqual(differ.slice(0, 5), []);
  });
});
