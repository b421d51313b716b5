import type {Pool} from 'pg';
import {quoteIdent} from '../../store/sql.js';
import {pgKeyFromCanon, SEP} from './canonical.js';
import {type Buckets, newBuckets} from './hash.js';
import {pgKeyCanonSql, pgRowCanonSql, pgTableRef, type ResolvedTable} from './spec.js';

/**
 * The PostgreSQL side: one server-side GROUP BY per table computes every bucket's figures (almost
 * nothing crosses the wire); drill-down lists keys and row hashes of the mismatched buckets only;
 * point fetches return canonical column texts for the column-level diff.
 */

export interface PgFilter {
  /** Rows whose updatedAt column is newer than this are left out (min-age). */
  cutoff?: Date;
  /** Only buckets in [from, to) (a shard's block). */
  bucketRange?: [number, number];
}

function inner(t: ResolvedTable, filter: PgFilter, params: unknown[]): string {
  const where: string[] = [];
  if (filter.cutoff && t.updatedAt) {
    params.push(filter.cutoff);
    where.push(`(${quoteIdent(t.updatedAt)} IS NULL OR ${quoteIdent(t.updatedAt)} < $${params.length})`);
  }
  return `SELECT ${pgKeyCanonSql(t)} AS pk, md5(${pgRowCanonSql(t)}) AS h FROM ${pgTableRef(t)}${
    where.length ? ` WHERE ${where.join(' AND ')}` : ''
  }`;
}

const BUCKET = `(('x' || substr(md5(s.pk), 1, 8))::bit(32)::int & $1)`;

function rangeClause(filter: PgFilter, params: unknown[]): string {
  if (!filter.bucketRange) return '';
  params.push(filter.bucketRange[0], filter.bucketRange[1]);
  return ` WHERE b >= $${params.length - 1} AND b < $${params.length}`;
}

export function bucketSql(t: ResolvedTable, buckets: number, filter: PgFilter): {text: string; values: unknown[]} {
  const values: unknown[] = [buckets - 1];
  const from = inner(t, filter, values);
  const range = rangeClause(filter, values);
  return {
    text: `SELECT b, count(*)::float8 AS n, sum(hi)::float8 AS hi, sum(lo)::float8 AS lo FROM (
      SELECT ${BUCKET} AS b, ('x' || substr(s.h, 1, 8))::bit(32)::bigint AS hi, ('x' || substr(s.h, 9, 8))::bit(32)::bigint AS lo
        FROM (${from}) s) x${range} GROUP BY b`,
    values,
  };
}

export async function pgBuckets(pool: Pool, t: ResolvedTable, buckets: number, filter: PgFilter): Promise<Buckets> {
  const q = bucketSql(t, buckets, filter);
  const res = await pool.query<{b: number; n: number; hi: number; lo: number}>(q);
  const out = newBuckets(buckets);
  for (const r of res.rows) {
    out.n[r.b] = r.n;
    out.hi[r.b] = r.hi;
    out.lo[r.b] = r.lo;
  }
  return out;
}

/** Keys and row hashes (16 hex digits) of the rows in the given buckets. */
export async function pgDrill(
  pool: Pool,
  t: ResolvedTable,
  buckets: number,
  which: number[],
  filter: PgFilter,
): Promise<Map<string, {bucket: number; hash: string}>> {
  const values: unknown[] = [buckets - 1];
  const from = inner(t, filter, values);
  values.push(which);
  const res = await pool.query<{pk: string; b: number; h: string}>({
    text: `SELECT pk, b, h FROM (SELECT s.pk, ${BUCKET} AS b, substr(s.h, 1, 16) AS h FROM (${from}) s) x
            WHERE b = ANY($${values.length}::int[])`,
    values,
  });
  return new Map(res.rows.map((r) => [r.pk, {bucket: r.b, hash: r.h}]));
}

export interface PgRow {
  /** Canonical texts by Cassandra column name (null for NULL). */
  cols: Record<string, string | null>;
  updatedAt?: Date | null;
}

/** Canonical column texts of the rows with these canonical keys (index lookups through unnest). */
export async function pgFetch(pool: Pool, t: ResolvedTable, keys: string[]): Promise<Map<string, PgRow>> {
  const out = new Map<string, PgRow>();
  for (let i = 0; i < keys.length; i += 5000) {
    const batch = keys.slice(i, i + 5000);
    const parts = t.key.map((_, k) => batch.map((key) => key.split(SEP)[k] as string));
    const unnest = `unnest(${parts.map((_, k) => `$${k + 1}::text[]`).join(', ')}) AS _rk(${parts.map((_, k) => `_rk${k}`).join(', ')})`;
    const on = t.key
      .map((c, k) => `t.${quoteIdent(c.pg)} = ${pgKeyFromCanon(`_rk._rk${k}`, c.type, {type: c.pgType}, c.hint)}`)
      .join(' AND ');
    // canonical expressions name the table's columns unqualified; the unnest columns (_rk*) cannot clash
    const cols = t.compared.map((c, j) => `${c.pgExpr} AS _c${j}`);
    const keyExpr = pgKeyCanonSql(t);
    const upd = t.updatedAt ? `, t.${quoteIdent(t.updatedAt)} AS _updated_at` : '';
    const res = await pool.query<Record<string, string | null> & {_pk: string; _updated_at?: Date | null}>({
      text: `SELECT ${keyExpr} AS _pk${cols.length ? `, ${cols.join(', ')}` : ''}${upd}
               FROM ${pgTableRef(t)} t JOIN ${unnest} ON ${on}`,
      values: parts,
    });
    for (const r of res.rows) {
      const c: Record<string, string | null> = {};
      t.compared.forEach((col, j) => {
        c[col.name] = r[`_c${j}`] ?? null;
      });
      out.set(r._pk, {cols: c, updatedAt: r._updated_at});
    }
  }
  return out;
}

export async function pgCount(pool: Pool, t: ResolvedTable): Promise<number> {
  const r = await pool.query<{n: number}>(
    `SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass`,
    [pgTableRef(t)],
  );
  return r.rows[0]?.n ?? 0;
}
