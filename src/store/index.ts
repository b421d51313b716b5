import type {Pool, PoolClient} from 'pg';
import {createPool, type PgTarget, pgError, pgTarget} from '../clients/postgres.js';
import {ConfigError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {type MigrationState, migrate, migrationState} from './migrate.js';
import {migrations} from './migrations/index.js';
import {qualified} from './sql.js';

/**
 * The operational store: cdcctl's own state in PostgreSQL, in a dedicated schema (default
 * `cdc_ops`), brought up to date on first use. Repositories (one module per table family, beside
 * this file) take a Store.
 */
export interface Store {
  pool: Pool;
  /** The schema name (validated). */
  schema: string;
  target: PgTarget;
  /** A table of the store, schema-qualified and quoted: `"cdc_ops"."audit"`. */
  table(name: string): string;
  close(): Promise<void>;
}

export const DEFAULT_OPS_SCHEMA = 'cdc_ops';

function storeTarget(ctx: RunContext): {target: PgTarget; schema: string} {
  const pgConfig = ctx.config.postgres;
  if (!pgConfig) {
    throw new ConfigError(`context "${ctx.contextName}" has no postgres endpoint for the operational store`, {
      hint: `Add it with \`cdcctl config set-context ${ctx.contextName} --postgres-url postgres://user@host:5432/db\`.`,
    });
  }
  return {
    target: pgTarget(pgConfig, `contexts.${ctx.contextName}.postgres`, ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    schema: pgConfig.opsSchema ?? DEFAULT_OPS_SCHEMA,
  };
}

/** The store's schema name for the context, without connecting (validated like openStore's). */
export function storeSchema(ctx: RunContext): string {
  return storeTarget(ctx).schema;
}

export interface StoreOptions {
  /**
   * Bound every statement of the pool's sessions, and every lock wait, by the run's timeout
   * (--timeout, else the default): `statement_timeout` and `lock_timeout` set at connection start.
   * For services that work on data tables through the store's database (GDPR erasure), where a
   * table locked by someone else must fail the step within the timeout instead of waiting for it.
   */
  boundStatements?: boolean;
}

/** Opens the store and applies pending migrations (idempotent, safe under concurrency). */
export async function openStore(ctx: RunContext, o: StoreOptions = {}): Promise<Store> {
  const {target, schema} = storeTarget(ctx);
  if (o.boundStatements) {
    const ms = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    target.config = {...target.config, statement_timeout: ms, lock_timeout: ms};
  }
  const pool = await createPool(target);
  try {
    await migrate(pool, schema, migrations);
  } catch (err) {
    await pool.end().catch(() => {});
    throw pgError(err, target, `migrating the store schema ${schema}`);
  }
  return {pool, schema, target, table: (name) => qualified(schema, name), close: () => pool.end()};
}

const perRun = new WeakMap<RunContext, Promise<Store>>();

/**
 * The store of one run, opened on first use and shared by everything in that run (audit trail,
 * config history, repositories); the base command closes it when the command ends.
 */
export function runStore(ctx: RunContext): Promise<Store> {
  let store = perRun.get(ctx);
  if (!store) {
    const opening = openStore(ctx);
    // the caller that awaits it sees the error (an unawaited warm-up must not crash), and the next caller
    // opens it again: the store may have been restarting
    opening.catch(() => {
      if (perRun.get(ctx) === opening) perRun.delete(ctx);
    });
    perRun.set(ctx, opening);
    store = opening;
  }
  return store;
}

export async function closeRunStore(ctx: RunContext): Promise<void> {
  const store = perRun.get(ctx);
  if (!store) return;
  perRun.delete(ctx);
  await store.then((s) => s.close()).catch(() => {});
}

export async function storeStatus(ctx: RunContext): Promise<MigrationState & {database: string}> {
  const {target, schema} = storeTarget(ctx);
  const pool = await createPool(target);
  try {
    return {...(await migrationState(pool, schema, migrations)), database: target.display};
  } catch (err) {
    throw pgError(err, target, 'reading the store status');
  } finally {
    await pool.end().catch(() => {});
  }
}

export async function migrateStore(
  ctx: RunContext,
): Promise<{schema: string; database: string; applied: Array<{version: number; name: string}>}> {
  const {target, schema} = storeTarget(ctx);
  const pool = await createPool(target);
  try {
    return {schema, database: target.display, applied: await migrate(pool, schema, migrations)};
  } catch (err) {
    throw pgError(err, target, `migrating the store schema ${schema}`);
  } finally {
    await pool.end().catch(() => {});
  }
}

/** Runs `fn` in one transaction on one connection of the store's pool (rolled back if it throws). */
export async function inTransaction<T>(store: Store, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
