import {randomBytes} from 'node:crypto';
import type {Pool, PoolClient} from 'pg';
import {createPool} from '../../clients/postgres.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {Store} from '../../store/index.js';
import {type RunRecord, reconcileLockHeldSql} from '../../store/reconcile.js';

/**
 * What a reconcile run is and who may use it: run ids, the checks before a run is resumed, joined or
 * repaired, the per-table advisory lock that keeps overlapping runs apart, and the pool its table
 * data is read with (shared by `reconcile` and `reconcile repair`).
 */
export function newRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `rc-${d}-${randomBytes(3).toString('hex')}`;
}

/**
 * A run of another context is not this one's to resume, join or repair: its tables are another
 * pipeline's, and its keys would be read or written in this context's databases.
 */
export function checkOwnRun(run: RunRecord, context: string): void {
  if (run.context !== context)
    throw new UsageError(`run ${run.runId} belongs to context "${run.context}", not "${context}"`, {
      hint: `Use --context ${run.context}.`,
    });
}

/**
 * --run-id naming a run that exists: only the shards of one sharded run share a run id (an Indexed Job's
 * pods, a shard started again). Anything else would overwrite that run's stored results.
 */
export function checkJoin(run: RunRecord, context: string, shards: number): void {
  checkOwnRun(run, context);
  if (run.shards > 1 && run.shards === shards) return;
  throw new UsageError(
    `run ${run.runId} already exists (${run.status}, started ${run.startedAt}${run.shards > 1 ? `, ${run.shards} shards` : ''})`,
    {
      hint:
        run.shards > 1
          ? `Its shards run with --shard i/${run.shards}; continue it with --resume ${run.runId}, or give a new --run-id.`
          : `Continue it with --resume ${run.runId}, or give a new --run-id.`,
    },
  );
}

/**
 * Checks a run id given on the command line (--run-id, --resume). It names the run's spill directory,
 * which is removed when the run ends: `../x` would have removed a directory outside the spill root.
 */
export function checkRunId(id: string, flag: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) && !id.includes('..')) return id;
  throw new UsageError(`invalid ${flag} "${id}"`, {
    hint: 'A run id is 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. rc-20260101-030000-a1b2c3, or $JOB_NAME).',
  });
}

/**
 * One advisory lock per (context, table, shard): overlapping cron runs of the same work refuse to start.
 * Its name is context/table/i/N; the store reads it back (liveStatus in store/reconcile.ts).
 */
const lockName = (ctx: RunContext, table: string, shard: string) => `${ctx.contextName}/${table}/${shard}`;

export async function lockTable(pool: Pool, ctx: RunContext, table: string, shard: string): Promise<PoolClient> {
  const client = await pool.connect();
  const res = await client.query<{ok: boolean}>(
    `SELECT pg_try_advisory_lock(hashtext('cdcctl.reconcile'), hashtext($1)) AS ok`,
    [lockName(ctx, table, shard)],
  );
  if (!res.rows[0]?.ok) {
    client.release();
    throw lockedError(table, shard);
  }
  return client;
}

/** Gives back the lock lockTable took, and its connection. */
export async function unlockTable(lock: PoolClient, ctx: RunContext, table: string, shard: string): Promise<void> {
  await lock
    .query(`SELECT pg_advisory_unlock(hashtext('cdcctl.reconcile'), hashtext($1))`, [lockName(ctx, table, shard)])
    .catch(() => {});
  lock.release();
}

export function lockedError(table: string, shard: string): CdcError {
  return new CdcError(
    'RECONCILE_LOCKED',
    ExitCode.partial,
    `another reconcile run of ${table} (shard ${shard}) is in progress`,
    {
      hint: 'Wait for it to finish; overlapping runs of the same table are refused (PostgreSQL advisory lock).',
    },
  );
}

/** Which of these shards of a table have a cdcctl process working on them now (they hold its lock). */
export async function shardsRunning(
  pool: Pool,
  ctx: RunContext,
  table: string,
  shards: number[],
  count: number,
): Promise<number[]> {
  if (shards.length === 0) return [];
  const res = await pool.query<{i: number}>(
    `SELECT s.i FROM unnest($1::int[], $2::text[]) AS s(i, name) WHERE ${reconcileLockHeldSql('s.name')}`,
    [shards, shards.map((i) => lockName(ctx, table, `${i}/${count}`))],
  );
  return res.rows.map((r) => r.i);
}

/**
 * Session settings the canonical expressions (canonical.ts) rely on, whatever the server's or the
 * role's defaults: float text in shortest round-trip form, and dates printed as ISO (YYYY-MM-DD).
 */
export const DATA_SESSION_OPTIONS = '-c extra_float_digits=1 -c DateStyle=ISO,MDY';

/** A pool for table data (DATA_SESSION_OPTIONS). */
export function dataPool(target: Store['target']): Promise<Pool> {
  return createPool({...target, config: {...target.config, options: DATA_SESSION_OPTIONS}});
}
