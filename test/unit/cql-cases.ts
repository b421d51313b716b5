import driver from 'cassandra-driver';
import {type CqlType, T} from '../../src/services/reconcile/canonical.js';

/**
 * Values of every Cassandra type the canonical form covers, as the scan workers' unit tests encode
 * them with the driver's own Encoder (reconcile-cell-canon and reconcile-page-digest).
 */
const {types} = driver;
export type Enc = {
  encode(v: unknown, t: CqlType): Buffer;
  decode(b: Buffer | null, t: CqlType): unknown;
};
export const Encoder = (driver as unknown as {Encoder: {new (v: number, o: object): Enc; prototype: Enc}}).Encoder;

/** A deterministic pseudo-random sequence. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}
const r = rng(7);
export const int = (lo: number, hi: number) => Math.floor(lo + r() * (hi - lo));
const pick = <T>(xs: T[]) => xs[int(0, xs.length)] as T;

export const cases: Array<[string, CqlType, () => unknown]> = [
  ['boolean', {code: T.boolean}, () => r() < 0.5],
  ['int', {code: T.int}, () => int(-(2 ** 31), 2 ** 31)],
  [
    'bigint',
    {code: T.bigint},
    () =>
      types.Long.fromString(
        String(BigInt(int(-(2 ** 31), 2 ** 31)) * BigInt(int(1, 2 ** 31)) * BigInt(pick([1, 7, 4096]))),
      ),
  ],
  [
    'bigint near ±2^53 and beyond',
    {code: T.bigint},
    () =>
      types.Long.fromString(
        pick([
          '9007199254740991',
          '9007199254740993',
          '-9007199254740993',
          '9223372036854775807',
          '-9223372036854775808',
          '0',
        ]),
      ),
  ],
  [
    'bigint around 10^9 (the digit writer works in 9-digit steps)',
    {code: T.bigint},
    () =>
      types.Long.fromString(
        pick(['999999999', '1000000000', '-1000000000', '1000000001', '1000000000000000000', '4294967296', '-7']),
      ),
  ],
  ['timestamp', {code: T.timestamp}, () => new Date(int(-1e12, 4e12))],
  [
    'double',
    {code: T.double},
    () => pick([(r() - 0.5) * 10 ** int(-8, 20), 0, -0, 1e15, 1e-5, 0.1, Number.NaN, Number.POSITIVE_INFINITY]),
  ],
  ['float', {code: T.float}, () => Math.fround((r() - 0.5) * 10 ** int(-6, 9))],
  ['uuid', {code: T.uuid}, () => types.Uuid.random()],
  ['timeuuid', {code: T.timeuuid}, () => types.TimeUuid.now()],
  [
    'decimal',
    {code: T.decimal},
    () =>
      types.BigDecimal.fromString(
        pick([
          '0',
          '1.50',
          '-0.001',
          '12345678901234567890.1234',
          '100',
          '-42.4200',
          `${int(-1e9, 1e9)}.${int(0, 1000)}`,
        ]),
      ),
  ],
  [
    'decimal: any unscaled value up to 6 bytes, any scale from −70 to 70',
    {code: T.decimal},
    () =>
      // the driver's typings say number; its constructor takes an Integer too (any precision)
      new types.BigDecimal(
        types.Integer.fromString(`${pick(['', '-'])}${int(0, 2 ** 47)}${pick(['', '0', '000'])}`) as unknown as number,
        int(-70, 71),
      ),
  ],
  ['text', {code: T.text}, () => pick(['', 'a', 'héllo', 'x\x1fy', '中文', '\x1e', 'é\x1e\x1f', 'p\\x1fq', '\\'])],
  ['ascii', {code: T.ascii}, () => pick(['', 'abc'])],
  ['date', {code: T.date}, () => new types.LocalDate(int(1900, 2100), int(1, 13), int(1, 29))],
  [
    'date: any day of years 1–9999 and a little beyond (driver fallback), leap days, century years',
    {code: T.date},
    () =>
      pick([
        // day numbers from 0001-01-01 (−719162) to 9999-12-31 (2932896), with 400 days either side
        () => new (types.LocalDate as unknown as new (days: number) => unknown)(int(-719_562, 2_933_296)),
        () => new types.LocalDate(pick([4, 400, 1600, 2000, 2024]), 2, 29),
        () => new types.LocalDate(pick([100, 1900, 2100]), 3, 1),
        () => new types.LocalDate(pick([1, 9999]), pick([1, 12]), pick([1, 31])),
      ])(),
  ],
  ['varint', {code: T.varint}, () => types.Integer.fromString(String(int(-1e9, 1e9)))],
  ['smallint', {code: T.smallint}, () => int(-30000, 30000)],
  ['blob', {code: T.blob}, () => Buffer.from([int(0, 256), int(0, 256)])],
  [
    'set<text>',
    {code: T.set, info: {code: T.text}},
    // in order and out of it; elements JSON escapes, and ones that sort differently once quoted
    () =>
      pick([
        ['b', 'a'],
        ['a'],
        ['z', 'é'],
        ['t1', 't3', 'tag-0'],
        ['', 'a'],
        ['a', 'a b'],
        ['a', 'a!'],
        ['a"b', 'c'],
        ['a\\b'],
        ['x\ty'],
        ['~', '{'],
        ['ab', 'abc', 'b'],
      ]),
  ],
  ['set<ascii>', {code: T.set, info: {code: T.ascii}}, () => pick([['a', 'b'], ['B', 'a'], ['a a']])],
  ['list<int>', {code: T.list, info: {code: T.int}}, () => [3, 1, 2]],
  ['map<text,int>', {code: T.map, info: [{code: T.text}, {code: T.int}]}, () => ({bb: 1, a: 2})],
];

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
