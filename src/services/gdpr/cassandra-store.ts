import type {Client} from 'cassandra-driver';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import {mapAll} from '../../util/concurrency.js';
import type {CassandraTarget} from './config.js';
import {canonicalJson, isRawNumber, parseExact, scalarText} from './crypto.js';

/**
 * The Cassandra side of an erasure: locate a subject's rows by full primary key, back them up with
 * per-cell writetime and TTL, delete them row by row `USING TIMESTAMP` (full-key deletes: Debezium
 * ignores range deletes), restore them with timestamps later than the delete's while keeping their
 * writetime order, and verify. Values travel as CQL JSON (`toJson()` / `SELECT JSON` / `INSERT … JSON` /
 * `fromJson(?)`) so every type round-trips exactly; identifiers are validated and quoted, values bound.
 */

/** A row's primary key as CQL JSON values, keyed by JSON key (see jsonKey). */
export type CqlKey = Record<string, unknown>;

export interface CassandraBackupRow {
  key: CqlKey;
  /** Non-null regular columns, CQL JSON values (raw numbers kept). */
  data: Record<string, unknown>;
  /** Per column: writetime (µs, decimal string) and remaining TTL in seconds (null = none). */
  cells: Record<string, {wt: string; ttl: number | null}>;
}

export interface CassandraTableBackup {
  keyspace: string;
  table: string;
  rows: CassandraBackupRow[];
}

interface Shape {
  partition: string[];
  clustering: string[];
  regular: Array<{name: string; complex: boolean}>;
}

type Consistency = 'LOCAL_QUORUM' | 'QUORUM' | 'EACH_QUORUM' | 'ALL' | 'ONE' | 'LOCAL_ONE';

const q = (name: string) => `"${name}"`;
/** How CQL JSON names a column: as is when it is lower-case, else double-quoted. */
export const jsonKey = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`);
const SIMPLE_TYPE =
  /^(frozen<.*>|ascii|bigint|blob|boolean|date|decimal|double|duration|float|inet|int|smallint|text|time|timestamp|timeuuid|tinyint|uuid|varchar|varint|vector<.*>)$/;

export class CassandraSide {
  private shapes = new Map<string, Shape>();
  constructor(
    private readonly client: Client,
    private readonly consistency: Consistency,
  ) {}

  private async exec(cql: string, params: unknown[]) {
    return this.client.execute(cql, params, {
      prepare: true,
      consistency: CONSISTENCY[this.consistency],
      isIdempotent: true,
    });
  }

  async shape(ks: string, table: string): Promise<Shape> {
    const id = `${ks}.${table}`;
    const known = this.shapes.get(id);
    if (known) return known;
    const res = await this.client.execute(
      'SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
      [ks, table],
      {prepare: true},
    );
    if (res.rows.length === 0) {
      throw new UsageError(`Cassandra table ${ks}.${table} does not exist`, {
        hint: 'Check gdpr.cassandra in the context.',
      });
    }
    const cols = res.rows.map((r) => ({
      name: String(r.column_name),
      kind: String(r.kind),
      pos: Number(r.position),
      type: String(r.type),
    }));
    if (cols.some((c) => c.type === 'counter')) {
      throw new UsageError(
        `Cassandra table ${ks}.${table} has counters, which cannot be backed up and restored by timestamp`,
      );
    }
    const byPos = (kind: string) =>
      cols
        .filter((c) => c.kind === kind)
        .sort((a, b) => a.pos - b.pos)
        .map((c) => c.name);
    const shape: Shape = {
      partition: byPos('partition_key'),
      clustering: byPos('clustering'),
      regular: cols
        .filter((c) => c.kind === 'regular')
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((c) => ({name: c.name, complex: !SIMPLE_TYPE.test(c.type)})),
    };
    this.shapes.set(id, shape);
    return shape;
  }

  /**
   * How a target's rows are found: by its partition key, or through its lookup table (the key
   * columns the lookup holds and the contiguous prefix of them a WHERE can use). Throws a usage
   * error when the subject map cannot work for this table.
   */
  private async route(t: CassandraTarget): Promise<{shape: Shape; lookup?: {prefix: string[]; restrict: string[]}}> {
    const shape = await this.shape(t.keyspace, t.table);
    const pk = [...shape.partition, ...shape.clustering];
    if (!t.lookup) {
      const cols = [...t.subjectColumns].sort();
      if (cols.join(',') !== [...shape.partition].sort().join(',')) {
        throw new UsageError(
          `gdpr: ${t.keyspace}.${t.table} subjectColumns (${t.subjectColumns.join(', ')}) are not its partition key (${shape.partition.join(', ')})`,
          {
            hint: 'Configure a lookup table keyed by the subject id (gdpr.cassandra[].lookup); cdcctl never scans with ALLOW FILTERING.',
          },
        );
      }
      return {shape};
    }
    const lk = t.lookup;
    const lshape = await this.shape(lk.keyspace, lk.table);
    if (lshape.partition.length !== 1 || lshape.partition[0] !== lk.subjectColumn) {
      throw new UsageError(
        `gdpr: lookup table ${lk.keyspace}.${lk.table} must be partitioned by ${lk.subjectColumn} alone`,
      );
    }
    const lcols = new Set([...lshape.partition, ...lshape.clustering, ...lshape.regular.map((c) => c.name)]);
    if (!shape.partition.every((c) => lcols.has(c))) {
      throw new UsageError(
        `gdpr: lookup table ${lk.keyspace}.${lk.table} lacks the partition key columns of ${t.keyspace}.${t.table} (${shape.partition.join(', ')})`,
      );
    }
    const prefix = pk.filter((c) => lcols.has(c));
    // Key prefixes must be contiguous from the partition key for a WHERE without filtering.
    let usable = 0;
    while (usable < pk.length && prefix.includes(pk[usable] as string)) usable++;
    return {shape, lookup: {prefix, restrict: pk.slice(0, usable)}};
  }

  /** What is wrong with a target of the subject map (missing tables or columns, unusable keys); empty when it works. */
  async problems(t: CassandraTarget): Promise<string[]> {
    try {
      const {shape} = await this.route(t);
      const cols = new Set([...shape.partition, ...shape.clustering, ...shape.regular.map((c) => c.name)]);
      const missing = t.subjectColumns.filter((c) => !cols.has(c));
      return missing.length ? [`${t.keyspace}.${t.table} has no column ${missing.join(', ')} (subjectColumns)`] : [];
    } catch (err) {
      if (err instanceof UsageError) return [err.message.replace(/^gdpr: /, '')];
      throw err;
    }
  }

  /** Tables of a keyspace with a column of one of these names. */
  async tablesWithColumns(keyspace: string, names: string[]): Promise<Array<{table: string; column: string}>> {
    const res = await this.client.execute(
      'SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?',
      [keyspace],
      {prepare: true},
    );
    return res.rows
      .map((r) => ({table: String(r.table_name), column: String(r.column_name)}))
      .filter((r) => names.includes(r.column));
  }

  /** Full primary keys of the subject's rows in one table. */
  async locate(t: CassandraTarget, subject: string): Promise<CqlKey[]> {
    const {shape, lookup} = await this.route(t);
    const pk = [...shape.partition, ...shape.clustering];
    const selectKeys = `SELECT JSON ${pk.map(q).join(', ')} FROM ${q(t.keyspace)}.${q(t.table)}`;
    if (!t.lookup || !lookup) {
      const where = shape.partition.map((c) => `${q(c)} = fromJson(?)`).join(' AND ');
      return this.jsonRows(
        `${selectKeys} WHERE ${where}`,
        shape.partition.map(() => JSON.stringify(subject)),
      );
    }
    const lk = t.lookup;
    const refs = await this.jsonRows(
      `SELECT JSON ${lookup.prefix.map(q).join(', ')} FROM ${q(lk.keyspace)}.${q(lk.table)} WHERE ${q(lk.subjectColumn)} = fromJson(?)`,
      [JSON.stringify(subject)],
    );
    const seen = new Map<string, CqlKey>();
    for (const ref of refs) {
      const where = lookup.restrict.map((c) => `${q(c)} = fromJson(?)`).join(' AND ');
      const keys = await this.jsonRows(
        `${selectKeys} WHERE ${where}`,
        lookup.restrict.map((c) => cqlJson(ref[jsonKey(c)] ?? null)),
      );
      for (const k of keys) seen.set(canonicalJson(k), k);
    }
    return [...seen.values()];
  }

  private async jsonRows(cql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    try {
      const res = await this.exec(cql, params);
      return res.rows.map((r) => parseExact(String(r['[json]'])) as Record<string, unknown>);
    } catch (err) {
      // A subject id that cannot be a value of the column's type (e.g. text for an int key), or that is
      // longer than any key Cassandra can store (65,535 bytes), matches nothing.
      if (
        /from JSON|Unable to make|Error decoding JSON|Invalid .* string|Key length of \d+ is longer than maximum/i.test(
          (err as Error).message,
        )
      )
        return [];
      throw err;
    }
  }

  private keyWhere(shape: Shape): {where: string; cols: string[]} {
    const cols = [...shape.partition, ...shape.clustering];
    return {where: cols.map((c) => `${q(c)} = fromJson(?)`).join(' AND '), cols};
  }

  private keyParams(cols: string[], key: CqlKey): string[] {
    return cols.map((c) => cqlJson(key[jsonKey(c)] ?? null));
  }

  /**
   * Full rows with per-cell writetime/TTL for the given keys (rows already gone are skipped).
   *
   * Values are read with `toJson()` per column rather than `SELECT JSON`: Cassandra 5.0 cannot
   * serialise `ttl()` of a non-frozen collection or UDT whose elements have no TTL as JSON (the
   * server throws a NullPointerException), and the driver misreads that list when it has nulls.
   * Writetimes of a non-frozen column are read per element as JSON (never null) and the newest is
   * kept; its TTL comes from complexTtl.
   */
  async backup(t: {keyspace: string; table: string}, keys: CqlKey[]): Promise<CassandraTableBackup> {
    const shape = await this.shape(t.keyspace, t.table);
    const {where, cols} = this.keyWhere(shape);
    const from = `FROM ${q(t.keyspace)}.${q(t.table)} WHERE ${where}`;
    const selectors = [
      ...cols.map((c, i) => `toJson(${q(c)}) AS "k${i}"`),
      ...shape.regular.flatMap((c, i) => [
        `toJson(${q(c.name)}) AS "v${i}"`,
        `toJson(writetime(${q(c.name)})) AS "w${i}"`,
        ...(c.complex ? [] : [`ttl(${q(c.name)}) AS "t${i}"`]),
      ]),
    ];
    const cql = `SELECT ${selectors.join(', ')} ${from}`;
    const rows: CassandraBackupRow[] = [];
    for (const key of keys) {
      const params = this.keyParams(cols, key);
      const [r] = (await this.exec(cql, params)).rows;
      if (!r) continue;
      const row: CassandraBackupRow = {key: {}, data: {}, cells: {}};
      cols.forEach((c, i) => {
        row.key[jsonKey(c)] = parseExact(String(r[`k${i}`]));
      });
      for (const [i, c] of shape.regular.entries()) {
        const v = parseExact(String(r[`v${i}`]));
        if (v === null) continue;
        row.data[jsonKey(c.name)] = v;
        const ttl = c.complex
          ? await this.complexTtl(`SELECT toJson(ttl(${q(c.name)})) AS "t" ${from}`, params)
          : r[`t${i}`] === null || r[`t${i}`] === undefined
            ? null
            : Number(r[`t${i}`]);
        row.cells[jsonKey(c.name)] = {wt: maxOf(parseExact(String(r[`w${i}`]))), ttl};
      }
      rows.push(row);
    }
    return {keyspace: t.keyspace, table: t.table, rows};
  }

  /**
   * The TTL a non-frozen collection or UDT is restored with (one for all its elements): the
   * shortest remaining TTL when every element has one, none when any element has none (an element
   * that never expired must not expire after a restore). Cassandra 5.0 answers `toJson(ttl(col))`
   * with a server error when an element has no TTL; that answer, like a null in the list, means "none".
   */
  private async complexTtl(cql: string, params: string[]): Promise<number | null> {
    let text: string;
    try {
      text = String((await this.exec(cql, params)).rows[0]?.t ?? 'null');
    } catch (err) {
      if ((err as {code?: number}).code === SERVER_ERROR) return null;
      throw err;
    }
    // a list (collections) or an object of field TTLs (UDTs); the leaves are numbers or null
    const leaves: unknown[] = [];
    const walk = (v: unknown): void => {
      if (v !== null && typeof v === 'object' && !isRawNumber(v)) Object.values(v).forEach(walk);
      else leaves.push(v);
    };
    walk(parseExact(text));
    if (leaves.length === 0 || leaves.some((x) => x === null)) return null;
    return Math.min(...leaves.map((x) => Number(scalarText(x))));
  }

  /** Row deletes with the journalled timestamp: idempotent (same tombstone every time). */
  async delete(t: {keyspace: string; table: string}, keys: CqlKey[], tsUs: string): Promise<number> {
    const shape = await this.shape(t.keyspace, t.table);
    const {where, cols} = this.keyWhere(shape);
    const cql = `DELETE FROM ${q(t.keyspace)}.${q(t.table)} USING TIMESTAMP ? WHERE ${where}`;
    const driver = (await import('cassandra-driver')).default;
    const ts = driver.types.Long.fromString(tsUs);
    await mapAll(keys, 8, (key) => this.exec(cql, [ts, ...this.keyParams(cols, key)]));
    return keys.length;
  }

  /**
   * Writes backed-up rows back with timestamps above the delete's: each distinct original writetime
   * gets its rank (1, 2, …) added to `baseUs`, so cells keep their relative order; TTLs continue
   * from where they were (cells whose TTL would have run out stay gone).
   */
  async restore(backups: CassandraTableBackup[], baseUs: string, backedUpAt: Date): Promise<number> {
    const driver = (await import('cassandra-driver')).default;
    const ranks = writetimeRanks(backups);
    const elapsed = Math.floor((Date.now() - backedUpAt.getTime()) / 1000);
    let written = 0;
    for (const b of backups) {
      const cql = `INSERT INTO ${q(b.keyspace)}.${q(b.table)} JSON ? DEFAULT UNSET USING TIMESTAMP ? AND TTL ?`;
      for (const row of b.rows) {
        const groups = new Map<string, {ts: bigint; ttl: number; cols: string[]}>();
        groups.set('marker', {ts: BigInt(baseUs) + 1n, ttl: 0, cols: []});
        for (const [col, cell] of Object.entries(row.cells)) {
          // Backups are read back with exact numbers (raw JSON): take their text.
          const ttl = cell.ttl === null ? 0 : Number(scalarText(cell.ttl)) - elapsed;
          if (cell.ttl !== null && ttl <= 0) continue;
          const ts = BigInt(baseUs) + BigInt(ranks.get(cell.wt) ?? 1);
          const g = `${ts}/${ttl}`;
          const entry = groups.get(g) ?? {ts, ttl, cols: []};
          entry.cols.push(col);
          groups.set(g, entry);
        }
        for (const g of groups.values()) {
          const doc: Record<string, unknown> = {...row.key};
          for (const c of g.cols) doc[c] = row.data[c];
          await this.exec(cql, [cqlJson(doc), driver.types.Long.fromString(g.ts.toString()), g.ttl]);
          written++;
        }
      }
    }
    return written;
  }

  /** How many of the keys still have a row. */
  async remaining(t: {keyspace: string; table: string}, keys: CqlKey[]): Promise<number> {
    const shape = await this.shape(t.keyspace, t.table);
    const {where, cols} = this.keyWhere(shape);
    const cql = `SELECT JSON ${cols.map(q).join(', ')} FROM ${q(t.keyspace)}.${q(t.table)} WHERE ${where}`;
    let n = 0;
    for (const key of keys) if ((await this.jsonRows(cql, this.keyParams(cols, key))).length > 0) n++;
    return n;
  }
}

/**
 * JSON text for `INSERT … JSON` / `fromJson()`: numbers go as strings of their exact source text,
 * because Cassandra parses JSON numbers as doubles (10.50 would come back as 10.5, big varints
 * would round) while every numeric CQL type accepts its string form.
 */
export function cqlJson(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (isRawNumber(v)) return scalarText(v);
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
  };
  return canonicalJson(walk(value));
}

/** The native protocol's "server error" (an exception inside Cassandra, e.g. its NullPointerException). */
const SERVER_ERROR = 0x0000;

const CONSISTENCY: Record<Consistency, number> = {
  ONE: 1,
  QUORUM: 4,
  ALL: 5,
  LOCAL_QUORUM: 6,
  EACH_QUORUM: 7,
  LOCAL_ONE: 10,
};

function maxOf(v: unknown): string {
  const list = Array.isArray(v) ? v : [v];
  let best = 0n;
  for (const x of list) if (x !== null && x !== undefined && BigInt(scalarText(x)) > best) best = BigInt(scalarText(x));
  return best.toString();
}

/** Distinct writetimes of a backup, ranked ascending from 2 (1 is the row marker). */
export function writetimeRanks(backups: CassandraTableBackup[]): Map<string, number> {
  const all = new Set<string>();
  for (const b of backups) for (const r of b.rows) for (const c of Object.values(r.cells)) all.add(c.wt);
  const sorted = [...all].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return new Map(sorted.map((wt, i) => [wt, i + 2]));
}

export function cassandraFailure(err: unknown, doing: string): CdcError {
  if (err instanceof CdcError) return err;
  return new CdcError(
    'CASSANDRA_ERROR',
    ExitCode.unreachable,
    `Cassandra failed while ${doing}: ${(err as Error).message.split('\n')[0]}`,
    {
      cause: err,
    },
  );
}
