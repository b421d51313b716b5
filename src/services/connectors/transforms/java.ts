import {UsageError} from '../../../errors.js';

/**
 * What the Connect worker's JVM (Java 17) does with numbers and dates where the transform emulation
 * must do the same: Double/Float.toString, Integer/Long/Double.parseX, the narrowing conversions of
 * Number.xValue(), and a documented subset of SimpleDateFormat in UTC. Where JavaScript cannot give
 * the very same answer, these refuse (UsageError) instead of guessing.
 */

/** Thrown where the emulation cannot match Java: a dry run that guessed would mislead. */
export class NotEmulable extends UsageError {}

/** Java's layout of a decimal (digits d1d2…, value = d1.d2… × 10^exp): plain in [1e-3, 1e7), else computerized. */
function javaLayout(negative: boolean, digits: string, exp: number): string {
  let s: string;
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) s = `${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
    else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else s = `${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
  return (negative ? '-' : '') + s;
}

function splitExponential(s: string): {digits: string; exp: number} {
  const [m, e] = s.split('e') as [string, string];
  return {digits: m.replace('.', '').replace(/0+$/, '') || '0', exp: Number(e)};
}

/**
 * Double.toString as Java 17 prints it: JavaScript's shortest digits in Java's layout ("21.0",
 * "1.0E7", "1.0E-4"). Java 17's algorithm (before JDK 19's shortest-digits one) prints more digits
 * than needed for many values between 1e16 and 1e20 (measured against Java 17 on 500,000 doubles,
 * the only differences): those are refused.
 */
export function javaDoubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const {digits, exp} = splitExponential(Math.abs(x).toExponential());
  if (exp >= 16 && exp < 20)
    throw new NotEmulable(`cannot emulate how Java 17 prints the double ${x} (it may add digits)`);
  return javaLayout(x < 0, digits, exp);
}

const FLOAT_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Float.toString as Java 17 prints it, for the float32 nearest x: the shortest digits that read back
 * as the float, a tie between two of them going to the even one (JavaScript's toExponential rounds
 * ties up). That matched Java 17 on 138,653 floats below 1e7; Java 17 adds digits to many floats at
 * or above 1e7 and to subnormal ones: those are refused.
 */
export function javaFloatToString(x: number): string {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? 'Infinity' : '-Infinity';
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  const a = Math.abs(f);
  if (a >= 1e7 || a < FLOAT_MIN_NORMAL)
    throw new NotEmulable(`cannot emulate how Java 17 prints the float ${a.toExponential()} (it may add digits)`);
  const exact = splitExponential(a.toExponential(100)); // a float's decimal expansion, exactly when short
  for (let p = 1; p <= 9; p++) {
    let s = a.toExponential(p - 1);
    if (exact.digits.length === p + 1 && exact.digits.endsWith('5') && Number(exact.digits[p - 1]) % 2 === 0) {
      const d = exact.digits.slice(0, p);
      const lower = `${d[0]}${d.length > 1 ? `.${d.slice(1)}` : ''}e${exact.exp}`;
      if (Math.fround(Number(lower)) === a) s = lower;
    }
    if (Math.fround(Number(s)) !== a) continue;
    const {digits, exp} = splitExponential(s);
    return javaLayout(f < 0, digits, exp);
  }
  throw new NotEmulable(`cannot emulate how Java 17 prints the float ${x}`);
}

/** A float32 as JsonConverter writes it (Float.toString) and JSON reads it back. */
export function float32Json(x: number): number {
  return Number(javaFloatToString(x));
}

export type IntBits = 8 | 16 | 32 | 64;

/** Java's narrowing of an integral value (long → byte/short/int: two's complement wrap). */
export function wrapInt(x: number, bits: IntBits): number {
  return Number(BigInt.asIntN(bits, BigInt(Math.trunc(x))));
}

/**
 * Java's narrowing of a double (or float) to an integral type, as Double.byteValue() etc. do it:
 * NaN is 0, otherwise rounded toward zero and saturated to int (long for 64 bits), then wrapped.
 */
export function narrowFloating(x: number, bits: IntBits): number {
  if (Number.isNaN(x)) return 0;
  if (bits === 64) {
    if (x >= 2 ** 63) return 2 ** 63; // Long.MAX_VALUE, as a double
    if (x <= -(2 ** 63)) return -(2 ** 63);
    return Math.trunc(x) + 0;
  }
  const i = Math.max(-2147483648, Math.min(2147483647, Math.trunc(x))) + 0;
  return bits === 32 ? i : wrapInt(i, bits);
}

/** Thrown where Java throws NumberFormatException. */
export class JavaNumberFormat extends Error {}

const INT_RANGE: Record<IntBits, [bigint, bigint]> = {
  8: [-128n, 127n],
  16: [-32768n, 32767n],
  32: [-2147483648n, 2147483647n],
  64: [-9223372036854775808n, 9223372036854775807n],
};

/** Byte.parseByte, Short.parseShort, Integer.parseInt, Long.parseLong (radix 10). */
export function javaParseInt(s: string, bits: IntBits): number {
  if (/[\u0080-\uffff]/.test(s) && /\p{Nd}/u.test(s))
    throw new NotEmulable(`cannot emulate Java's parsing of non-ASCII digits in "${s}"`);
  if (!/^[+-]?[0-9]+$/.test(s)) throw new JavaNumberFormat(s);
  const n = BigInt(s);
  const [lo, hi] = INT_RANGE[bits];
  if (n < lo || n > hi) throw new JavaNumberFormat(s);
  return Number(n);
}

/** Double.parseDouble / Float.parseFloat (decimal forms; hexadecimal ones are refused). */
export function javaParseFloating(s: string, float32: boolean): number {
  // Java trims every char <= ' ' at both ends
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Java's trim() semantics
  const t = s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
  if (/^[+-]?0[xX]/.test(t)) throw new NotEmulable(`cannot emulate parsing the hexadecimal number "${s}"`);
  const m = /^([+-]?)(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?$/.exec(t);
  if (!m) throw new JavaNumberFormat(s);
  if (m[2] === 'NaN' || m[2] === 'Infinity')
    throw new NotEmulable(`"${s}" parses to ${m[2]}, which JSON cannot carry as a number`);
  const d = Number(`${m[1]}${m[2]}`);
  if (!float32) return d;
  const digits = (m[2] as string)
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  if (digits.length > 15) throw new NotEmulable(`cannot emulate Float.parseFloat of "${s}" exactly (double rounding)`);
  return Math.fround(d);
}

// --- SimpleDateFormat, UTC ---------------------------------------------------------------------------

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The pattern letters emulated (formatting); parsing takes the numeric ones only. */
export const DATE_FORMAT_LETTERS = 'yMdHmsSEahkKDuZX';
const PARSE_LETTERS = 'yMdHmsS';

type PatternItem = {literal: string} | {letter: string; count: number};

/** SimpleDateFormat's pattern: letters repeat, '…' quotes ('' is a quote), other characters are literal. */
export function compileDatePattern(pattern: string, what: string): PatternItem[] {
  const items: PatternItem[] = [];
  const lit = (c: string) => {
    const last = items[items.length - 1];
    if (last && 'literal' in last) last.literal += c;
    else items.push({literal: c});
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        lit("'");
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`${what}: unterminated quote in the format "${pattern}"`);
      // '' inside a quoted run is a quote too
      let j = i + 1;
      let text = '';
      for (;;) {
        const k = pattern.indexOf("'", j);
        if (k < 0) throw new UsageError(`${what}: unterminated quote in the format "${pattern}"`);
        text += pattern.slice(j, k);
        if (pattern[k + 1] === "'") {
          text += "'";
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      for (const ch of text) lit(ch);
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      if (!DATE_FORMAT_LETTERS.includes(c))
        throw new UsageError(`${what}: the format letter "${c}" is not emulated`, {
          hint: `Emulated SimpleDateFormat letters: ${DATE_FORMAT_LETTERS.split('').join(' ')} (UTC, English names).`,
        });
      let n = 1;
      while (pattern[i + n] === c) n++;
      if (c === 'X' && n > 3) throw new UsageError(`${what}: invalid ISO 8601 format "${c.repeat(n)}" in "${pattern}"`);
      items.push({letter: c, count: n});
      i += n;
      continue;
    }
    lit(c);
    i++;
  }
  return items;
}

/** The Julian/Gregorian switch of java.util.GregorianCalendar (1582-10-15): earlier dates are refused. */
const GREGORIAN_CUTOVER_MS = -12219292800000;

function requireGregorian(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms < GREGORIAN_CUTOVER_MS || ms >= 253402300800000)
    throw new NotEmulable(`${what}: cannot emulate dates before 1582-10-15 or after 9999 (Java's calendar differs)`);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** SimpleDateFormat.format in UTC (English names) for epoch milliseconds. */
export function formatDate(items: PatternItem[], ms: number, what: string): string {
  requireGregorian(ms, what);
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const M = d.getUTCMonth();
  const H = d.getUTCHours();
  const dow = d.getUTCDay();
  return items
    .map((it) => {
      if ('literal' in it) return it.literal;
      const n = it.count;
      switch (it.letter) {
        case 'y':
          return n === 2 ? pad(y % 100, 2) : pad(y, n);
        case 'M':
          return n >= 4 ? MONTHS[M] : n === 3 ? (MONTHS[M] as string).slice(0, 3) : pad(M + 1, n);
        case 'd':
          return pad(d.getUTCDate(), n);
        case 'H':
          return pad(H, n);
        case 'k':
          return pad(H === 0 ? 24 : H, n);
        case 'K':
          return pad(H % 12, n);
        case 'h':
          return pad(H % 12 === 0 ? 12 : H % 12, n);
        case 'a':
          return H < 12 ? 'AM' : 'PM';
        case 'm':
          return pad(d.getUTCMinutes(), n);
        case 's':
          return pad(d.getUTCSeconds(), n);
        case 'S':
          return pad(d.getUTCMilliseconds(), n);
        case 'E':
          return n >= 4 ? DAYS[dow] : (DAYS[dow] as string).slice(0, 3);
        case 'u':
          return pad(dow === 0 ? 7 : dow, n);
        case 'D':
          return pad(Math.floor((ms - Date.UTC(y, 0, 1)) / 86400000) + 1, n);
        case 'Z':
          return '+0000';
        case 'X':
          return 'Z';
        default:
          throw new UsageError(`${what}: the format letter "${it.letter}" is not emulated`);
      }
    })
    .join('');
}

/** Refuses, at configuration, a pattern whose parsing is not emulated. */
export function checkParsable(items: PatternItem[], pattern: string, what: string): void {
  for (const it of items)
    if (
      'letter' in it &&
      (!PARSE_LETTERS.includes(it.letter) ||
        (it.letter === 'y' && it.count <= 2) ||
        (it.letter === 'M' && it.count > 2))
    )
      throw new UsageError(
        `${what}: parsing strings with the format "${pattern}" is not emulated (letter "${it.letter.repeat(it.count)}")`,
        {hint: 'Parsing is emulated for the numeric letters yyy(y) M(M) d H m s S and literals.'},
      );
}

/**
 * SimpleDateFormat.parse (lenient, UTC) for numeric patterns: spaces and tabs before a number are
 * skipped, a number takes as many digits as it finds (exactly `count` when the next item is a number
 * too), literals must match, text after the pattern is ignored, out-of-range fields roll over
 * (month 13 is January of the next year). Returns epoch ms, or null where Java throws ParseException.
 */
export function parseDate(items: PatternItem[], text: string, what: string): number | null {
  const f: Record<string, number> = {y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0};
  let pos = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i] as PatternItem;
    if ('literal' in it) {
      if (!text.startsWith(it.literal, pos)) return null;
      pos += it.literal.length;
      continue;
    }
    const before = pos;
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    const next = items[i + 1];
    const prev = items[i - 1];
    const obeyCount = next !== undefined && 'letter' in next;
    // numbers without a literal between them (yyyyMMdd) take exactly `count` digits; where the text
    // does not have them, SimpleDateFormat retries with shorter fields: not emulated
    const abutting = obeyCount || (prev !== undefined && 'letter' in prev);
    const m = /^[0-9]*/.exec(text.slice(pos, obeyCount ? pos + it.count : undefined)) as RegExpExecArray;
    const digits = m[0];
    if (abutting && (pos > before || digits.length === 0 || (obeyCount && digits.length < it.count)))
      throw new NotEmulable(`${what}: cannot emulate parsing "${text}": adjacent numbers without all their digits`);
    if (digits.length === 0) {
      if (text[pos] === '-' || text[pos] === '+')
        throw new NotEmulable(`${what}: cannot emulate parsing a signed number in "${text}"`);
      return null;
    }
    if (digits.length > 9) throw new NotEmulable(`${what}: cannot emulate parsing the number ${digits} in "${text}"`);
    f[it.letter] = Number(digits);
    pos += digits.length;
  }
  const d = new Date(0);
  d.setUTCFullYear(f.y as number, (f.M as number) - 1, f.d as number);
  d.setUTCHours(f.H as number, f.m as number, f.s as number, f.S as number);
  const ms = d.getTime();
  requireGregorian(ms, what);
  if ((f.y as number) < 1583) requireGregorian(Number.NaN, what);
  return ms;
}
