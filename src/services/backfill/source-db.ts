import type {Pool} from 'pg';
import {createPool, type PgTarget, pgError} from '../../clients/postgres.js';
import {hasSecretReference, registerSecret, resolveSecretString} from '../../config/secrets.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {assertIdentifier, qualified} from '../../store/sql.js';

/**
 * The source database of a Debezium PostgreSQL connector, reached with the connector's own
 * `database.*` settings (a cdcctl secret reference in them is resolved here, never printed): where
 * the signal table lives and where a --where condition is checked.
 */

export const POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

export function sourceTarget(ctx: RunContext, connector: string, config: Record<string, string>): PgTarget {
  const host = config['database.hostname'];
  const db = config['database.dbname'];
  if (!host || !db)
    throw new UsageError(`${connector} has no database.hostname / database.dbname: not a PostgreSQL source connector`);
  const port = Number(config['database.port'] ?? 5432);
  const user = config['database.user'];
  const where = `the config of connector ${connector} (database.*)`;
  let password = config['database.password'];
  if (password !== undefined && hasSecretReference(password)) {
    try {
      password = resolveSecretString(password, `${connector}: database.password`);
    } catch (err) {
      throw new CdcError(
        'SOURCE_PASSWORD',
        ExitCode.usage,
        `${connector}: database.password is a reference cdcctl cannot resolve here`,
        {hint: 'Use a ${env:NAME} or ${file:/path} reference that this machine can read.', cause: err},
      );
    }
  }
  registerSecret(password);
  const sslmode = config['database.sslmode'];
  return {
    display: `postgres://${user ?? ''}@${host}:${port}/${db}`,
    where,
    config: {
      host,
      port,
      database: db,
      user,
      password,
      ssl: !sslmode || sslmode === 'disable' ? undefined : {rejectUnauthorized: sslmode.startsWith('verify')},
      connectionTimeoutMillis: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      statement_timeout: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      max: 2,
      application_name: 'cdcctl-backfill',
    },
  };
}

export async function withSourceDb<T>(target: PgTarget, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = await createPool(target);
  try {
    return await fn(pool);
  } catch (err) {
    throw pgError(err, target, 'working on the source database');
  } finally {
    await pool.end().catch(() => {});
  }
}

/** `schema.table` split and validated (Debezium's data-collection names for PostgreSQL). */
export function splitTable(name: string, what = 'table'): {schema: string; table: string} {
  const parts = name.split('.');
  if (parts.length !== 2) throw new UsageError(`${what} "${name}" must be schema.table`);
  const [schema, table] = parts as [string, string];
  assertIdentifier(schema, 'schema');
  assertIdentifier(table, 'table');
  return {schema, table};
}

/** The columns of a table in the source database (empty: no such table). */
export async function tableColumns(pool: Pool, name: string): Promise<Array<{name: string; type: string}>> {
  const {schema, table} = splitTable(name);
  const res = await pool.query<{name: string; type: string}>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [schema, table],
  );
  return res.rows;
}

/**
 * Characters that would let a condition reach beyond a WHERE clause: a statement separator, comments,
 * or a closing parenthesis without its opening one (outside quotes).
 */
export function conditionProblem(where: string): string | undefined {
  if (where.trim() === '') return 'it is empty';
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < where.length; i++) {
    const ch = where[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ';') return 'it contains ";"';
    else if (ch === '-' && where[i + 1] === '-') return 'it contains a comment (--)';
    else if (ch === '/' && where[i + 1] === '*') return 'it contains a comment (/*)';
    else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(where.slice(i))) return 'it contains dollar quoting';
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return 'it closes a parenthesis it did not open';
  }
  if (quote) return 'a quote is not closed';
  if (depth !== 0) return 'a parenthesis is not closed';
  return undefined;
}

/**
 * Checks a --where condition on the source with EXPLAIN (planned, never executed): one statement
 * over the extended protocol (a second one is refused by the server), in a READ ONLY transaction
 * that is rolled back, bounded by statement_timeout. Returns the planner's row estimate.
 * The condition itself is Debezium's to run (additional-conditions); cdcctl only has it planned.
 */
export async function explainCondition(pool: Pool, table: string, where: string): Promise<number> {
  const problem = conditionProblem(where);
  if (problem) throw new UsageError(`--where "${where}" for ${table} is refused: ${problem}`);
  const {schema, table: name} = splitTable(table);
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    try {
      const res = await client.query<{'QUERY PLAN': unknown}>({
        text: `EXPLAIN (FORMAT JSON) SELECT * FROM ${qualified(schema, name)} WHERE (${where})`,
        values: [],
      });
      const plan = res.rows[0]?.['QUERY PLAN'] as Array<{Plan?: {'Plan Rows'?: number}}> | undefined;
      return Math.round(plan?.[0]?.Plan?.['Plan Rows'] ?? 0);
    } catch (err) {
      const e = err as {code?: string; message?: string};
      // a syntax error, an unknown column or function, a type mismatch: the condition's fault
      if (e.code && /^(42|22)/.test(e.code))
        throw new UsageError(`--where "${where}" does not work on ${table}: ${e.message}`, {
          hint: 'Give a PostgreSQL condition on the columns of that table, e.g. --where "id > 1000".',
        });
      throw err;
    } finally {
      await client.query('ROLLBACK').catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** The planner's row estimate of a whole table (EXPLAIN, not count(*)). */
export async function estimateRows(pool: Pool, table: string): Promise<number> {
  const {schema, table: name} = splitTable(table);
  const res = await pool.query<{'QUERY PLAN': unknown}>({
    text: `EXPLAIN (FORMAT JSON) SELECT * FROM ${qualified(schema, name)}`,
    values: [],
  });
  const plan = res.rows[0]?.['QUERY PLAN'] as Array<{Plan?: {'Plan Rows'?: number}}> | undefined;
  return Math.round(plan?.[0]?.Plan?.['Plan Rows'] ?? 0);
}
