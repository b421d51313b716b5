import {availableParallelism} from 'node:os';
import type {Pool, PoolClient} from 'pg';
import {CdcError, ExitCode} from '../../errors.js';
import {quoteIdent} from '../../store/sql.js';
import {mapAll} from '../../util/concurrency.js';
import {pgKeyFromCanon, splitKey} from './canonical.js';
import {type Buckets, newBuckets} from './hash.js';
import {PG_HASH_PROBES, pgHashHex, pgHashHexSql, pgHashSql} from './pg-hash.js';
import {pgKeyCanonSql, pgRowCanonSql, pgScanSql, pgStoredKeySql, pgTableRef, type ResolvedTable} from './spec.js';

/**
 * The PostgreSQL side: one server-side GROUP BY per table computes every bucket's figures (almost
 * nothing crosses the wire); drill-down lists keys and row hashes of the mismatched buckets only;
 * point fetches return canonical column texts for the column-level diff.
 */

export interface PgFilter {
  /** Rows whose updatedAt column is newer than this are left out (min-age). */
  cutoff?: Date;
  /** Only buckets in [from, to) (a shard's block): row hashes are computed for those rows only. */
  bucketRange?: [number, number];
}

/** The min-age condition on the updatedAt column (its value pushed onto `params`), or '' without one. */
function cutoffClause(t: ResolvedTable, filter: PgFilter, params: unknown[]): string {
  if (!filter.cutoff || !t.updatedAt) return '';
  params.push(filter.cutoff);
  return `(${quoteIdent(t.updatedAt)} IS NULL OR ${quoteIdent(t.updatedAt)} < $${params.length})`;
}

function inner(t: ResolvedTable, filter: PgFilter, params: unknown[], blocks?: [number, number | undefined]): string {
  const where = [cutoffClause(t, filter, params), ...blockClauses(t, blocks, params)].filter(Boolean);
  return `SELECT ${pgKeyCanonSql(t)} AS pk, ${pgHashHexSql(pgRowCanonSql(t))} AS h FROM ${pgTableRef(t)}${
    where.length ? ` WHERE ${where.join(' AND ')}` : ''
  }`;
}

const BUCKET = `(${pgHashSql('s.pk')} & $1)::int`;

function rangeClause(filter: PgFilter, params: unknown[]): string {
  if (!filter.bucketRange) return '';
  params.push(filter.bucketRange[0], filter.bucketRange[1]);
  return ` WHERE b >= $${params.length - 1} AND b < $${params.length}`;
}

/**
 * The bucket query: per bucket, count(*) and Σh mod 2^64 returned as two 32-bit lanes (hi, lo), the
 * form the Node side normalises its lane sums to (hash.ts normalised). Written so that PostgreSQL
 * evaluates each hash once per row (h is one 64-bit integer referenced once, summed by sum(int8)'s
 * 128-bit accumulator) and hash-aggregates in memory; the mod/lane arithmetic runs once per bucket.
 * `blocks` restricts it to a range of heap pages (a TID range scan, PostgreSQL ≥ 14).
 */
export function bucketSql(
  t: ResolvedTable,
  buckets: number,
  filter: PgFilter,
  blocks?: [number, number | undefined],
): {text: string; values: unknown[]} {
  const values: unknown[] = [buckets - 1];
  const scan = pgScanSql(t);
  const where: string[] = [];
  const young = cutoffClause(t, filter, values);
  if (young) where.push(young);
  where.push(...blockClauses(t, blocks, values));
  const range = rangeClause(filter, values);
  return {
    text: `SELECT b, n, floor(s / 4294967296)::float8 AS hi, mod(s, 4294967296)::float8 AS lo FROM (
      SELECT b, count(*)::float8 AS n, mod(mod(sum(h), 18446744073709551616) + 18446744073709551616, 18446744073709551616) AS s
        FROM (SELECT (${pgHashSql(scan.key)} & $1)::int AS b,
                     ${pgHashSql(scan.row)} AS h
                FROM ${scan.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}) x${range}
       GROUP BY b) g`,
    values,
  };
}

/**
 * Planner settings for the aggregation: no JIT (compiling costs more than it gains here), hash
 * aggregation in memory (the planner cannot estimate the number of buckets and would sort 1M rows),
 * no parallel plan (we run our own block-range chunks: PostgreSQL's cost model does not see the
 * canonical texts' cost and keeps the expensive expressions in the leader).
 */
const BUCKET_SETTINGS = [
  'SET LOCAL jit = off',
  "SET LOCAL work_mem = '64MB'",
  'SET LOCAL enable_sort = off',
  'SET LOCAL max_parallel_workers_per_gather = 0',
];

/**
 * The table's size from the planner's statistics, without reading it: rows (reltuples; 0 before the
 * first ANALYZE or VACUUM) and bytes per row (heap and TOAST; undefined without a row count).
 */
export async function pgTableSize(pool: Pool, t: ResolvedTable): Promise<{rows: number; bytesPerRow?: number}> {
  const r = await pool.query<{n: number; bytes: number}>(
    `SELECT greatest(c.reltuples, 0)::float8 AS n, pg_table_size(c.oid)::float8 AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [t.pgSchema, t.pgTable],
  );
  const rows = r.rows[0]?.n ?? 0;
  return {rows, bytesPerRow: rows > 0 ? (r.rows[0]?.bytes as number) / rows : undefined};
}

/** Default number of concurrent chunk queries: the server's cores are not known, the client's are a fair guess on one box. */
export function defaultPgParallel(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * PostgreSQL's buckets: the table cut into `parallel` contiguous block ranges aggregated concurrently
 * (one connection each; PostgreSQL ≥ 14 scans a TID range without reading the rest), summed here.
 */
export async function pgBuckets(
  pool: Pool,
  t: ResolvedTable,
  buckets: number,
  filter: PgFilter,
  options: {parallel?: number} = {},
): Promise<Buckets> {
  const out = newBuckets(buckets);
  await inBlockChunks(pool, t, options.parallel ?? defaultPgParallel(), async (client, blocks) => {
    for (const s of BUCKET_SETTINGS) await client.query(s);
    // streamed: a chunk returns a row for nearly every bucket (up to 2^20), not worth holding at once
    await streamRows<{b: number; n: number; hi: number; lo: number}>(
      client,
      bucketSql(t, buckets, filter, blocks),
      (r) => {
        out.n[r.b] = (out.n[r.b] as number) + r.n;
        out.hi[r.b] = (out.hi[r.b] as number) + r.hi;
        out.lo[r.b] = (out.lo[r.b] as number) + r.lo;
      },
    );
  });
  return out;
}

/** Runs a query and hands each row to `each` as it arrives, without collecting the result. */
async function streamRows<R>(
  client: PoolClient,
  query: {text: string; values: unknown[]},
  each: (row: R) => void,
): Promise<void> {
  const {default: pg} = await import('pg');
  await new Promise<void>((resolve, reject) => {
    const q = new pg.Query(query);
    q.on('row', (r: R) => each(r));
    q.on('error', reject);
    q.on('end', () => resolve());
    client.query(q);
  });
}

/**
 * Runs `fn` once per contiguous block range of the table (`parallel` of them, concurrently, one
 * connection each; PostgreSQL ≥ 14 scans a TID range without reading the rest), every range in the
 * same snapshot: a row updated meanwhile (and so moved to another block) is seen exactly once. A small
 * table, one connection or an older server: one call over the whole table (blocks undefined).
 */
async function inBlockChunks(
  pool: Pool,
  t: ResolvedTable,
  parallel: number,
  fn: (client: PoolClient, blocks: [number, number | undefined] | undefined) => Promise<void>,
): Promise<void> {
  const info = await pool.query<{pages: number; v: number}>(
    `SELECT greatest(pg_relation_size($1::regclass) / current_setting('block_size')::int, 1)::float8 AS pages,
            current_setting('server_version_num')::int AS v`,
    [pgTableRef(t)],
  );
  const pages = info.rows[0]?.pages ?? 1;
  const chunks: Array<[number, number | undefined] | undefined> = [];
  if (parallel <= 1 || (info.rows[0]?.v ?? 0) < 140000 || pages < parallel * 64) chunks.push(undefined);
  else {
    for (let i = 0; i < parallel; i++) {
      const from = Math.floor((pages * i) / parallel);
      chunks.push([from, i === parallel - 1 ? undefined : Math.floor((pages * (i + 1)) / parallel)]);
    }
  }
  // one snapshot for every chunk: the first transaction exports it, the others adopt it
  const clients: PoolClient[] = [];
  try {
    for (let i = 0; i < chunks.length; i++) clients.push(await pool.connect());
    const first = clients[0] as PoolClient;
    await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot =
      chunks.length > 1 ? (await first.query<{s: string}>('SELECT pg_export_snapshot() AS s')).rows[0]?.s : undefined;
    for (const c of clients.slice(1)) {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await c.query(`SET TRANSACTION SNAPSHOT ${literalText(snapshot as string)}`);
    }
    await Promise.all(chunks.map((blocks, i) => fn(clients[i] as PoolClient, blocks)));
  } finally {
    // read-only transactions: ending them is all there is to do, whatever happened
    await Promise.all(clients.map((c) => c.query('ROLLBACK').catch(() => {})));
    for (const c of clients) c.release();
  }
}

/** The TID-range conditions of a block range (values pushed onto `params`). */
function blockClauses(t: ResolvedTable, blocks: [number, number | undefined] | undefined, params: unknown[]): string[] {
  if (!blocks) return [];
  const ctid = `${quoteIdent(t.pgTable)}.ctid`;
  params.push(`(${blocks[0]},0)`);
  const out = [`${ctid} >= $${params.length}::tid`];
  if (blocks[1] !== undefined) {
    params.push(`(${blocks[1]},0)`);
    out.push(`${ctid} < $${params.length}::tid`);
  }
  return out;
}

/**
 * Fails unless the server's hashtextextended gives the values pg-hash.ts computes (it would not on a
 * big-endian server, or if a PostgreSQL release ever changed the function): every bucket would differ.
 */
export async function checkPgHash(pool: Pool): Promise<void> {
  const res = await pool.query<{h: string}>(
    `SELECT ${pgHashHexSql('p')} AS h FROM unnest($1::text[]) WITH ORDINALITY AS u(p, i) ORDER BY i`,
    [PG_HASH_PROBES],
  );
  const differs = PG_HASH_PROBES.findIndex((p, i) => res.rows[i]?.h !== pgHashHex(p));
  if (differs >= 0) {
    throw new CdcError(
      'RECONCILE_PG_HASH',
      ExitCode.usage,
      `PostgreSQL's hashtextextended() returns ${res.rows[differs]?.h ?? 'nothing'} for probe ${differs} where cdcctl computes ${pgHashHex(PG_HASH_PROBES[differs] as string)}: this server hashes text differently (big-endian?), so reconcile cannot compare with it`,
      {
        hint: 'Reconcile against a little-endian PostgreSQL (a replica will do), and report the server version and platform.',
      },
    );
  }
}

const literalText = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Keys and row hashes of the given buckets, streamed row by row to `each` (never held as one
 * result: a drill over many mismatched buckets of a big table would hold every key twice). The table
 * is read in block ranges side by side, as the bucket query reads it.
 */
async function pgDrillEach(
  pool: Pool,
  t: ResolvedTable,
  buckets: number,
  which: number[],
  filter: PgFilter,
  each: (pk: string, bucket: number, hash: string) => void,
): Promise<void> {
  await inBlockChunks(pool, t, defaultPgParallel(), async (client, blocks) => {
    const values: unknown[] = [buckets - 1];
    const from = inner(t, filter, values, blocks);
    values.push(which);
    await streamRows<{pk: string; b: number; h: string}>(
      client,
      {
        text: `SELECT pk, b, h FROM (SELECT s.pk, ${BUCKET} AS b, s.h FROM (${from}) s) x
                WHERE b = ANY($${values.length}::int[])`,
        values,
      },
      (r) => each(r.pk, r.b, r.h),
    );
  });
}

/**
 * A key lookup (index descent, heap fetch, row hash, round trip) costs about as much as 35 rows of the
 * drill's parallel table scan (measured at 1M and 5M rows: 14–26 µs a key against 0.4–0.7 µs a row);
 * the switch is set a little lower, so that a close call goes to the scan, whose time is predictable.
 */
const LOOKUP_VS_SCAN = 30;

/** What the drill-down knows when it asks PostgreSQL for the rows of the mismatched buckets. */
export interface DrillInput {
  /** Buckets in all, and the mismatched ones to drill into. */
  buckets: number;
  which: number[];
  /** A bucket's row count in the bucket query. */
  expected: (bucket: number) => number;
  cassKeys: string[];
  tableRows: number;
  filter: PgFilter;
}

/**
 * PostgreSQL's keys and row hashes of the mismatched buckets `which`, streamed to `each`. When
 * Cassandra's keys of those buckets (`cassKeys`) are few against the table's `tableRows`, first by key:
 * their rows through the primary key's index. A bucket whose rows are not all found that way
 * (`expected` is its count in the bucket query) holds keys Cassandra does not have (extras) or rows
 * since deleted: only those buckets are then read in full, skipping the rows already delivered. Value
 * and missing drift — the usual kinds — thus cost index lookups instead of a scan that hashes every key
 * of the table; with many keys, one scan of the table is cheaper and reads every bucket.
 */
export async function pgDrill(
  pool: Pool,
  t: ResolvedTable,
  input: DrillInput,
  each: (pk: string, bucket: number, hash: string) => void,
): Promise<{scannedBuckets: number}> {
  const {buckets, which, expected, cassKeys, tableRows, filter} = input;
  if (cassKeys.length * LOOKUP_VS_SCAN >= tableRows) {
    await pgDrillEach(pool, t, buckets, which, filter, each);
    return {scannedBuckets: which.length};
  }
  const found = new Map<number, number>();
  const seen = new Set<string>();
  const batches: string[][] = [];
  for (let i = 0; i < cassKeys.length; i += KEY_BATCH) batches.push(cassKeys.slice(i, i + KEY_BATCH));
  // batches run side by side on the pool's connections, as the bucket query's chunks do
  await mapAll(batches, defaultPgParallel(), async (batch) => {
    const values: unknown[] = [buckets - 1];
    const from = keyedRows(t, batch, values);
    const where = cutoffClause(t, filter, values);
    const res = await pool.query<{pk: string; b: number; h: string}>({
      text: `SELECT pk, ${BUCKET} AS b, h FROM (SELECT ${pgKeyCanonSql(t)} AS pk, ${pgHashHexSql(pgRowCanonSql(t))} AS h
               FROM ${from}${where ? ` WHERE ${where}` : ''}) s`,
      values,
    });
    for (const r of res.rows) {
      found.set(r.b, (found.get(r.b) ?? 0) + 1);
      seen.add(r.pk);
      each(r.pk, r.b, r.h);
    }
  });
  const rest = which.filter((b) => (found.get(b) ?? 0) < expected(b));
  if (rest.length > 0) {
    await pgDrillEach(pool, t, buckets, rest, filter, (pk, b, h) => {
      if (!seen.has(pk)) each(pk, b, h);
    });
  }
  return {scannedBuckets: rest.length};
}

export interface PgRow {
  /** Canonical texts by Cassandra column name (null for NULL). */
  cols: Record<string, string | null>;
  updatedAt?: Date | null;
  /** The key as stored, when it may differ from the canonical one (pgStoredKeySql). */
  storedKey?: string;
}

const KEY_BATCH = 5000;

/**
 * The table (as `t`) joined with canonical keys (an unnest of one text array per key column, pushed
 * onto `params`): index lookups, each key converted to the column's type (pgKeyFromCanon).
 */
function keyedRows(t: ResolvedTable, keys: string[], params: unknown[]): string {
  const split = keys.map((key) => splitKey(key, t.key));
  const parts = t.key.map((_, k) => split.map((p) => p[k] as string));
  const first = params.length + 1;
  params.push(...parts);
  const unnest = `unnest(${parts.map((_, k) => `$${first + k}::text[]`).join(', ')}) AS _rk(${parts.map((_, k) => `_rk${k}`).join(', ')})`;
  const on = t.key
    .map((c, k) => `t.${quoteIdent(c.pg)} = ${pgKeyFromCanon(`_rk._rk${k}`, c.type, {type: c.pgType}, c.hint)}`)
    .join(' AND ');
  // canonical expressions name the table's columns unqualified; the unnest columns (_rk*) cannot clash
  return `${pgTableRef(t)} t JOIN ${unnest} ON ${on}`;
}

/** Canonical column texts of the rows with these canonical keys (index lookups through unnest). */
export async function pgFetch(pool: Pool, t: ResolvedTable, keys: string[]): Promise<Map<string, PgRow>> {
  const out = new Map<string, PgRow>();
  for (let i = 0; i < keys.length; i += KEY_BATCH) {
    const values: unknown[] = [];
    const from = keyedRows(t, keys.slice(i, i + KEY_BATCH), values);
    const cols = t.compared.map((c, j) => `${c.pgExpr} AS _c${j}`);
    const keyExpr = pgKeyCanonSql(t);
    const upd = t.updatedAt ? `, t.${quoteIdent(t.updatedAt)} AS _updated_at` : '';
    const stored = pgStoredKeySql(t);
    type Row = Record<string, string | null> & {_pk: string; _updated_at?: Date | null; _stored?: string};
    const res = await pool.query<Row>({
      text: `SELECT ${keyExpr} AS _pk${cols.length ? `, ${cols.join(', ')}` : ''}${upd}${stored ? `, ${stored} AS _stored` : ''} FROM ${from}`,
      values,
    });
    for (const r of res.rows) {
      const c: Record<string, string | null> = {};
      t.compared.forEach((col, j) => {
        c[col.name] = r[`_c${j}`] ?? null;
      });
      out.set(r._pk, {cols: c, updatedAt: r._updated_at, storedKey: r._stored});
    }
  }
  return out;
}
