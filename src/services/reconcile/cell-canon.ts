import type {Buffer} from 'node:buffer';
import {type Canon, type CqlType, canonFor, decimalTextSafe, floatText, HEX, T} from './canonical.js';

/**
 * Canonical texts straight from the cells' bytes, for the scan workers: the driver's
 * `Encoder.prototype.decode` (its documented, experimental decoding entry point) is wrapped so that
 * the columns of the split query decode to their canonical text (canonical.ts) instead of driver
 * objects (Uuid, Long, BigDecimal, Date …) that would only be turned into that text next. The
 * common scalar types are formatted from the bytes; every other type is decoded by the driver and
 * canonicalised as before, so the text is identical either way (test/unit/reconcile-cell-canon.test.ts).
 * Only columns of the registered table (canonicalTable) are affected: the driver's own metadata
 * queries in the same thread decode as usual.
 */
const CANON = Symbol('cdcctl.reconcile.canon');

type Decoder = (this: unknown, buffer: Buffer | null, type: CqlType) => unknown;
/** Canonical text of a non-empty cell; `decode` is the driver's own decoder, applied as decode.call(encoder, b, type). */
type CellCanon = (buffer: Buffer, encoder: unknown, decode: Decoder) => string;
type Marked = CqlType & {[CANON]?: CellCanon};

const TWO32 = 4294967296;
const MAX_DATE_MS = 8.64e15;

/** Formats the cell bytes directly, or undefined for types that go through the driver's decoder. */
export function bytesCanon(t: CqlType): ((b: Buffer) => string) | undefined {
  switch (t.code) {
    case T.boolean:
      return (b) => (b[0] ? 't' : 'f');
    case T.int:
      return (b) => (b.length === 4 ? String(b.readInt32BE(0)) : undefined) as string;
    case T.bigint:
    case T.counter:
      return (b) => {
        const n = b.readInt32BE(0) * TWO32 + b.readUInt32BE(4);
        return Number.isSafeInteger(n) ? String(n) : String(b.readBigInt64BE(0));
      };
    case T.timestamp:
      // the driver makes a Date of Long.toNumber(): out of Date's range, getTime() is NaN
      return (b) => {
        const n = b.readInt32BE(0) * TWO32 + b.readUInt32BE(4);
        return Math.abs(n) <= MAX_DATE_MS ? String(n) : 'NaN';
      };
    case T.double:
      return (b) => floatText(b.readDoubleBE(0), false);
    case T.float:
      return float32Text;
    case T.uuid:
    case T.timeuuid:
      return (b) => `${hex(b, 0, 4)}-${hex(b, 4, 6)}-${hex(b, 6, 8)}-${hex(b, 8, 10)}-${hex(b, 10, 16)}` as string;
    case T.decimal:
      return (b) => {
        const len = b.length - 4;
        const scale = b.readInt32BE(0);
        if (len < 1 || len > 6 || scale > 64 || scale < -64) return undefined as unknown as string;
        return decimalTextSafe(b.readIntBE(4, len), scale);
      };
    case T.text:
    case T.varchar:
      return (b) => b.toString('utf8');
    case T.ascii:
      return (b) => b.toString('ascii');
    case T.date:
      // days since 1970-01-01, offset by 2^31; years outside 1–9999 go through the driver
      return (b) => (b.length === 4 ? civilDate(b.readUInt32BE(0) - 2147483648) : undefined) as string;
    default:
      return undefined;
  }
}

/**
 * float32 text memoised by bit pattern: the shortest round-trip digits take a search over
 * toExponential() precisions (~1–2 µs), and float columns often repeat values. Bounded (cleared when full).
 */
const floatCache = new Map<number, string>();
function float32Text(b: Buffer): string {
  const bits = b.readInt32BE(0);
  let s = floatCache.get(bits);
  if (s === undefined) {
    s = floatText(b.readFloatBE(0), true);
    if (floatCache.size >= 65_536) floatCache.clear();
    floatCache.set(bits, s);
  }
  return s;
}

/**
 * YYYY-MM-DD of a day number in the proleptic Gregorian calendar (as the driver's LocalDate and
 * PostgreSQL count), without a Date or a LocalDate per cell (H. Hinnant's civil_from_days).
 */
function civilDate(days: number): string | undefined {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1 || y > 9999) return undefined;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

function hex(b: Buffer, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[b[i] as number] as string;
  return s;
}

/** The canonicaliser used for a marked column: bytes first, the driver's decoder as the fallback. */
function cellCanon(t: CqlType): CellCanon {
  const canon: Canon = canonFor(t);
  const direct = bytesCanon(t);
  const viaDriver: CellCanon = (b, enc, decode) => canon(decode.call(enc, b, t));
  if (!direct) return viaDriver;
  // a fixed-size type with an unexpected length (or a decimal too large for a double) falls back
  const size =
    t.code === T.uuid || t.code === T.timeuuid
      ? 16
      : t.code === T.bigint || t.code === T.counter || t.code === T.timestamp || t.code === T.double
        ? 8
        : t.code === T.float
          ? 4
          : 0;
  if (size) return (b, enc, decode) => (b.length === size ? direct(b) : viaDriver(b, enc, decode));
  return (b, enc, decode) => direct(b) ?? viaDriver(b, enc, decode);
}

let installed = false;
const tables = new Set<string>();

interface ReadMeta {
  keyspace?: string;
  table?: string;
  columns?: Array<{ksname?: string; tablename?: string; type: CqlType}>;
}

/**
 * Wraps the driver's decode, and its result-metadata reader so that the columns of the registered
 * tables get marked as they arrive (the driver reads fresh column types with every page). Once per
 * thread, on the module instance the client uses.
 */
export function installCanonicalDecoding(
  encoderProto: {decode: Decoder},
  readerProto?: {readMetadata(this: unknown, kind: number): ReadMeta},
): void {
  if (installed) return;
  installed = true;
  const original = encoderProto.decode;
  encoderProto.decode = function (this: unknown, buffer: Buffer | null, type: CqlType) {
    const f = (type as Marked)[CANON];
    // nulls and empty cells keep the driver's own semantics (null, or '' for text and blobs)
    if (f === undefined || buffer === null || buffer.length === 0) return original.call(this, buffer, type);
    return f(buffer, this, original);
  };
  if (readerProto) {
    const readMetadata = readerProto.readMetadata;
    readerProto.readMetadata = function (this: unknown, kind: number) {
      const meta = readMetadata.call(this, kind);
      if (tables.size > 0) {
        for (const c of meta.columns ?? []) {
          if (tables.has(`${c.ksname ?? meta.keyspace}.${c.tablename ?? meta.table}`)) markCanonical([c]);
        }
      }
      return meta;
    };
  }
}

/** Columns of this table, in every result read from now on in this thread, decode to canonical text. */
export function canonicalTable(keyspace: string, table: string): void {
  tables.add(`${keyspace}.${table}`);
}

/** Marks result column types: their cells decode to canonical text. */
export function markCanonical(columns: Array<{type: CqlType}> | null | undefined): void {
  for (const c of columns ?? []) {
    const t = c.type as Marked;
    if (t && t[CANON] === undefined) t[CANON] = cellCanon(t);
  }
}
