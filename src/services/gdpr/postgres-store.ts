import type {Pool, PoolClient} from 'pg';
import {qualified, quoteIdent} from '../../store/sql.js';
import type {PostgresTarget} from './config.js';
import {parseExact} from './crypto.js';

/**
 * The PostgreSQL side of an erasure: count, back up (row_to_json, exact), delete inside the
 * caller's transaction, fence, restore and verify a subject's rows. The subject id is always a
 * bound parameter; a subject id that cannot be a value of the column's type matches nothing.
 */

type Db = Pool | PoolClient;

export interface PostgresTableBackup {
  schema: string;
  table: string;
  column: string;
  rows: Array<Record<string, unknown>>;
}

/** invalid_text_representation, numeric_value_out_of_range, invalid_datetime_format, datetime_field_overflow,
 * character_not_in_repertoire (e.g. NUL): a subject id no row of the column can hold. */
const NO_SUCH_VALUE = new Set(['22P02', '22003', '22007', '22008', '22021']);

async function bySubject<T>(db: Db, run: () => Promise<T>, none: T): Promise<T> {
  // A savepoint keeps a caller's transaction usable when the subject id is not a valid value of the column type.
  const inTx = 'release' in db;
  if (inTx) await db.query('SAVEPOINT cdcctl_gdpr_subject');
  try {
    const out = await run();
    if (inTx) await db.query('RELEASE SAVEPOINT cdcctl_gdpr_subject');
    return out;
  } catch (err) {
    if (!NO_SUCH_VALUE.has((err as {code?: string}).code ?? '')) throw err;
    if (inTx) await db.query('ROLLBACK TO SAVEPOINT cdcctl_gdpr_subject');
    return none;
  }
}

export async function countRows(db: Db, t: PostgresTarget, subject: string): Promise<number> {
  return bySubject(
    db,
    async () =>
      (
        await db.query<{n: number}>(
          `SELECT count(*)::int AS n FROM ${qualified(t.schema, t.table)} WHERE ${quoteIdent(t.column)} = $1`,
          [subject],
        )
      ).rows[0]?.n ?? 0,
    0,
  );
}

export async function primaryKey(db: Db, t: PostgresTarget): Promise<string[]> {
  const res = await db.query<{attname: string}>(
    `SELECT a.attname FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [qualified(t.schema, t.table)],
  );
  return res.rows.length ? res.rows.map((r) => r.attname) : [t.column];
}

export async function backupRows(db: Db, t: PostgresTarget, subject: string): Promise<PostgresTableBackup> {
  const rows = await bySubject(
    db,
    async () =>
      (
        await db.query<{j: string}>(
          `SELECT row_to_json(x)::text AS j FROM ${qualified(t.schema, t.table)} x WHERE ${quoteIdent(t.column)} = $1`,
          [subject],
        )
      ).rows.map((r) => parseExact(r.j) as Record<string, unknown>),
    [] as Array<Record<string, unknown>>,
  );
  return {schema: t.schema, table: t.table, column: t.column, rows};
}

/** Deletes inside the caller's transaction; returns the primary keys deleted (for the verification hash). */
export async function deleteRows(
  db: PoolClient,
  t: PostgresTarget,
  subject: string,
): Promise<Array<Record<string, unknown>>> {
  const pk = await primaryKey(db, t);
  return bySubject(
    db,
    async () =>
      (
        await db.query<{k: string}>(
          `DELETE FROM ${qualified(t.schema, t.table)} x WHERE ${quoteIdent(t.column)} = $1
           RETURNING json_build_array(${pk.map((c) => `x.${quoteIdent(c)}`).join(', ')})::text AS k`,
          [subject],
        )
      ).rows.map((r) => ({pk: parseExact(r.k)})),
    [],
  );
}

/**
 * The fence entry for a subject in one table: the sha256 of the subject id as the column's type
 * renders it (so "42" and 42, or an upper-case UUID, fence the same key). Undefined when the
 * subject id cannot be a value of that column.
 */
export async function fenceHash(db: Db, t: PostgresTarget, subject: string): Promise<string | undefined> {
  return bySubject(
    db,
    async () =>
      (
        await db.query<{h: string | null}>(
          `SELECT encode(sha256(convert_to(to_jsonb(jsonb_populate_record(NULL::${qualified(t.schema, t.table)}, jsonb_build_object($2::text, $1::text))) ->> $2, 'UTF8')), 'hex') AS h`,
          [subject, t.column],
        )
      ).rows[0]?.h ?? undefined,
    undefined,
  );
}

export async function addFence(
  db: Db,
  fenceTable: string,
  t: PostgresTarget,
  hash: string,
  requestId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO ${fenceTable} (table_schema, table_name, key_hash, request_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [t.schema, t.table, hash, requestId],
  );
}

export async function liftFence(db: Db, fenceTable: string, requestId: string): Promise<number> {
  return (await db.query(`DELETE FROM ${fenceTable} WHERE request_id = $1`, [requestId])).rowCount ?? 0;
}

/** Re-inserts backed-up rows that are missing (existing rows are left alone). */
export async function restoreRows(db: Db, b: PostgresTableBackup): Promise<number> {
  let n = 0;
  for (const row of b.rows) {
    const res = await db.query(
      `INSERT INTO ${qualified(b.schema, b.table)} SELECT * FROM json_populate_record(NULL::${qualified(b.schema, b.table)}, $1::json) ON CONFLICT DO NOTHING`,
      [JSON.stringify(row)],
    );
    n += res.rowCount ?? 0;
  }
  return n;
}

export const FENCE_TRIGGER = 'cdcctl_gdpr_fence';

/** SQL that installs the fence trigger on one table (idempotent; PostgreSQL 14+). */
export function fenceTriggerSql(opsSchema: string, t: PostgresTarget): string {
  return `CREATE OR REPLACE TRIGGER ${quoteIdent(FENCE_TRIGGER)} BEFORE INSERT OR UPDATE ON ${qualified(t.schema, t.table)} FOR EACH ROW EXECUTE FUNCTION ${qualified(opsSchema, 'gdpr_fence_check')}('${quoteIdent(t.column).slice(1, -1)}')`;
}

export async function fenceInstalled(db: Db, t: PostgresTarget): Promise<boolean> {
  const res = await db.query(
    `SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2 AND NOT tgisinternal`,
    [qualified(t.schema, t.table), FENCE_TRIGGER],
  );
  return (res.rowCount ?? 0) > 0;
}

/** The targets whose table or subject column does not exist, each with what is missing. */
export async function missingTargets(db: Db, targets: PostgresTarget[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const res = await db.query<{rel: boolean; col: boolean}>(
      `SELECT c.oid IS NOT NULL AS rel,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped) AS col
         FROM (SELECT 1) one
         LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace)
           ON n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f')`,
      [t.schema, t.table, t.column],
    );
    const r = res.rows[0];
    if (!r?.rel) out.push(`${t.schema}.${t.table} does not exist`);
    else if (!r.col) out.push(`${t.schema}.${t.table} has no column ${t.column}`);
  }
  return out;
}

/** Tables (not partitions) of these schemas with a column of one of these names. */
export async function tablesWithColumns(
  db: Db,
  schemas: string[],
  names: string[],
): Promise<Array<{schema: string; table: string; column: string}>> {
  const res = await db.query<{schema: string; table: string; column: string}>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND a.attname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition
      ORDER BY 1, 2, 3`,
    [schemas, names],
  );
  return res.rows;
}
