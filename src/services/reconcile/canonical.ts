/**
 * One canonical text form per logical type, produced in JS for Cassandra values and in SQL for
 * PostgreSQL columns, so that both sides hash identical bytes (reference: reconcile-and-gdpr.md §3.5).
 * The golden tests (test/unit/reconcile-canonical.test.ts, test/integration/reconcile-golden.test.ts)
 * pin every form; bump CANON_VERSION whenever one changes (it is part of the run's fingerprint).
 *
 *   null, unset, empty collection  → NULL_MARK (\x1e)
 *   text, ascii, varchar           → the string as is
 *   boolean                        → t | f
 *   tinyint … bigint, varint       → decimal digits
 *   decimal                        → plain decimal without trailing zeros (1.50 → 1.5, 0.00 → 0)
 *   float, double                  → shortest round-trip digits in PostgreSQL's text format
 *                                    (float32: the digits of PostgreSQL's float4out, float32Exponential;
 *                                    exponent form as PostgreSQL prints it)
 *   uuid, timeuuid                 → lower-case 8-4-4-4-12
 *   timestamp                      → epoch milliseconds
 *   date                           → YYYY-MM-DD
 *   time                           → microseconds of the day (PostgreSQL `time` holds µs)
 *   blob                           → lower-case hex
 *   inet                           → address text as PostgreSQL's host() prints it (inetText: ::ffff:1.2.3.4)
 *   list, set, map, tuple, UDT     → JSON in jsonb::text layout: sets sorted by their elements' bytes,
 *                                    object keys shorter-first then bytewise, ": " and ", " separators,
 *                                    numbers as plain digits (no exponent, every decimal digit)
 * In the row hash only, a float or double column that PostgreSQL holds as a float enters as its IEEE 754
 * bits instead of its text (floatBitsCanon, pgFloatBitsExpr): the same equality, without the digits; and
 * a text column as its byte length, ':' and the text (lengthPrefixCanon), so that separators inside
 * a text cannot shift between columns.
 * In pk_canon, a text key has its backslashes doubled and its \x1f written as \x1f (escapeKeyText), and
 * a PostgreSQL timestamp key with a sub-millisecond part is exact decimal milliseconds (pgKeyCanonExpr).
 * Version 4: float32 digits as PostgreSQL's (ties to even). 5: inet as host() prints it in every case.
 * 6: the key forms above (escaped text keys, PostgreSQL timestamp keys to the µs). 7: numeric epoch-ms
 * keys with their fraction. 8: a tuple PostgreSQL holds as Debezium's struct ({"field1": …}) is the array
 * of its fields.
 */
export const CANON_VERSION = 8;
export const NULL_MARK = '\x1e';
export const SEP = '\x1f';

/** The driver's type codes (cassandra-driver types.dataTypes). */
export const T = {
  custom: 0,
  ascii: 1,
  bigint: 2,
  blob: 3,
  boolean: 4,
  counter: 5,
  decimal: 6,
  double: 7,
  float: 8,
  int: 9,
  text: 10,
  timestamp: 11,
  uuid: 12,
  varchar: 13,
  varint: 14,
  timeuuid: 15,
  inet: 16,
  date: 17,
  time: 18,
  smallint: 19,
  tinyint: 20,
  duration: 21,
  list: 32,
  map: 33,
  set: 34,
  udt: 48,
  tuple: 49,
} as const;

/** A Cassandra column type as the driver's metadata describes it (structured-clone safe). */
export interface CqlType {
  code: number;
  info?: unknown;
}

export type Canon = (value: unknown) => string;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));

export function typeName(t: CqlType): string {
  const name = TYPE_NAMES[t.code] ?? `custom(${t.code})`;
  if (t.code === T.list || t.code === T.set) return `${name}<${typeName(t.info as CqlType)}>`;
  if (t.code === T.map) {
    const [k, v] = t.info as [CqlType, CqlType];
    return `map<${typeName(k)}, ${typeName(v)}>`;
  }
  if (t.code === T.tuple) return `tuple<${(t.info as CqlType[]).map(typeName).join(', ')}>`;
  if (t.code === T.udt) return `udt<${(t.info as {name: string}).name}>`;
  return name;
}

export function isText(t: CqlType): boolean {
  return t.code === T.text || t.code === T.varchar || t.code === T.ascii;
}

/**
 * The row-hash form of a text column (ResolvedColumn.lengthPrefixed): NULL_MARK for null, else the
 * text's UTF-8 byte length, ':' and the text — from the driver's value or a canonical string.
 */
export function lengthPrefixCanon(t: CqlType): Canon {
  const base = canonFor(t);
  return (v) => {
    if (v === null || v === undefined) return NULL_MARK;
    const s = typeof v === 'string' ? v : base(v);
    return `${Buffer.byteLength(s)}:${s}`;
  };
}

export function isCollection(t: CqlType): boolean {
  return t.code === T.list || t.code === T.set || t.code === T.map || t.code === T.tuple || t.code === T.udt;
}

// ---- scalars ------------------------------------------------------------------------------------------------

/**
 * An inet as PostgreSQL's host() prints it (inet_net_ntop_ipv6 in src/port/inet_net_ntop.c), from its
 * bytes: IPv4 as a.b.c.d; IPv6 as lower-case hex words without leading zeros, the first longest run of
 * two or more zero words as ::, and the last 32 bits as a.b.c.d when the address is IPv4-compatible
 * (::a.b.c.d: the first six words zero, the seventh not) or IPv4-mapped (::ffff:a.b.c.d: the first
 * five zero, the sixth ffff). The driver prints ::ffff:1.2.3.4 (16 bytes) as ::ffff:102:304 and
 * ::1.2.3.4 as ::102:304: such values were drift on a correct replica, and repair wrote them again
 * in the same form.
 */
export function inetText(v: unknown): string {
  const b = (v as {buffer?: Uint8Array}).buffer;
  if (b?.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b?.length !== 16) return String(v);
  const words = Array.from({length: 8}, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  let best = {base: -1, len: 0};
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = {base: i, len: j - i};
    i = j;
  }
  if (best.len < 2) best = {base: -1, len: 0};
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff)))
      return `${out}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    out += (words[i] as number).toString(16);
  }
  return best.base >= 0 && best.base + best.len === 8 ? `${out}:` : out;
}

/**
 * decimalText for an unscaled value that is a safe integer (the common case), without regular expressions.
 * With `keepScale` the fraction keeps its trailing zeros (1.50 stays 1.50: a numeric's own digits).
 */
export function decimalTextSafe(unscaled: number, scale: number, keepScale = false): string {
  if (unscaled === 0 && (scale <= 0 || !keepScale)) return '0';
  const neg = unscaled < 0;
  let digits = String(neg ? -unscaled : unscaled);
  let text: string;
  if (scale <= 0) text = digits + '0'.repeat(-scale);
  else {
    if (digits.length <= scale) digits = '0'.repeat(scale + 1 - digits.length) + digits;
    let end = digits.length;
    const point = end - scale;
    while (!keepScale && end > point && digits.charCodeAt(end - 1) === 48) end--;
    text = end > point ? `${digits.slice(0, point)}.${digits.slice(point, end)}` : digits.slice(0, point);
  }
  return neg ? `-${text}` : text;
}

/** Plain decimal text of unscaled × 10^-scale, trailing zeros removed. */
export function decimalText(unscaled: string, scale: number): string {
  let neg = false;
  let digits = unscaled;
  if (digits.startsWith('-')) {
    neg = true;
    digits = digits.slice(1);
  }
  digits = digits.replace(/^0+(?=\d)/, '');
  let text: string;
  if (scale <= 0) text = digits === '0' ? '0' : digits + '0'.repeat(-scale);
  else {
    const padded = digits.padStart(scale + 1, '0');
    const int = padded.slice(0, padded.length - scale);
    const frac = padded.slice(padded.length - scale).replace(/0+$/, '');
    text = frac ? `${int}.${frac}` : int;
  }
  return neg && /[1-9]/.test(text) ? `-${text}` : text;
}

/** Shortest digits that round-trip, formatted as PostgreSQL prints float4/float8 (extra_float_digits = 1). */
export function floatText(value: number, single: boolean): string {
  if (!single) {
    // JS prints the same shortest round-trip digits as PostgreSQL (both shortest, closest), and in the
    // same plain notation wherever PostgreSQL does not switch to an exponent (1e-4 ≤ |x| < 1e15)
    const a = value < 0 ? -value : value;
    if (a >= 1e-4 && a < 1e15) return String(value);
  }
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const shortest = single ? float32Exponential(Math.fround(value)) : value.toExponential();
  // shortest = d[.ddd]e±x
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest) as RegExpExecArray;
  const sign = m[1] as string;
  const digits = ((m[2] as string) + (m[3] ?? '')).replace(/0+$/, '') || '0';
  const exp = Number(m[4]);
  const limit = single ? 6 : 15;
  if (exp < -4 || exp >= limit) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * The date of a day number (days since 1970-01-01) in the proleptic Gregorian calendar, as the
 * driver's LocalDate and PostgreSQL count (H. Hinnant's civil_from_days), packed as
 * year × 10000 + month × 100 + day; undefined when the year is outside 1–9999.
 */
export function civilFromDays(days: number): number | undefined {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y < 1 || y > 9999 ? undefined : y * 10000 + m * 100 + d;
}

interface LocalDateLike {
  year: number;
  month: number;
  day: number;
  date?: Date;
}

function dateText(v: LocalDateLike): string {
  const y = v.year;
  const yy = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  return `${yy}-${String(v.month).padStart(2, '0')}-${String(v.day).padStart(2, '0')}`;
}

const hexOf = (v: unknown): string => (v as Buffer).toString('hex');
const str = (v: unknown): string => String(v);

/**
 * Decimal digits of a driver Long or Integer. Their own toString(10) is a slow generic radix
 * conversion (~6 µs); values within ±2^53 go through a double exactly.
 */
function bigText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  const n = (v as {toNumber(): number}).toNumber();
  return Number.isSafeInteger(n) ? String(n) : String(v);
}

export const HEX = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case 8-4-4-4-12 from the driver's Uuid bytes (cheaper than its toString() or a hex slice). */
function uuidText(v: unknown): string {
  const b = (v as {buffer?: Buffer}).buffer;
  if (!Buffer.isBuffer(b) || b.length !== 16) return String(v).toLowerCase();
  const x = (i: number) => HEX[b[i] as number] as string;
  return `${x(0)}${x(1)}${x(2)}${x(3)}-${x(4)}${x(5)}-${x(6)}${x(7)}-${x(8)}${x(9)}-${x(10)}${x(11)}${x(12)}${x(13)}${x(14)}${x(15)}`;
}

const f32View = new DataView(new ArrayBuffer(4));

/**
 * A float32's digits as PostgreSQL's float4out prints them (src/common/f2s.c, Ryu): an integer below
 * 2^24 exactly; otherwise the fewest digits strictly inside the value's rounding interval (the
 * interval's bounds never count, even for an even mantissa) and, of those, the one closest to the
 * value, a tie going to the even digit. In exponent form (d[.ddd]e±x) for floatText. Exact (BigInt):
 * toExponential rounds ties up, and its shortest digits were a different number in about 4 % of
 * float32 values (224.453125: 224.45313 here, 224.45312 in PostgreSQL).
 */
export function float32Exponential(f: number): string {
  f32View.setFloat32(0, f);
  const bits = f32View.getUint32(0);
  const sign = bits >>> 31 ? '-' : '';
  const mantissa = bits & 0x7fffff;
  const exponent = (bits >>> 23) & 0xff;
  const e2 = exponent === 0 ? -149 : exponent - 150;
  const m2 = exponent === 0 ? mantissa : mantissa | 0x800000;
  if (exponent !== 0 && e2 <= 0 && e2 >= -23 && (m2 & ((1 << -e2) - 1)) === 0)
    return sign + (m2 >>> -e2).toExponential(); // an integer below 2^24: all its digits
  // value, lower and upper bound of the rounding interval, in units of 2^(e2 − 2)
  const mv = BigInt(4 * m2);
  const mp = mv + 2n;
  const mm = mv - 1n - (mantissa !== 0 || exponent <= 1 ? 1n : 0n);
  const scale = e2 - 2;
  // x · 2^scale / 10^q as a fraction num/den of BigInts
  const frac = (x: bigint, q: number): [bigint, bigint] => {
    let num = scale >= 0 ? x << BigInt(scale) : x;
    let den = scale >= 0 ? 1n : 1n << BigInt(-scale);
    if (q >= 0) den *= pow10(q);
    else num *= pow10(-q);
    return [num, den];
  };
  // the multiples of 10^q strictly inside the interval: [lo, hi], empty when lo > hi
  const inside = (q: number): [bigint, bigint] => {
    const [ln, ld] = frac(mm, q);
    const [un, ud] = frac(mp, q);
    return [ln / ld + 1n, (un + ud - 1n) / ud - 1n];
  };
  // the largest power of ten with a multiple inside gives the fewest digits; every smaller one has
  // one too. Nine significant digits always do: up from there (down, if the estimate was high)
  let q = Math.floor(Math.log10(Math.abs(f))) - 8;
  let [lo, hi] = inside(q);
  while (lo > hi) [lo, hi] = inside(--q);
  for (let [l, h] = inside(q + 1); l <= h; [l, h] = inside(q + 1)) {
    q++;
    [lo, hi] = [l, h];
  }
  // the multiple nearest the value (a tie to the even one), kept inside the interval
  const [vn, vd] = frac(mv, q);
  let c = vn / vd;
  const twice = 2n * (vn - c * vd);
  if (twice > vd || (twice === vd && c % 2n === 1n)) c++;
  if (c < lo) c = lo;
  if (c > hi) c = hi;
  const digits = c.toString();
  const exp = q + digits.length - 1;
  const d = digits.replace(/0+$/, '');
  return `${sign}${d[0]}${d.length > 1 ? `.${d.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
}

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    POW10[n] = p;
  }
  return p;
}

function scalarCanon(t: CqlType): Canon {
  switch (t.code) {
    case T.ascii:
    case T.text:
    case T.varchar:
      return (v) => v as string;
    case T.boolean:
      return (v) => (v ? 't' : 'f');
    case T.int:
    case T.smallint:
    case T.tinyint:
      return str;
    case T.bigint:
    case T.counter:
    case T.varint:
      return bigText; // Long and Integer print decimal digits
    case T.decimal:
      return (v) => {
        // cassandra-driver's BigDecimal keeps (unscaled Integer, scale) in _intVal/_scale; its
        // toString() may use exponent notation, so the plain form is built from the parts
        const d = v as {_intVal: {toNumber(): number} | number; _scale: number};
        const n = typeof d._intVal === 'number' ? d._intVal : d._intVal.toNumber();
        if (Number.isSafeInteger(n) && d._scale <= 64 && d._scale >= -64) return decimalTextSafe(n, d._scale);
        return decimalText(String(d._intVal), d._scale);
      };
    case T.float:
      return (v) => floatText(v as number, true);
    case T.double:
      return (v) => floatText(v as number, false);
    case T.uuid:
    case T.timeuuid:
      return uuidText;
    case T.timestamp:
      return (v) => String((v as Date).getTime());
    case T.date:
      return (v) => dateText(v as LocalDateLike);
    case T.time:
      return (v) => (nanosOfDay(v) / 1000n).toString();
    case T.blob:
      return hexOf;
    case T.inet:
      return inetText;
    case T.duration:
      return str;
    default:
      return str;
  }
}

// ---- JSON in jsonb::text layout -----------------------------------------------------------------------------

const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const NON_ASCII = /[\u0080-\uffff]/;
/** Sorts by UTF-8 bytes; for ASCII strings JS's code-unit order is the same and far cheaper. */
function sortBytewise(items: string[]): void {
  if (items.length < 2) return;
  if (!items.some((s) => NON_ASCII.test(s))) {
    // Cassandra returns set elements in its own order, which for text is already this one
    for (let i = 1; i < items.length; i++) {
      if ((items[i - 1] as string) > (items[i] as string)) {
        items.sort();
        return;
      }
    }
  } else items.sort(utf8Compare);
}
/** jsonb orders object keys by byte length first, then bytewise. */
const jsonbKeyOrder = (a: string, b: string): number =>
  Buffer.byteLength(a) - Buffer.byteLength(b) || utf8Compare(a, b);

/** Collection elements as JSON text; scalars as JSON numbers where jsonb would hold numbers. */
function jsonCanon(t: CqlType): (v: unknown) => string {
  switch (t.code) {
    case T.int:
    case T.smallint:
    case T.tinyint:
    case T.bigint:
    case T.counter:
    case T.varint:
    case T.timestamp: {
      const c = scalarCanon(t);
      return (v) => (v === null || v === undefined ? 'null' : c(v));
    }
    case T.decimal:
    case T.float:
    case T.double: {
      const c = scalarCanon(t);
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const s = c(v);
        return /^-?[\d.]+(e[+-]\d+)?$/.test(s) ? jsonbNumber(s) : JSON.stringify(s); // NaN, ±Infinity: strings
      };
    }
    case T.boolean:
      return (v) => (v === null || v === undefined ? 'null' : v ? 'true' : 'false');
    case T.list:
    case T.set: {
      const el = jsonCanon(t.info as CqlType);
      const sorted = t.code === T.set;
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const items = [...(v as Iterable<unknown>)].map(el);
        if (sorted) sortBytewise(items);
        return `[${items.join(', ')}]`;
      };
    }
    case T.tuple: {
      const els = (t.info as CqlType[]).map(jsonCanon);
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const tuple = v as {get(i: number): unknown};
        return `[${els.map((el, i) => el(tuple.get(i))).join(', ')}]`;
      };
    }
    case T.map: {
      const [kt, vt] = t.info as [CqlType, CqlType];
      const key = scalarCanon(kt);
      const val = jsonCanon(vt);
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const entries: Array<[string, unknown]> =
          v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
        return objectText(entries.map(([k, x]) => [key(k), val(x)]));
      };
    }
    case T.udt: {
      const fields = (t.info as {fields: Array<{name: string; type: CqlType}>}).fields.map(
        (f) => [f.name, jsonCanon(f.type)] as const,
      );
      return (v) => {
        if (v === null || v === undefined) return 'null';
        const o = v as Record<string, unknown>;
        return objectText(fields.map(([name, c]) => [name, c(o[name])]));
      };
    }
    default: {
      const c = scalarCanon(t);
      return (v) => (v === null || v === undefined ? 'null' : JSON.stringify(c(v)));
    }
  }
}

/**
 * A number as jsonb prints it: numeric's plain digits, never an exponent (a double 1e-7 in a float8[] or
 * a jsonb array reads back as 0.0000001), no negative zero. `s` is a canonical decimal (already plain,
 * every digit kept) or a float's text (shortest digits, perhaps with an exponent). Going through
 * Number() instead printed exponents jsonb never shows and cut decimals to 17 digits.
 */
export function jsonbNumber(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s === '-0' ? '0' : s;
  const sign = m[1] as string;
  const int = m[2] as string;
  const frac = m[3] ?? '';
  const point = int.length + Number(m[4]); // where the decimal point goes in int + frac
  const digits = int + frac;
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  text = text.replace(/^0+(?=\d)/, '');
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return sign && /[1-9]/.test(text) ? sign + text : text;
}

function objectText(pairs: Array<[string, string]>): string {
  pairs.sort((a, b) => jsonbKeyOrder(a[0], b[0]));
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
}

function isEmptyCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map || v instanceof Set) return v.size === 0;
  return false;
}

/** The canonicaliser of a Cassandra column: driver value → canonical text (NULL_MARK for null/empty). */
export function canonFor(t: CqlType): Canon {
  if (isCollection(t)) {
    const c = jsonCanon(t);
    return (v) => (v === null || v === undefined || isEmptyCollection(v) ? NULL_MARK : c(v));
  }
  const c = scalarCanon(t);
  return (v) => (v === null || v === undefined ? NULL_MARK : c(v));
}

// ---- key texts ----------------------------------------------------------------------------------------------

/**
 * A key column's text in pk_canon: its canonical text, where a text key's backslashes are doubled and
 * its \x1f (the separator) written as the four characters \x1f, so that SEP only ever separates
 * columns. Unescaped, 'a\x1fb' | 'c' and 'a' | 'b\x1fc' were one key, and a key holding \x1f split
 * into too many parts when it was read back (the run crashed on the drill-down of such a row).
 */
export function escapeKeyText(s: string): string {
  return s.includes('\\') || s.includes(SEP) ? s.replaceAll('\\', '\\\\').replaceAll(SEP, '\\x1f') : s;
}

export function unescapeKeyText(s: string): string {
  return s.includes('\\') ? s.replace(/\\(\\|x1f)/g, (_, x: string) => (x === '\\' ? '\\' : SEP)) : s;
}

/** A key column's canonical text from a value's canonical text (escapeKeyText for text types). */
export function keyTextOf(t: CqlType): (canon: string) => string {
  return isText(t) ? escapeKeyText : (s) => s;
}

/** The canonicaliser of a key column: driver value → its text in pk_canon. */
export function keyCanonFor(t: CqlType): Canon {
  const canon = canonFor(t);
  return isText(t) ? (v) => escapeKeyText(canon(v)) : canon;
}

/** pk_canon's parts: each key column's canonical text (unescaped), in key order. */
export function splitKey(pk: string, key: ReadonlyArray<{type: CqlType}>): string[] {
  const parts = key.length === 1 ? [pk] : pk.split(SEP);
  return parts.map((p, i) => (key[i] && isText(key[i].type) ? unescapeKeyText(p) : p));
}

/**
 * Whether Cassandra can hold a key column with this canonical text. A timestamp key that PostgreSQL
 * holds with a sub-millisecond part (pgKeyCanonExpr: 1709210096789.5) cannot be one of Cassandra's:
 * it is looked up nowhere there, so it stays what it is, a PostgreSQL row without a Cassandra row.
 */
export function cassandraCanHold(text: string, t: CqlType): boolean {
  return t.code !== T.timestamp || /^-?\d+$/.test(text);
}

/**
 * The SQL of a key column's text in pk_canon: pgCanonExpr, with a text's separator escaped
 * (escapeKeyText), and a timestamp to the µs: whole milliseconds print as pgCanonExpr prints them
 * (Cassandra's keys), anything finer as exact decimal milliseconds (1709210096789.5), from a
 * timestamp column, a number with an epoch-us hint, or a numeric one with epoch-ms. Cut to the
 * millisecond, a PostgreSQL key 1–999 µs from another was the same key: that row went unseen, and a
 * run after repair was clean with a row more in PostgreSQL than in Cassandra.
 */
export function pgKeyCanonExpr(col: string, t: CqlType, pg: PgColumnInfo, hint?: TypeHint): string | undefined {
  const expr = pgCanonExpr(col, t, pg, hint);
  if (expr === undefined) return undefined;
  if (isText(t)) return `replace(replace(${expr}, chr(92), chr(92) || chr(92)), chr(31), chr(92) || 'x1f')`;
  if (t.code !== T.timestamp) return expr;
  if (hint === 'epoch-us')
    return `CASE WHEN ${col} % 1000 = 0 THEN (${col}::bigint / 1000)::text ELSE trim_scale(${col}::numeric / 1000)::text END`;
  if (hint === 'epoch-ms' && PG_NUMERIC.test(pg.type)) return `trim_scale(${col})::text`;
  if (hint || !pg.type.startsWith('timestamp')) return expr;
  // date_part() rounded to µs is exact from 1900 to 2100 (pgCanonExpr), extract() everywhere
  const us = `round(date_part('epoch', ${col}) * 1000000)::bigint`;
  return `CASE WHEN ${col} >= '1900-01-01 00:00:00+00' AND ${col} < '2100-01-01 00:00:00+00' THEN CASE WHEN ${us} % 1000 = 0 THEN (${us} / 1000)::text ELSE trim_scale(${us}::numeric / 1000)::text END ELSE trim_scale(extract(epoch FROM ${col}) * 1000)::text END`;
}

// ---- floats in the row hash ---------------------------------------------------------------------------------

/**
 * Whether a compared column enters the row hash as its IEEE 754 bits: a float or double that
 * PostgreSQL holds as a float (no type hint). Each value has exactly one shortest round-trip text, so
 * equal bits ⇔ equal text (every NaN counts as one), but neither side formats digits: those were the
 * costliest cells of a scan (~1 µs a double in JS). Key columns, display and column diffs keep the text.
 */
export function hashesFloatBits(t: CqlType, pg: PgColumnInfo, hint?: TypeHint): boolean {
  if (hint) return false;
  return (t.code === T.float && PG_FLOAT.test(pg.type)) || (t.code === T.double && pg.type === 'double precision');
}

/** The one NaN of the row hash, per width (the quiet NaN Java and PostgreSQL produce). */
export const NAN_BITS = {single: '7fc00000', double: '7ff8000000000000'};

const bitsView = new DataView(new ArrayBuffer(8));

/** Big-endian hex of a float's or double's bits. */
export function floatBitsHex(value: number, single: boolean): string {
  if (Number.isNaN(value)) return single ? NAN_BITS.single : NAN_BITS.double;
  if (single) bitsView.setFloat32(0, value);
  else bitsView.setFloat64(0, value);
  let s = '';
  for (let i = 0; i < (single ? 4 : 8); i++) s += HEX[bitsView.getUint8(i)] as string;
  return s;
}

/**
 * The row-hash form of a float or double column (hashesFloatBits): from the driver's number, or from
 * the canonical text a scan worker decoded the cell to (it parses back to the same value).
 */
export function floatBitsCanon(t: CqlType): Canon {
  const single = t.code === T.float;
  return (v) => {
    if (v === null || v === undefined || v === NULL_MARK) return NULL_MARK;
    const n = typeof v === 'string' ? Number(v) : (v as number);
    return floatBitsHex(single ? Math.fround(n) : n, single);
  };
}

/** The SQL of floatBitsCanon: the float's bits as hex (NULL stays NULL). */
export function pgFloatBitsExpr(col: string, t: CqlType): string {
  return t.code === T.float
    ? `CASE WHEN ${col} = 'NaN' THEN '${NAN_BITS.single}' ELSE encode(float4send(${col}::real), 'hex') END`
    : `CASE WHEN ${col} = 'NaN' THEN '${NAN_BITS.double}' ELSE encode(float8send(${col}), 'hex') END`;
}

// ---- PostgreSQL side ----------------------------------------------------------------------------------------

export type TypeHint = 'epoch-ms' | 'epoch-us' | 'json' | 'text' | 'lossy';

export interface PgColumnInfo {
  /** format_type() of the column, e.g. "timestamp with time zone", "numeric(10,2)", "text[]". */
  type: string;
}

const PG_INT = /^(smallint|integer|bigint)$/;
const PG_NUMERIC = /^numeric/;
const PG_FLOAT = /^(real|double precision)$/;
const PG_TEXT = /^(text|character varying|character|varchar|char|citext)/;
const PG_JSON = /^jsonb?$/;

/** Why a type hint cannot apply to a PostgreSQL column of this type (undefined: it can). */
export function hintMisfit(hint: TypeHint, pgType: string): string | undefined {
  if ((hint === 'epoch-ms' || hint === 'epoch-us') && !PG_INT.test(pgType) && !PG_NUMERIC.test(pgType))
    return `${hint} needs an integer or numeric PostgreSQL column, not ${pgType}`;
  if (hint === 'json' && !PG_JSON.test(pgType) && !PG_TEXT.test(pgType))
    return `json needs a json, jsonb or text PostgreSQL column, not ${pgType}`;
  return undefined;
}

/**
 * The SQL expression (text, NULL for null/empty) for a PostgreSQL column holding a Cassandra value
 * of type `t`, or `undefined` when the pair cannot be compared exactly ("lossy by configuration").
 */
export function pgCanonExpr(col: string, t: CqlType, pg: PgColumnInfo, hint?: TypeHint): string | undefined {
  const type = pg.type;
  if (hint === 'lossy') return undefined;
  if (hint === 'text') return `${col}::text`;
  if (hint === 'epoch-ms') return `${col}::bigint::text`;
  if (hint === 'epoch-us') return `floor(${col}::numeric / 1000)::bigint::text`;
  if (isCollection(t) || hint === 'json') return jsonExpr(col, t, type);
  switch (t.code) {
    case T.ascii:
    case T.text:
    case T.varchar:
      return `${col}::text`;
    case T.boolean:
      return `CASE WHEN ${col} THEN 't' WHEN NOT ${col} THEN 'f' END`;
    case T.int:
    case T.smallint:
    case T.tinyint:
    case T.bigint:
    case T.counter:
    case T.varint:
      if (PG_INT.test(type)) return `${col}::text`;
      if (PG_NUMERIC.test(type)) return `trim_scale(${col})::text`;
      if (PG_TEXT.test(type)) return `${col}::text`;
      return undefined;
    case T.decimal:
      if (PG_NUMERIC.test(type)) return `trim_scale(${col})::text`;
      if (PG_INT.test(type) || PG_TEXT.test(type)) return `trim_scale(${col}::numeric)::text`;
      return undefined; // double precision: Debezium's default decimal.handling.mode=double already lost digits
    case T.float:
      if (PG_FLOAT.test(type)) return `${col}::real::text`;
      return undefined;
    case T.double:
      if (type === 'double precision') return `${col}::text`;
      return undefined;
    case T.uuid:
    case T.timeuuid:
      if (type === 'uuid') return `${col}::text`;
      if (PG_TEXT.test(type)) return `lower(${col})`;
      return undefined;
    case T.timestamp:
      if (type.startsWith('timestamp')) {
        // timestamp without time zone is read as UTC (extract and date_part do so). extract() is exact
        // but numeric arithmetic (~0.6 µs a row); date_part() is a float8 whose error stays below
        // 0.49 µs from 1900 to 2100 (|seconds| < 2^32, |µs| < 2^52), so rounding it to µs is exact
        // there, and so is floor(µs / 1000) in float8 (|ms| < 2^43)
        return `CASE WHEN ${col} >= '1900-01-01 00:00:00+00' AND ${col} < '2100-01-01 00:00:00+00' THEN floor(round(date_part('epoch', ${col}) * 1000000) / 1000)::bigint::text ELSE floor(extract(epoch FROM ${col}) * 1000)::bigint::text END`;
      }
      if (PG_INT.test(type)) return `${col}::text`;
      return undefined;
    case T.date:
      // date_out under DateStyle ISO (the data pool's session setting) prints years 1–9999 as
      // YYYY-MM-DD at a third of to_char's cost; other years keep to_char
      if (type === 'date') {
        return `CASE WHEN ${col} BETWEEN '0001-01-01' AND '9999-12-31' THEN ${col}::text ELSE to_char(${col}, 'YYYY-MM-DD') END`;
      }
      if (PG_INT.test(type)) return `to_char(date '1970-01-01' + ${col}, 'YYYY-MM-DD')`;
      return undefined;
    case T.time:
      if (type.startsWith('time') && !type.startsWith('timestamp')) {
        return `(extract(epoch FROM ${col}::time) * 1000000)::bigint::text`;
      }
      if (PG_INT.test(type)) return `(${col} / 1000)::text`; // nanoseconds of the day
      return undefined;
    case T.blob:
      if (type === 'bytea') return `encode(${col}, 'hex')`;
      return undefined;
    case T.inet:
      if (type === 'inet') return `host(${col})`;
      if (PG_TEXT.test(type)) return `${col}::text`;
      return undefined;
    default:
      return undefined;
  }
}

/** The JSON value of a collection column, and its "null or empty" test (undefined: not a JSON-able type). */
function jsonSource(col: string, type: string): {j: string; empty: string} | undefined {
  const asJson = () => {
    const j = `${col}::jsonb`;
    return {j, empty: `${j} IN ('[]'::jsonb, '{}'::jsonb, 'null'::jsonb)`};
  };
  if (PG_JSON.test(type)) return asJson();
  if (type.endsWith('[]')) return {j: `to_jsonb(${col})`, empty: `cardinality(${col}) = 0`};
  if (PG_TEXT.test(type)) return asJson();
  return undefined;
}

/** A set's elements sorted by their UTF-8 bytes, as canonical JSON text (an aggregate over `e`). */
const SET_AGG = `'[' || string_agg(e::text, ', ' ORDER BY convert_to(e::text, 'UTF8')) || ']'`;

/**
 * A tuple as the Debezium JDBC sink stores it: Debezium carries a tuple as a struct, so the sink
 * writes `{"field1": …, "field2": …}`; the canonical form is the array of its fields in order (an
 * array stored as such stays as it is).
 */
const tupleArray = (j: string) =>
  `CASE WHEN jsonb_typeof(${j}) = 'object' THEN (SELECT jsonb_agg(f.value ORDER BY substr(f.key, 6)::int) FROM jsonb_each(${j}) f) ELSE ${j} END`;

function jsonExpr(col: string, t: CqlType, type: string): string | undefined {
  const src = jsonSource(col, type);
  if (!src) return undefined;
  const text =
    t.code === T.set
      ? `(SELECT ${SET_AGG} FROM jsonb_array_elements(${src.j}) e)`
      : t.code === T.tuple
        ? `(${tupleArray(src.j)})::text`
        : `${src.j}::text`;
  return `CASE WHEN ${col} IS NULL OR ${src.empty} THEN NULL ELSE ${text} END`;
}

/**
 * The canonical expression of a set column split for a full-table scan: the sorting subquery as a
 * LATERAL join (`from`, exposing `${alias}._cdcctl_set`) and the expression using it. The correlated subquery of
 * pgCanonExpr is parallel-restricted (PostgreSQL then evaluates the whole row expression in the
 * leader, after the Gather); a lateral join runs inside parallel workers. Same text as pgCanonExpr.
 * Undefined when the column is not a set stored as JSON or an array.
 */
export function pgSetLateral(
  col: string,
  t: CqlType,
  pg: PgColumnInfo,
  alias: string,
  hint?: TypeHint,
): {from: string; expr: string} | undefined {
  if (t.code !== T.set || (hint && hint !== 'json')) return undefined;
  const src = jsonSource(col, pg.type);
  if (!src) return undefined;
  return {
    from: `LEFT JOIN LATERAL (SELECT ${SET_AGG} AS _cdcctl_set FROM jsonb_array_elements(${src.j}) e) ${alias} ON true`,
    expr: `CASE WHEN ${col} IS NULL OR ${src.empty} THEN NULL ELSE ${alias}._cdcctl_set END`,
  };
}

/**
 * SQL turning a canonical key text (an expression of type text) back into the PostgreSQL column's
 * type, so that key lookups use the primary-key index.
 */
export function pgKeyFromCanon(textExpr: string, t: CqlType, pg: PgColumnInfo, hint?: TypeHint): string {
  const type = pg.type;
  if (hint === 'epoch-ms') return `(${textExpr})::${PG_NUMERIC.test(type) ? 'numeric' : 'bigint'}`;
  if (hint === 'epoch-us') return `round((${textExpr})::numeric * 1000)::bigint`;
  if (t.code === T.timestamp && type.startsWith('timestamp')) {
    // whole seconds through to_timestamp (exact: an integer times 10^6 is a float8 until about year 10,000),
    // the rest added as µs (a key's text may have them: pgKeyCanonExpr). to_timestamp(ms / 1000) went
    // through a fractional float8, and keys far from 1970 came back a few µs off (9999-12-31
    // 23:59:59.999 as .999008): never found
    const ms = `(${textExpr})::numeric`;
    const s = `floor(${ms} / 1000)`;
    const ts = `(to_timestamp(${s}::float8) + round((${ms} - ${s} * 1000) * 1000)::bigint * interval '1 microsecond')`;
    return type.includes('without') ? `(${ts} AT TIME ZONE 'UTC')` : ts;
  }
  if (t.code === T.blob) return `decode(${textExpr}, 'hex')`;
  if (t.code === T.time && type.startsWith('time'))
    return `(time '00:00' + (${textExpr})::bigint * interval '1 microsecond')`;
  return `(${textExpr})::${type}`;
}

/** Parses a canonical key text back into a driver value for CQL parameters (scalar key types only). */
export function cqlKeyFromCanon(text: string, t: CqlType, types: typeof import('cassandra-driver').types): unknown {
  switch (t.code) {
    case T.ascii:
    case T.text:
    case T.varchar:
      return text;
    case T.boolean:
      return text === 't';
    case T.int:
    case T.smallint:
    case T.tinyint:
      return Number(text);
    case T.bigint:
    case T.counter:
      return types.Long.fromString(text);
    case T.varint:
      return types.Integer.fromString(text);
    case T.decimal:
      return types.BigDecimal.fromString(text);
    case T.float:
    case T.double:
      return Number(text);
    case T.uuid:
      return types.Uuid.fromString(text);
    case T.timeuuid:
      return types.TimeUuid.fromString(text);
    case T.timestamp:
      return new Date(Number(text));
    case T.date:
      return types.LocalDate.fromString(text);
    case T.time:
      return new types.LocalTime(types.Long.fromString(text).multiply(1000));
    case T.blob:
      return Buffer.from(text, 'hex');
    case T.inet: {
      // an IPv6 address ending in a.b.c.d (inetText's ::a.b.c.d and ::ffff:a.b.c.d): the driver's parser
      // refuses ::a.b.c.d, so the dotted tail goes in as two hex words
      const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
      const word = (hi?: string, lo?: string) => ((Number(hi) << 8) | Number(lo)).toString(16);
      return types.InetAddress.fromString(v4 ? `${v4[1]}${word(v4[2], v4[3])}:${word(v4[4], v4[5])}` : text);
    }
    default:
      throw new Error(`key columns of type ${typeName(t)} are not supported`);
  }
}

/**
 * A Cassandra value as a pg query parameter for a column of PostgreSQL type `pg` (repair upserts).
 * Collections become canonical JSON for json/jsonb columns and arrays for array columns.
 */
export function pgParamFromCql(value: unknown, t: CqlType, pg: PgColumnInfo, hint?: TypeHint): unknown {
  if (value === null || value === undefined) return null;
  const type = pg.type;
  if (isCollection(t)) {
    if (isEmptyCollection(value)) return null;
    if (type.endsWith('[]') && (t.code === T.list || t.code === T.set)) {
      const el = scalarCanon(t.info as CqlType);
      return [...(value as Iterable<unknown>)].map((x) => (x === null ? null : el(x)));
    }
    return canonFor(t)(value);
  }
  switch (t.code) {
    case T.timestamp:
      return hint === 'epoch-ms' || PG_INT.test(type) ? String((value as Date).getTime()) : value;
    case T.boolean:
    case T.int:
    case T.smallint:
    case T.tinyint:
      return value;
    case T.float:
    case T.double:
      return floatText(value as number, t.code === T.float);
    case T.blob:
      return value;
    case T.time:
      return PG_INT.test(type) ? String(nanosOfDay(value)) : scalarTimeText(value);
    default:
      return canonFor(t)(value);
  }
}

function nanosOfDay(v: unknown): bigint {
  return BigInt((v as {getTotalNanoseconds(): {toString(): string}}).getTotalNanoseconds().toString());
}

/**
 * A time as PostgreSQL's time takes it, cut to µs as the canonical form cuts it: LocalTime's own text
 * has nanoseconds, which PostgreSQL rounds (.123456789 → .123457, 23:59:59.999999999 → 24:00:00), so a
 * repaired row never matched its Cassandra row.
 */
function scalarTimeText(v: unknown): string {
  const us = nanosOfDay(v) / 1000n;
  const s = us / 1000000n;
  const two = (n: bigint) => n.toString().padStart(2, '0');
  return `${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}.${(us % 1000000n).toString().padStart(6, '0')}`;
}
