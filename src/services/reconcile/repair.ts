import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import {cassandraConnection, cassandraError, clientFromConnection} from '../../clients/cassandra.js';
import {pgError} from '../../clients/postgres.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {openStore} from '../../store/index.js';
import {getRun, latestRunId, listMismatches, listTables, type MismatchRecord} from '../../store/reconcile.js';
import {quoteIdent} from '../../store/sql.js';
import {pgKeyFromCanon, pgParamFromCql} from './canonical.js';
import {CONSISTENCY, type ConsistencyName, cassFetch, confirmingConsistency} from './cassandra-side.js';
import {lookUpStoredKeys} from './drill.js';
import {pgHashHexSql} from './pg-hash.js';
import {pgFetch} from './pg-side.js';
import {checkOwnRun, dataPool} from './runs.js';
import {
  pgRowCanonSql,
  pgStoredKeySql,
  pgTableRef,
  type ResolvedTable,
  resolveTable,
  selectTables,
  storedTableName,
} from './spec.js';

/**
 * `reconcile repair <run>`: Cassandra is the source of truth. Missing and differing rows are
 * re-read from Cassandra now and upserted into PostgreSQL, each statement guarded so that it
 * changes nothing when the PostgreSQL row moved on since the run (its row hash differs from the one
 * recorded, or its updatedAt is newer than Cassandra's writetime): the CDC race of CDM #260. Extra
 * rows are deleted only when asked (and guarded the same way). --dry-run returns the statements.
 */
export interface RepairOptions {
  runId: string;
  table?: string;
  deleteExtras: boolean;
  dryRun: boolean;
}

export interface RepairAction {
  table: string;
  kind: MismatchRecord['kind'];
  key: Record<string, string>;
  action: 'upsert' | 'insert' | 'delete' | 'skip';
  /** The statement with its values inlined, as it runs. */
  sql?: string;
  reason?: string;
  /** After a real run: whether the guarded statement changed a row. */
  applied?: boolean;
  /** PostgreSQL refused the statement (its values: out of range, a constraint); the others still ran. */
  error?: string;
}

export interface RepairResult {
  runId: string;
  dryRun: boolean;
  actions: RepairAction[];
  applied: number;
  /** Left alone: changed since the run (guard), or gone from Cassandra. */
  skipped: number;
  /** Refused by PostgreSQL (see RepairAction.error). */
  failed: number;
  /** Extra rows kept because --delete-extras was not given. */
  kept: number;
}

export async function repair(ctx: RunContext, o: RepairOptions): Promise<RepairResult> {
  const cfg = ctx.config.reconcile;
  if (!cfg) throw new UsageError(`context "${ctx.contextName}" has no reconcile section`);
  const store = await openStore(ctx);
  let pool: Pool | undefined;
  let cass: Client | undefined;
  const conn = cassandraConnection(ctx);
  try {
    const runId = o.runId === 'latest' ? await latestRunId(store, ctx.contextName) : o.runId;
    const run = runId ? await getRun(store, runId) : undefined;
    if (!runId || !run)
      throw new UsageError(`no reconcile run "${o.runId}"`, {hint: 'List runs with `cdcctl reconcile history`.'});
    checkOwnRun(run, ctx.contextName);
    if (run.status === 'running') {
      throw new CdcError('RECONCILE_RUNNING', ExitCode.usage, `run ${runId} has not finished`, {
        hint: 'Repair a finished run.',
      });
    }
    const mismatches = await listMismatches(store, runId, {table: storedTableName(cfg.tables, o.table)});
    const tables = await listTables(store, runId);
    pool = await dataPool(store.target);
    cass = await clientFromConnection(conn);
    try {
      await cass.connect();
    } catch (err) {
      throw cassandraError(err, conn.display, 'connecting');
    }
    const actions: RepairAction[] = [];
    // the rows copied into PostgreSQL are read at a quorum at least: a lagging replica must not be the source
    const asked = (run.options.consistency as ConsistencyName | undefined) ?? 'LOCAL_QUORUM';
    const level = CONSISTENCY[confirmingConsistency(asked in CONSISTENCY ? asked : 'LOCAL_QUORUM')];
    const names = [...new Set(mismatches.map((m) => m.table))];
    for (const name of names) {
      const [tc] = selectTables(cfg.tables, [name]);
      let t: ResolvedTable;
      try {
        t = await resolveTable(tc as NonNullable<typeof tc>, cass, pool);
      } catch (err) {
        if (err instanceof CdcError) throw err;
        throw cassandraError(err, conn.display, `reading the metadata of ${name}`);
      }
      const stored = tables.find((x) => x.table === name);
      if (stored && stored.fingerprint !== t.fingerprint) {
        throw new CdcError(
          'RECONCILE_SCHEMA_CHANGED',
          ExitCode.usage,
          `${name}: columns or types (or cdcctl's canonical form or row hash) changed since run ${runId}`,
          {
            hint: 'Run a new reconciliation and repair that one.',
          },
        );
      }
      const mine = mismatches.filter((m) => m.table === name);
      let rows: Awaited<ReturnType<typeof cassFetch>>;
      // extras about to be deleted are read too: one that Cassandra holds by now is left alone
      const wanted = mine.filter((m) => m.kind !== 'extra' || o.deleteExtras).map((m) => m.pk);
      try {
        rows = await cassFetch(cass, t, wanted, level);
        const notFound = wanted.filter((pk) => !rows.has(pk));
        if (notFound.length > 0 && pgStoredKeySql(t))
          await lookUpStoredKeys(cass, t, notFound, rows, await pgFetch(pool, t, notFound), level);
      } catch (err) {
        throw cassandraError(err, conn.display, `reading rows of ${name}`);
      }
      for (const m of mine) {
        const base = {table: name, kind: m.kind, key: m.key};
        if (m.kind === 'extra') {
          if (!o.deleteExtras) {
            actions.push({...base, action: 'skip', reason: KEPT});
            continue;
          }
          if (rows.has(m.pk)) {
            actions.push({...base, action: 'skip', reason: 'now in Cassandra too (run reconcile again)'});
            continue;
          }
          actions.push({...base, action: 'delete', sql: deleteSql(t, m, run.startedAt)});
          continue;
        }
        const c = rows.get(m.pk);
        if (!c) {
          actions.push({...base, action: 'skip', reason: 'no longer in Cassandra'});
          continue;
        }
        actions.push({
          ...base,
          action: m.kind === 'missing' ? 'insert' : 'upsert',
          sql: upsertSql(t, m, c.row, c.writetimeUs),
        });
      }
    }
    if (!o.dryRun) {
      for (const a of actions) {
        if (!a.sql) continue;
        try {
          const res = await pool.query(a.sql);
          a.applied = (res.rowCount ?? 0) > 0;
          if (!a.applied)
            a.reason =
              a.action === 'insert'
                ? 'already in PostgreSQL: written since the run (left alone)'
                : 'guard: the PostgreSQL row changed since the run, or is newer than Cassandra’s write (left alone)';
        } catch (err) {
          // a value PostgreSQL refuses fails its own row only (the others are still repaired)
          if (!rowRefused(err)) throw pgError(err, store.target, `repairing ${a.table}`);
          a.applied = false;
          a.error = (err as Error).message;
          a.reason = `failed: PostgreSQL refused it: ${a.error}`;
        }
      }
    }
    return {
      runId,
      dryRun: o.dryRun,
      actions,
      applied: actions.filter((a) => a.applied).length,
      skipped: actions.filter((a) => (a.action === 'skip' && !keptExtra(a)) || (a.applied === false && !a.error))
        .length,
      failed: actions.filter((a) => a.error !== undefined).length,
      kept: actions.filter(keptExtra).length,
    };
  } finally {
    await cass?.shutdown().catch(() => {});
    await pool?.end().catch(() => {});
    await store.close().catch(() => {});
  }
}

const KEPT = 'extra row kept (pass --delete-extras to delete it)';
const keptExtra = (a: RepairAction) => a.action === 'skip' && a.reason === KEPT;

/**
 * PostgreSQL refused the statement for its values: a data exception (class 22, e.g. a date out of
 * range) or a constraint (class 23). Anything else (the connection, permissions) stops the repair.
 */
function rowRefused(err: unknown): boolean {
  const code = (err as {code?: unknown}).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** A SQL literal for a pg parameter value (dry-run output and the statement that runs are the same text). */
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `'${v}'`;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Buffer.isBuffer(v)) return `'\\x${v.toString('hex')}'`;
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]`;
  return `'${String(v).replaceAll("'", "''")}'`;
}

function keyWhere(t: ResolvedTable, m: MismatchRecord): string {
  return t.key
    .map((c) => `${quoteIdent(c.pg)} = ${pgKeyFromCanon(literal(m.key[c.name]), c.type, {type: c.pgType}, c.hint)}`)
    .join(' AND ');
}

/** Guard: the PostgreSQL row still hashes as it did when the run saw it. */
function unchanged(t: ResolvedTable, hash: string | null, alias?: string): string {
  return hash ? `${pgHashHexSql(pgRowCanonSql(t, alias))} = ${literal(hash)}` : 'TRUE';
}

/** Deletes an extra row unless it changed since the run: its hash, or an updatedAt after the run began. */
function deleteSql(t: ResolvedTable, m: MismatchRecord, runStartedAt: string): string {
  const u = t.updatedAt ? quoteIdent(t.updatedAt) : undefined;
  const older = u ? ` AND (${u} IS NULL OR ${u} <= ${literal(runStartedAt)}::timestamptz)` : '';
  return `DELETE FROM ${pgTableRef(t)} WHERE ${keyWhere(t, m)} AND ${unchanged(t, m.pgHash)}${older}`;
}

function upsertSql(t: ResolvedTable, m: MismatchRecord, row: Record<string, unknown>, writetimeUs?: number): string {
  const cols = [...t.key, ...t.compared];
  const names = cols.map((c) => quoteIdent(c.pg));
  const values = cols.map((c) => {
    if (t.key.includes(c)) return pgKeyFromCanon(literal(m.key[c.name]), c.type, {type: c.pgType}, c.hint);
    return `${literal(pgParamFromCql(row[c.name], c.type, {type: c.pgType}, c.hint))}::${c.pgType}`;
  });
  if (t.updatedAt) {
    names.push(quoteIdent(t.updatedAt));
    values.push(writetimeUs ? `to_timestamp(${writetimeUs} / 1000000.0)` : 'now()');
  }
  const conflict = t.key.map((c) => quoteIdent(c.pg)).join(', ');
  const head = `INSERT INTO ${pgTableRef(t)} AS t (${names.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT (${conflict})`;
  if (m.kind === 'missing') return `${head} DO NOTHING`; // it appeared since the run: newer than what we saw
  const set = names.slice(t.key.length).map((n) => `${n} = EXCLUDED.${n}`);
  const newer = t.updatedAt
    ? ` AND (t.${quoteIdent(t.updatedAt)} IS NULL OR t.${quoteIdent(t.updatedAt)} <= EXCLUDED.${quoteIdent(t.updatedAt)})`
    : '';
  return `${head} DO UPDATE SET ${set.join(', ')} WHERE ${unchanged(t, m.pgHash, 't')}${newer}`;
}
