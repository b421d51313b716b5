/**
 * The Debezium Cassandra connector's events, read for people. Its `after` is not a row: every column
 * is a cell `{value, deletion_ts, set}` and an update carries only the cells it wrote — the others
 * are absent (null) or `set: false`. A cell written to null is a tombstone (value null); a cell with
 * a TTL carries its expiry in `deletion_ts`; a deleted row or partition carries every regular column
 * with a null value and the tombstone's timestamp. `_range_start`/`_range_end` describe a range
 * tombstone (op `t` after EnvelopeTransformation, `r` before it). Timestamps are epoch microseconds.
 */

export type CellState = 'set' | 'null' | 'deleted' | 'unset';

export interface CassandraCell {
  column: string;
  /** set: written with a value · null: written to null (a cell tombstone) · deleted: removed with its row or partition · unset: not part of this change. */
  state: CellState;
  value: unknown;
  /** For `set` with a TTL: when the cell expires. For `deleted`: the tombstone's time. ISO-8601 UTC. */
  expiresAt?: string;
  deletedAt?: string;
}

export interface CassandraRange {
  start: {method: string; values: Array<{name: string; value: string; type: string}>} | null;
  end: {method: string; values: Array<{name: string; value: string; type: string}>} | null;
}

export interface CassandraChange {
  keyspace: string | null;
  table: string | null;
  cluster: string | null;
  /** Commit-log segment and offset the change was read from (empty for snapshot reads). */
  file: string | null;
  pos: number | null;
  snapshot: boolean;
  cells: CassandraCell[];
  range?: CassandraRange;
}

/** Whether a `source` block is the Cassandra connector's (name "cassandra", or its keyspace/file fields). */
export function isCassandraSource(source: Record<string, unknown> | null): boolean {
  if (!source) return false;
  return source.connector === 'cassandra' || ('keyspace' in source && 'file' in source && 'pos' in source);
}

/** The connector's own op codes, before EnvelopeTransformation maps them: i → c, r (range tombstone) → t. */
export function cassandraOp(op: string): string {
  return op === 'i' ? 'c' : op === 'r' ? 't' : op;
}

const RANGE_FIELDS = new Set(['_range_start', '_range_end']);

/** Decodes `after` into cells; `op` decides what a null-valued cell with a timestamp means. */
export function cassandraChange(source: Record<string, unknown>, after: unknown, op: string | null): CassandraChange {
  const row = after && typeof after === 'object' && !Array.isArray(after) ? (after as Record<string, unknown>) : {};
  const cells: CassandraCell[] = [];
  for (const [column, raw] of Object.entries(row)) {
    if (RANGE_FIELDS.has(column)) continue;
    cells.push(readCell(column, raw, op));
  }
  const range = rangeOf(row);
  return {
    keyspace: str(source.keyspace),
    table: str(source.table),
    cluster: str(source.cluster),
    file: str(source.file) || null,
    pos: typeof source.pos === 'number' ? source.pos : null,
    snapshot: source.snapshot === true || source.snapshot === 'true',
    cells,
    ...(range ? {range} : {}),
  };
}

function readCell(column: string, raw: unknown, op: string | null): CassandraCell {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {column, state: 'unset', value: null};
  const cell = raw as {value?: unknown; deletion_ts?: unknown; set?: unknown};
  if (cell.set === false) return {column, state: 'unset', value: null};
  const ts = micros(cell.deletion_ts);
  const value = cell.value ?? null;
  if (value !== null) return {column, state: 'set', value, ...(ts ? {expiresAt: ts} : {})};
  if (op === 'd' && ts) return {column, state: 'deleted', value: null, deletedAt: ts};
  return {column, state: 'null', value: null, ...(ts ? {deletedAt: ts} : {})};
}

function rangeOf(row: Record<string, unknown>): CassandraRange | undefined {
  const part = (v: unknown): CassandraRange['start'] => {
    if (!v || typeof v !== 'object') return null;
    const o = v as {method?: unknown; values?: unknown};
    const values = Array.isArray(o.values)
      ? o.values.map((x) => {
          const e = (x ?? {}) as Record<string, unknown>;
          return {name: String(e.name ?? ''), value: String(e.value ?? ''), type: String(e.type ?? '')};
        })
      : [];
    return {method: String(o.method ?? ''), values};
  };
  const start = part(row._range_start);
  const end = part(row._range_end);
  return start || end ? {start, end} : undefined;
}

/** Epoch microseconds (a number or a decimal string) as ISO-8601 UTC; null when absent. */
function micros(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : undefined;
  if (n === undefined || !Number.isFinite(n)) return undefined;
  const d = new Date(Math.floor(n / 1000));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' && v !== 'NULL' ? v : v === '' ? '' : null;
}
