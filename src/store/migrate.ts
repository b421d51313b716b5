import {createHash} from 'node:crypto';
import type {Pool, PoolClient} from 'pg';
import {CdcError, ExitCode} from '../errors.js';
import {quoteIdent} from './sql.js';

/**
 * Versioned, idempotent migrations of the operational store, applied in order inside one
 * transaction each, under an advisory lock so that concurrent cdcctl processes never race.
 * Applied versions are recorded with a checksum: an edited released migration is refused.
 */
export interface Migration {
  version: number;
  name: string;
  /** SQL for the given (already quoted) schema name. */
  up: (schema: string) => string;
}

export interface MigrationState {
  schema: string;
  current: number;
  applied: Array<{version: number; name: string; appliedAt: string}>;
  pending: Array<{version: number; name: string}>;
}

const LOCK_KEY = 0x63646363; // "cdcc": one advisory lock for every cdcctl migration

export function checksum(m: Migration): string {
  return createHash('sha256').update(m.up('"schema"')).digest('hex').slice(0, 16);
}

export async function migrationState(pool: Pool, schema: string, all: Migration[]): Promise<MigrationState> {
  const s = quoteIdent(schema);
  const exists = await pool.query('SELECT to_regclass($1) AS t', [`${s}.schema_migrations`]);
  const rows =
    exists.rows[0]?.t === null
      ? []
      : (
          await pool.query<{version: number; name: string; applied_at: Date}>(
            `SELECT version, name, applied_at FROM ${s}.schema_migrations ORDER BY version`,
          )
        ).rows;
  const done = new Set(rows.map((r) => r.version));
  return {
    schema,
    current: rows.at(-1)?.version ?? 0,
    applied: rows.map((r) => ({version: r.version, name: r.name, appliedAt: r.applied_at.toISOString()})),
    pending: all.filter((m) => !done.has(m.version)).map((m) => ({version: m.version, name: m.name})),
  };
}

export async function migrate(
  pool: Pool,
  schema: string,
  all: Migration[],
): Promise<Array<{version: number; name: string}>> {
  const s = quoteIdent(schema);
  const sorted = [...all].sort((a, b) => a.version - b.version);
  if (await upToDate(pool, s, sorted)) return [];
  const client = await pool.connect();
  const applied: Array<{version: number; name: string}> = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const known = new Map(
      (
        await client.query<{version: number; checksum: string}>(`SELECT version, checksum FROM ${s}.schema_migrations`)
      ).rows.map((r) => [r.version, r.checksum]),
    );
    for (const m of sorted) {
      const sum = checksum(m);
      const seen = known.get(m.version);
      if (seen !== undefined) {
        if (seen !== sum) {
          throw new CdcError(
            'STORE_MIGRATION_CHANGED',
            ExitCode.bug,
            `store migration ${m.version} (${m.name}) differs from the one applied to ${schema}`,
            {
              hint: 'Released migrations must never change; add a new migration instead.',
            },
          );
        }
        continue;
      }
      await inTransaction(client, async () => {
        await client.query(m.up(s));
        await client.query(`INSERT INTO ${s}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
          m.version,
          m.name,
          sum,
        ]);
      });
      applied.push({version: m.version, name: m.name});
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

/**
 * The fast path taken by every run that touches the store: one query, no lock, when every
 * migration is already applied with its checksum. Anything else (no schema yet, pending or
 * changed migrations) takes the locked path, which also reports changed migrations.
 */
async function upToDate(pool: Pool, s: string, all: Migration[]): Promise<boolean> {
  try {
    const rows = await pool.query<{version: number; checksum: string}>(
      `SELECT version, checksum FROM ${s}.schema_migrations`,
    );
    const known = new Map(rows.rows.map((r) => [r.version, r.checksum]));
    return all.every((m) => known.get(m.version) === checksum(m));
  } catch (err) {
    if (['42P01', '3F000'].includes((err as {code?: string}).code ?? '')) return false;
    throw err;
  }
}

async function inTransaction(client: PoolClient, fn: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await fn();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
