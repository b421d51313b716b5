import type {Buffer} from 'node:buffer';
import {
  type CqlType,
  civilFromDays,
  escapeKeyText,
  floatBitsCanon,
  isText,
  NAN_BITS,
  NULL_MARK,
  SEP,
  T,
} from './canonical.js';
import {pgHashBytes, pgHashInput, pgHashOut} from './pg-hash.js';

/**
 * A hash-mode page reduced straight from the RESULT frame's bytes: for every row, its bucket, its
 * row hash and its canonical key, without a string or an object per cell or row. The canonical row
 * text (key, then SEP and each compared column, hash.ts) is written as UTF-8 into the shared hash
 * buffer: the common types from the cell bytes (text as is, integers as digits, uuids as hex), every
 * other cell as the text its column's canonical decoder (cell-canon.ts) gives. The result is the same
 * bucket and hash as rowHasher over canonicalRows of the same page (test/unit/reconcile-page-digest.test.ts).
 */
export interface DigestSpec {
  /** Key columns, in canonical order. */
  key: string[];
  /** Compared columns, in canonical order. */
  compared: string[];
  /** Compared float and double columns that enter the row hash as their bits (ResolvedColumn.floatBits). */
  floatBits?: string[];
  /** Compared text columns that enter the row hash as length:text (ResolvedColumn.lengthPrefixed). */
  lengthPrefixed?: string[];
  /** Buckets − 1. */
  mask: number;
  /** Rows whose writetime column (wt__) is after this (µs since the epoch) are counted as young and left out. */
  cutoffUs?: number;
}

export interface PageDigest {
  /** Rows kept (not young), described by the arrays below. */
  rows: number;
  young: number;
  bucket: Uint32Array;
  hi: Uint32Array;
  lo: Uint32Array;
  /** The kept rows' canonical keys, UTF-8, one after the other; key i ends at keyEnd[i]. */
  keys: Uint8Array;
  keyEnd: Uint32Array;
}

/** Where a digested page travels: on the (empty) rows array the driver hands to the query's caller. */
export const DIGEST = Symbol('cdcctl.reconcile.digest');

/** A non-empty cell's canonical text (the column's decoder in cell-canon.ts). */
export type CellText = (buf: Buffer, at: number, len: number) => unknown;
/** Empty cells (length 0) keep the driver's meaning: '' for text and blobs, null otherwise. */
export type EmptyText = () => unknown;

type Writer = (buf: Buffer, at: number, len: number) => void;

const SEP_BYTE = SEP.charCodeAt(0);
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const NULL_BYTE = NULL_MARK.charCodeAt(0);
const TWO32 = 4294967296;
const MAX_DATE_MS = 8.64e15;
const DASH = 0x2d;
const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_CODES[i * 2] = h.charCodeAt(0);
  HEX_CODES[i * 2 + 1] = h.charCodeAt(1);
}

function addByte(c: number): void {
  const bytes = pgHashInput.room(1);
  bytes[pgHashInput.length++] = c;
}

function addText(v: unknown, canon: (v: unknown) => string): void {
  pgHashInput.add(typeof v === 'string' ? v : canon(v));
}

/** Decimal digits of 0 ≤ n < 10^9, padded with zeros to `width` digits, at `at`; returns the end. */
function putDigits(bytes: Uint8Array, at: number, n: number, width: number): number {
  let digits = 1;
  for (let m = 10; m <= n && digits < 9; m *= 10) digits++;
  if (digits < width) digits = width;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (n / 10) | 0;
    bytes[i] = 0x30 + n - q * 10;
    n = q;
  }
  return at + digits;
}

/** A safe integer as decimal digits (in 32-bit steps: integer division of a float is slow). */
function addInteger(n: number): void {
  const bytes = pgHashInput.room(17);
  let at = pgHashInput.length;
  if (n < 0) {
    bytes[at++] = DASH;
    n = -n;
  }
  if (n < 1e9) at = putDigits(bytes, at, n, 1);
  else {
    const high = Math.floor(n / 1e9);
    at = putDigits(bytes, at, high, 1);
    at = putDigits(bytes, at, n - high * 1e9, 9);
  }
  pgHashInput.length = at;
}

const DIGITS = new Uint8Array(16);

/**
 * unscaled × 10^-scale as canonical decimal text (decimalTextSafe's digits: no exponent, trailing
 * fraction zeros removed), for a safe integer `unscaled`.
 */
function addDecimal(unscaled: number, scale: number): void {
  const bytes = pgHashInput.room(20 + Math.abs(scale));
  let at = pgHashInput.length;
  if (unscaled === 0) {
    bytes[at] = 0x30;
    pgHashInput.length = at + 1;
    return;
  }
  if (unscaled < 0) {
    bytes[at++] = DASH;
    unscaled = -unscaled;
  }
  const count = DIGITS.length;
  let first = count;
  for (let n = unscaled; n > 0; n = Math.floor(n / 10)) DIGITS[--first] = 0x30 + (n % 10);
  if (scale <= 0) {
    for (let i = first; i < count; i++) bytes[at++] = DIGITS[i] as number;
    for (let i = 0; i < -scale; i++) bytes[at++] = 0x30;
  } else {
    const point = count - scale; // digits before it are the integer part; before `first` they are zeros
    let end = count;
    while (end > point && end > first && DIGITS[end - 1] === 0x30) end--;
    if (point > first) for (let i = first; i < point; i++) bytes[at++] = DIGITS[i] as number;
    else bytes[at++] = 0x30;
    if (end > point) {
      bytes[at++] = 0x2e;
      for (let i = point; i < end; i++) bytes[at++] = i < first ? 0x30 : (DIGITS[i] as number);
    }
  }
  pgHashInput.length = at;
}

/** YYYY-MM-DD of a day number (days since 1970-01-01); false when the year is outside 1–9999. */
function addDate(days: number): boolean {
  const ymd = civilFromDays(days);
  if (ymd === undefined) return false;
  const bytes = pgHashInput.room(10);
  let at = putDigits(bytes, pgHashInput.length, Math.floor(ymd / 10000), 4);
  bytes[at++] = DASH;
  at = putDigits(bytes, at, Math.floor(ymd / 100) % 100, 2);
  bytes[at++] = DASH;
  pgHashInput.length = putDigits(bytes, at, ymd % 100, 2);
  return true;
}

/**
 * A set<text> cell as canonical JSON (["a", "b"]), when every element is printable ASCII that JSON
 * does not escape and sorts the same with and without its quotes (0x23–0x7e but "\"), and the
 * elements come in ascending byte order (Cassandra's order for text): then the quoted elements are
 * already in canonical order. False otherwise (nothing written): the column's decoder decides.
 */
function addTextSet(b: Buffer, at: number, len: number): boolean {
  const end = at + len;
  if (len < 4) return false;
  const n = b.readInt32BE(at);
  if (n < 1) return false;
  const bytes = pgHashInput.room(len + n * 4 + 2);
  const start = pgHashInput.length;
  let o = start;
  bytes[o++] = 0x5b;
  let p = at + 4;
  let prev = -1;
  let prevLen = 0;
  for (let e = 0; e < n; e++) {
    if (p + 4 > end) return false;
    const l = b.readInt32BE(p);
    p += 4;
    if (l < 0 || p + l > end) return false;
    // this element against the one before it: it must come after
    if (prev >= 0 && b.compare(b, prev, prev + prevLen, p, p + l) <= 0) return false;
    if (e > 0) {
      bytes[o++] = 0x2c;
      bytes[o++] = 0x20;
    }
    bytes[o++] = 0x22;
    for (let i = p; i < p + l; i++) {
      const c = b[i] as number;
      if (c < 0x23 || c > 0x7e || c === 0x5c) return false;
      bytes[o++] = c;
    }
    bytes[o++] = 0x22;
    prev = p;
    prevLen = l;
    p += l;
  }
  if (p !== end) return false;
  bytes[o++] = 0x5d;
  pgHashInput.length = o;
  return true;
}

/**
 * The byte writer of a column's non-empty cells. `text` is the column's canonical decoder, the one the
 * row objects are made with: the fast paths write the same bytes it would give, and hand anything
 * unusual (a length a type cannot have, non-ASCII text, integers beyond 2^53) to it.
 */
function writerFor(t: CqlType, text: CellText, canon: (v: unknown) => string): Writer {
  const slow: Writer = (b, at, len) => addText(text(b, at, len), canon);
  switch (t.code) {
    case T.text:
    case T.varchar:
    case T.ascii:
      // ASCII bytes are their own canonical text; anything else is decoded as the driver decodes it
      return (b, at, len) => {
        const bytes = pgHashInput.room(len);
        const start = pgHashInput.length;
        for (let i = 0; i < len; i++) {
          const c = b[at + i] as number;
          if (c > 0x7f) return slow(b, at, len);
          bytes[start + i] = c;
        }
        pgHashInput.length = start + len;
      };
    case T.int:
      return (b, at, len) => (len === 4 ? addInteger(b.readInt32BE(at)) : slow(b, at, len));
    case T.bigint:
    case T.counter:
      return (b, at, len) => {
        if (len !== 8) return slow(b, at, len);
        const n = b.readInt32BE(at) * TWO32 + b.readUInt32BE(at + 4);
        return Number.isSafeInteger(n) ? addInteger(n) : slow(b, at, len);
      };
    case T.timestamp:
      return (b, at, len) => {
        if (len !== 8) return slow(b, at, len);
        const n = b.readInt32BE(at) * TWO32 + b.readUInt32BE(at + 4);
        return Math.abs(n) <= MAX_DATE_MS ? addInteger(n) : slow(b, at, len);
      };
    case T.boolean:
      return (b, at) => addByte(b[at] ? 0x74 : 0x66);
    case T.uuid:
    case T.timeuuid:
      return (b, at, len) => {
        if (len !== 16) return slow(b, at, len);
        const bytes = pgHashInput.room(36);
        let o = pgHashInput.length;
        for (let i = 0; i < 16; i++) {
          if (i === 4 || i === 6 || i === 8 || i === 10) bytes[o++] = DASH;
          const x = (b[at + i] as number) * 2;
          bytes[o++] = HEX_CODES[x] as number;
          bytes[o++] = HEX_CODES[x + 1] as number;
        }
        pgHashInput.length = o;
      };
    case T.decimal:
      // scale, then the unscaled value as a big-endian two's-complement integer
      return (b, at, len) => {
        const digits = len - 4;
        const scale = len >= 4 ? b.readInt32BE(at) : 0;
        if (digits < 1 || digits > 6 || scale > 64 || scale < -64) return slow(b, at, len);
        addDecimal(b.readIntBE(at + 4, digits), scale);
      };
    case T.date:
      // days since 1970-01-01, offset by 2^31
      return (b, at, len) => (len === 4 && addDate(b.readUInt32BE(at) - 2147483648) ? undefined : slow(b, at, len));
    case T.set: {
      const el = (t.info as CqlType | undefined)?.code;
      if (el !== T.text && el !== T.varchar && el !== T.ascii) return slow;
      return (b, at, len) => (addTextSet(b, at, len) ? undefined : slow(b, at, len));
    }
    default:
      return slow;
  }
}

const NAN_CODES = {
  single: Uint8Array.from(NAN_BITS.single, (c) => c.charCodeAt(0)),
  double: Uint8Array.from(NAN_BITS.double, (c) => c.charCodeAt(0)),
};

/**
 * The writer of a float or double column hashed as its bits: the cell's bytes as hex (they are the
 * IEEE 754 value, big-endian), every NaN as the one NaN; `slow` for a length the type cannot have.
 */
function bitsWriter(t: CqlType, slow: Writer): Writer {
  const width = t.code === T.float ? 4 : 8;
  const nan = width === 4 ? NAN_CODES.single : NAN_CODES.double;
  return (b, at, len) => {
    if (len !== width) return slow(b, at, len);
    const bytes = pgHashInput.room(width * 2);
    let o = pgHashInput.length;
    const high = b.readUInt32BE(at);
    const nanValue =
      width === 4
        ? (high & 0x7f800000) === 0x7f800000 && (high & 0x7fffff) !== 0
        : (high & 0x7ff00000) === 0x7ff00000 && ((high & 0xfffff) !== 0 || b.readUInt32BE(at + 4) !== 0);
    if (nanValue) bytes.set(nan, o);
    else
      for (let i = 0; i < width; i++) {
        const x = (b[at + i] as number) * 2;
        bytes[o + i * 2] = HEX_CODES[x] as number;
        bytes[o + i * 2 + 1] = HEX_CODES[x + 1] as number;
      }
    o += width * 2;
    pgHashInput.length = o;
  };
}

export interface DigestColumns {
  names: string[];
  types: CqlType[];
  /** Each column's canonical decoder of non-empty cells. */
  texts: CellText[];
  /** Each column's driver value of an empty cell. */
  empties: EmptyText[];
  /** Each column's canonicaliser of driver values (canonFor). */
  canons: Array<(v: unknown) => string>;
}

/** How a page's columns map onto the canonical row: which frame column is the i-th key or compared column. */
interface Plan {
  width: number;
  order: Int32Array;
  keyCount: number;
  writers: Writer[];
  empties: EmptyText[];
  canons: Array<(v: unknown) => string>;
  wt: number;
}

function planOf(cols: DigestColumns, spec: DigestSpec): Plan {
  const index = new Map(cols.names.map((n, j) => [n, j]));
  const at = (name: string) => {
    const j = index.get(name);
    if (j === undefined) throw new Error(`column ${name} is not in the page`);
    return j;
  };
  const names = [...spec.key, ...spec.compared];
  const order = Int32Array.from(names.map(at));
  const bits = new Set(spec.floatBits);
  const prefixed = new Set(spec.lengthPrefixed);
  const columns = names.map((name, i) => {
    const j = order[i] as number;
    const type = cols.types[j] as CqlType;
    if (i >= spec.key.length && bits.has(name)) {
      const canon = floatBitsCanon(type);
      const text = cols.texts[j] as CellText;
      return {writer: bitsWriter(type, (b, at, len) => pgHashInput.add(canon(text(b, at, len)))), canon};
    }
    const canon = cols.canons[j] as (v: unknown) => string;
    const writer = writerFor(type, cols.texts[j] as CellText, canon);
    if (i < spec.key.length && isText(type)) {
      // a key text holding a backslash or the separator enters pk_canon escaped (escapeKeyText)
      const text = cols.texts[j] as CellText;
      const escaping: Writer = (b, at, len) => {
        for (let k = at; k < at + len; k++) {
          const c = b[k] as number;
          if (c === BACKSLASH || c === SEP_BYTE) return pgHashInput.add(escapeKeyText(text(b, at, len) as string));
        }
        writer(b, at, len);
      };
      return {writer: escaping, canon};
    }
    if (i >= spec.key.length && prefixed.has(name)) {
      // the cell's byte length is the UTF-8 length of its text (Cassandra checks text is UTF-8)
      const withLength: Writer = (b, at, len) => {
        addInteger(len);
        addByte(COLON);
        writer(b, at, len);
      };
      return {writer: withLength, canon, empty: () => '0:'};
    }
    return {writer, canon};
  });
  return {
    width: cols.names.length,
    order,
    keyCount: spec.key.length,
    writers: columns.map((c) => c.writer),
    empties: [...order].map((j, i) => (columns[i] as {empty?: EmptyText}).empty ?? (cols.empties[j] as EmptyText)),
    canons: columns.map((c) => c.canon),
    wt: spec.cutoffUs === undefined ? -1 : (index.get('wt__') ?? -1),
  };
}

/**
 * Reduces the rows of a RESULT frame (`reader` at the row count) to a PageDigest, moving the reader
 * past them. Cells: a length (int, negative for null) and that many bytes.
 */
export function digestPage(reader: {buf: Buffer; offset: number}, cols: DigestColumns, spec: DigestSpec): PageDigest {
  const plan = planOf(cols, spec);
  const buf = reader.buf;
  let at = reader.offset;
  const count = buf.readInt32BE(at);
  at += 4;
  const {width, order, keyCount, writers, empties, canons, wt} = plan;
  const cellAt = new Int32Array(width);
  const cellLen = new Int32Array(width);
  const bucket = new Uint32Array(count);
  const hi = new Uint32Array(count);
  const lo = new Uint32Array(count);
  const keyEnd = new Uint32Array(count);
  let keys = new Uint8Array(count * 40 + 64);
  let keyBytes = 0;
  let kept = 0;
  let young = 0;
  const cutoff = spec.cutoffUs ?? 0;
  /** The key is complete in the hash buffer: its bucket, and a copy of its bytes (for the spill file). */
  const keyDone = () => {
    const bytes = pgHashInput.bytes;
    const n = pgHashInput.length;
    pgHashBytes(bytes, n);
    bucket[kept] = pgHashOut.lo & spec.mask;
    if (keys.length < keyBytes + n) {
      const grown = new Uint8Array(Math.max(keys.length * 2, keyBytes + n));
      grown.set(keys.subarray(0, keyBytes));
      keys = grown;
    }
    for (let k = 0; k < n; k++) keys[keyBytes + k] = bytes[k] as number;
    keyBytes += n;
    keyEnd[kept] = keyBytes;
  };
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < width; j++) {
      const len = buf.readInt32BE(at);
      at += 4;
      cellAt[j] = at;
      cellLen[j] = len;
      if (len > 0) {
        if (at + len > buf.length) throw new RangeError(`cell of ${len} bytes past the end of the frame`);
        at += len;
      }
    }
    if (wt >= 0 && cellLen[wt] === 8) {
      const w = cellAt[wt] as number;
      if (buf.readInt32BE(w) * TWO32 + buf.readUInt32BE(w + 4) > cutoff) {
        young++;
        continue;
      }
    }
    pgHashInput.reset();
    for (let i = 0; i < order.length; i++) {
      if (i === keyCount) keyDone();
      if (i > 0) addByte(SEP_BYTE);
      const j = order[i] as number;
      const len = cellLen[j] as number;
      if (len < 0) addByte(NULL_BYTE);
      else if (len === 0) addText((empties[i] as EmptyText)(), canons[i] as (v: unknown) => string);
      else (writers[i] as Writer)(buf, cellAt[j] as number, len);
    }
    if (order.length === keyCount) keyDone();
    pgHashInput.hash();
    hi[kept] = pgHashOut.hi;
    lo[kept] = pgHashOut.lo;
    kept++;
  }
  reader.offset = at;
  return {rows: kept, young, bucket, hi, lo, keys: keys.subarray(0, keyBytes), keyEnd};
}
