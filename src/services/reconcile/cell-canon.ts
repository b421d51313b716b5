import {Buffer} from 'node:buffer';
import {type Canon, type CqlType, canonFor, civilFromDays, decimalTextSafe, floatText, HEX, T} from './canonical.js';
import {DIGEST, type DigestColumns, type DigestSpec, digestPage} from './page-digest.js';

/**
 * Canonical texts straight from the cells' bytes, for the scan workers: the driver's
 * `Encoder.prototype.decode` (its documented, experimental decoding entry point) is wrapped so that
 * the columns of the split query decode to their canonical text (canonical.ts) instead of driver
 * objects (Uuid, Long, BigDecimal, Date …) that would only be turned into that text next. The
 * common scalar types are formatted from the bytes; every other type is decoded by the driver and
 * canonicalised as before, so the text is identical either way (test/unit/reconcile-cell-canon.test.ts).
 * Only columns of the registered table (canonicalTable) are affected: the driver's own metadata
 * queries in the same thread decode as usual.
 * The driver's row parser (Parser.prototype.parseRows) is wrapped too: a complete page of such
 * columns is read in place into plain row objects (canonicalRows), without the Buffer per cell, the
 * Row per row and the two object-mode stream hops per row of the driver's own parsing. These hooks
 * reach into cassandra-driver 4.10's lib/ files (pinned in package.json): the unit tests check that
 * those internals are still there and drive the hooks with the driver's own encoder; the integration
 * tests run them against Cassandra.
 */
const CANON = Symbol('cdcctl.reconcile.canon');

type Decoder = (this: unknown, buffer: Buffer | null, type: CqlType) => unknown;
/**
 * Canonical text of a non-empty cell: `len` bytes of `buf` from `at` (a cell buffer of its own, or the
 * frame the row parser reads); `decode` is the driver's own decoder, applied as decode.call(encoder, b, type).
 */
type CellCanon = (buf: Buffer, at: number, len: number, encoder: unknown, decode: Decoder) => unknown;
type Marked = CqlType & {[CANON]?: CellCanon};
/** A cell formatter reading the bytes in place; undefined when the value needs the driver's decoder. */
type BytesCanon = (b: Buffer, at: number, len: number) => string | undefined;

const TWO32 = 4294967296;
const MAX_DATE_MS = 8.64e15;

/** Formats the cell bytes directly, or undefined for types that go through the driver's decoder. */
export function bytesCanon(t: CqlType): BytesCanon | undefined {
  switch (t.code) {
    case T.boolean:
      return (b, at) => (b[at] ? 't' : 'f');
    case T.int:
      return (b, at, len) => (len === 4 ? String(b.readInt32BE(at)) : undefined);
    case T.bigint:
    case T.counter:
      return (b, at) => {
        const n = b.readInt32BE(at) * TWO32 + b.readUInt32BE(at + 4);
        return Number.isSafeInteger(n) ? String(n) : String(b.readBigInt64BE(at));
      };
    case T.timestamp:
      // the driver makes a Date of Long.toNumber(): out of Date's range, getTime() is NaN
      return (b, at) => {
        const n = b.readInt32BE(at) * TWO32 + b.readUInt32BE(at + 4);
        return Math.abs(n) <= MAX_DATE_MS ? String(n) : 'NaN';
      };
    case T.double:
      return (b, at) => floatText(b.readDoubleBE(at), false);
    case T.float:
      return float32Text;
    case T.uuid:
    case T.timeuuid:
      return (b, at) =>
        `${hex(b, at, at + 4)}-${hex(b, at + 4, at + 6)}-${hex(b, at + 6, at + 8)}-${hex(b, at + 8, at + 10)}-${hex(b, at + 10, at + 16)}`;
    case T.decimal:
      return (b, at, len) => {
        const digits = len - 4;
        const scale = b.readInt32BE(at);
        if (digits < 1 || digits > 6 || scale > 64 || scale < -64) return undefined;
        return decimalTextSafe(b.readIntBE(at + 4, digits), scale);
      };
    case T.text:
    case T.varchar:
      return (b, at, len) => b.toString('utf8', at, at + len);
    case T.ascii:
      return (b, at, len) => b.toString('ascii', at, at + len);
    case T.date:
      // days since 1970-01-01, offset by 2^31; years outside 1–9999 go through the driver
      return (b, at, len) => (len === 4 ? civilDate(b.readUInt32BE(at) - 2147483648) : undefined);
    default:
      return undefined;
  }
}

/**
 * float32 text memoised by bit pattern: the shortest round-trip digits take a search over
 * toExponential() precisions (~1–2 µs), and float columns often repeat values. Bounded (cleared when full).
 */
const floatCache = new Map<number, string>();
function float32Text(b: Buffer, at: number): string {
  const bits = b.readInt32BE(at);
  let s = floatCache.get(bits);
  if (s === undefined) {
    s = floatText(b.readFloatBE(at), true);
    if (floatCache.size >= 65_536) floatCache.clear();
    floatCache.set(bits, s);
  }
  return s;
}

/** YYYY-MM-DD of a day number, without a Date or a LocalDate per cell. */
function civilDate(days: number): string | undefined {
  const ymd = civilFromDays(days);
  if (ymd === undefined) return undefined;
  const y = Math.floor(ymd / 10000);
  const m = Math.floor(ymd / 100) % 100;
  const d = ymd % 100;
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
  const viaDriver: CellCanon = (b, at, len, enc, decode) =>
    canon(decode.call(enc, at === 0 && len === b.length ? b : b.subarray(at, at + len), t));
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
  if (size)
    return (b, at, len, enc, decode) =>
      (len === size ? direct(b, at, len) : viaDriver(b, at, len, enc, decode)) as string;
  return (b, at, len, enc, decode) => direct(b, at, len) ?? viaDriver(b, at, len, enc, decode);
}

let installed = false;
/**
 * Registered tables: their cells decode to canonical text (true) or to the driver's values (false);
 * with a DigestSpec, to canonical text, and complete pages are reduced to a PageDigest (page-digest.ts).
 */
const tables = new Map<string, boolean | DigestSpec>();

interface ReadMeta {
  keyspace?: string;
  table?: string;
  columns?: Array<{name: string; ksname?: string; tablename?: string; type: CqlType}>;
}

/** What the row parser uses of the driver's Parser (lib/streams.js) and the frame state it is given. */
interface FrameInfo {
  header: unknown;
  meta?: ReadMeta;
  flagsInfo?: unknown;
  byRow?: boolean;
  parsingError?: unknown;
  rowLength?: number;
}
interface ParserLike {
  encoder: unknown;
  push(item: unknown): unknown;
  handleParsingError(err: unknown, frameInfo: FrameInfo, reader: null): unknown;
}
type ParseRows = (this: ParserLike, frameInfo: FrameInfo, reader: {buf: Buffer; offset: number}) => unknown;
const EMPTY = Buffer.alloc(0);

/**
 * Wraps the driver's decode, and its result-metadata reader so that the columns of the registered
 * tables get marked as they arrive (the driver reads fresh column types with every page). Once per
 * thread, on the module instance the client uses.
 */
export function installCanonicalDecoding(
  encoderProto: {decode: Decoder},
  readerProto?: {readMetadata(this: unknown, kind: number): ReadMeta},
  parserProto?: {parseRows: ParseRows},
): void {
  if (installed) return;
  installed = true;
  const original = encoderProto.decode;
  encoderProto.decode = function (this: unknown, buffer: Buffer | null, type: CqlType) {
    const f = (type as Marked)[CANON];
    // nulls and empty cells keep the driver's own semantics (null, or '' for text and blobs)
    if (f === undefined || buffer === null || buffer.length === 0) return original.call(this, buffer, type);
    return f(buffer, 0, buffer.length, this, original);
  };
  if (readerProto) {
    const readMetadata = readerProto.readMetadata;
    readerProto.readMetadata = function (this: unknown, kind: number) {
      const meta = readMetadata.call(this, kind);
      if (tables.size > 0) {
        for (const c of meta.columns ?? []) {
          const mode = tables.get(`${c.ksname ?? meta.keyspace}.${c.tablename ?? meta.table}`);
          if (mode !== undefined) markCanonical([c], mode !== false);
        }
      }
      return meta;
    };
  }
  if (parserProto) {
    const parseRows = parserProto.parseRows;
    parserProto.parseRows = function (frameInfo, reader) {
      const columns = frameInfo.meta?.columns;
      // A complete frame (execute(), not eachRow/stream) whose every column is marked: parsed here.
      // Anything else, or a page already being parsed the driver's way, stays with the driver.
      if (frameInfo.byRow || frameInfo.parsingError || frameInfo.rowLength !== undefined || !allMarked(columns)) {
        return parseRows.call(this, frameInfo, reader);
      }
      const meta = frameInfo.meta as ReadMeta;
      const first = columns[0] as NonNullable<ReadMeta['columns']>[number];
      const mode = tables.get(`${first.ksname ?? meta.keyspace}.${first.tablename ?? meta.table}`);
      let rows: Array<Record<string, unknown>>;
      try {
        if (typeof mode === 'object') {
          // hash mode: no rows, the page's digest rides on the empty rows array
          rows = Object.assign([], {
            [DIGEST]: digestPage(reader, digestColumns(columns, this.encoder, original), mode),
          });
        } else rows = canonicalRows(reader, columns, this.encoder, original);
      } catch (err) {
        // a malformed frame: the driver's own answer to a cell it cannot decode
        return this.handleParsingError(err, frameInfo, null);
      }
      return this.push({header: frameInfo.header, result: {rows, meta: frameInfo.meta, flags: frameInfo.flagsInfo}});
    };
  }
}

function allMarked(columns: ReadMeta['columns']): columns is NonNullable<ReadMeta['columns']> {
  if (!columns?.length) return false;
  for (const c of columns) if ((c.type as Marked)[CANON] === undefined) return false;
  return true;
}

/**
 * The rows of a complete RESULT frame as plain objects of canonical texts (or of the driver's values,
 * see canonicalTable), read in place: the
 * driver's parser makes a Buffer slice per cell, a Row per row and pushes every row through two
 * object-mode streams on its own; here a page is one array handed over as the result. Cells: a
 * length (int, negative for null) and that many bytes; an empty cell decodes as the driver does.
 */
function canonicalRows(
  reader: {buf: Buffer; offset: number},
  columns: NonNullable<ReadMeta['columns']>,
  encoder: unknown,
  decode: Decoder,
): Array<Record<string, unknown>> {
  const buf = reader.buf;
  let at = reader.offset;
  const count = buf.readInt32BE(at);
  at += 4;
  const width = columns.length;
  const names = columns.map((c) => c.name);
  const types = columns.map((c) => c.type);
  const canons = columns.map((c) => (c.type as Marked)[CANON] as CellCanon);
  const rows = new Array<Record<string, unknown>>(count);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < width; j++) {
      const len = buf.readInt32BE(at);
      at += 4;
      const name = names[j] as string;
      if (len < 0) row[name] = null;
      else if (len === 0) row[name] = decode.call(encoder, EMPTY, types[j] as CqlType);
      else {
        if (at + len > buf.length) throw new RangeError(`cell of ${len} bytes past the end of the frame`);
        row[name] = (canons[j] as CellCanon)(buf, at, len, encoder, decode);
        at += len;
      }
    }
    rows[i] = row;
  }
  reader.offset = at;
  return rows;
}

/** A page's columns as digestPage reads them: each one's canonical decoder, empty-cell value and canonicaliser. */
function digestColumns(columns: NonNullable<ReadMeta['columns']>, encoder: unknown, decode: Decoder): DigestColumns {
  return {
    names: columns.map((c) => c.name),
    types: columns.map((c) => c.type),
    texts: columns.map((c) => {
      const f = (c.type as Marked)[CANON] as CellCanon;
      return (b: Buffer, at: number, len: number) => f(b, at, len, encoder, decode);
    }),
    empties: columns.map((c) => () => decode.call(encoder, EMPTY, c.type)),
    canons: columns.map((c) => canonFor(c.type)),
  };
}

/**
 * Complete pages of this table, from now on in this thread, are reduced to a PageDigest (found on the
 * result's rows array under DIGEST, the array itself empty); other pages decode to canonical text.
 */
export function digestTable(keyspace: string, table: string, spec: DigestSpec): void {
  tables.set(`${keyspace}.${table}`, spec);
}

/**
 * Columns of this table, in every result read from now on in this thread, decode to canonical text
 * (or, with canonical false, to the driver's own values, pages still parsed in place: a plain read).
 */
export function canonicalTable(keyspace: string, table: string, canonical = true): void {
  tables.set(`${keyspace}.${table}`, canonical);
}

/** This table's results are the driver's own again (a thread that served another scan of it before). */
export function forgetTable(keyspace: string, table: string): void {
  tables.delete(`${keyspace}.${table}`);
}

/** Marks result column types: their cells decode to canonical text (or the driver's values). */
export function markCanonical(columns: Array<{type: CqlType}> | null | undefined, canonical = true): void {
  for (const c of columns ?? []) {
    const t = c.type as Marked;
    if (t && t[CANON] === undefined) t[CANON] = canonical ? cellCanon(t) : driverCell(t);
  }
}

/** The driver's value of a cell (its decoder on a view of the bytes): a plain read, parsed in place. */
function driverCell(t: CqlType): CellCanon {
  return (b, at, len, enc, decode) => decode.call(enc, at === 0 && len === b.length ? b : b.subarray(at, at + len), t);
}
