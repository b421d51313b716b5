import {createHash} from 'node:crypto';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import {cjsExports} from '../../cjs.js';
import {cassandraConnection, cassandraError, clientFromConnection} from '../../clients/cassandra.js';
import {createPool, type PgTarget, pgError, pgTarget} from '../../clients/postgres.js';
import {ConfigError, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {copyText} from '../../store/copy.js';
import {assertIdentifier, qualified, quoteIdent} from '../../store/sql.js';

/**
 * Demo/test data for reconciliation: one table of 10 mixed-type columns created on both sides
 * (Cassandra with CDC on, PostgreSQL mirror with updated_at), N identical rows loaded fast
 * (Cassandra: concurrent prepared inserts; PostgreSQL: COPY), and optional injected drift of every
 * kind, returned so that tests can assert exactly those keys and columns.
 */
export interface SeedOptions {
  cassandra: string; // keyspace.table
  postgres: string; // schema.table
  rows: number;
  /** Fraction of rows to make differ (0 … 1), cycling through the drift kinds. */
  drift: number;
  /** Row writes are dated this far in the past (writetime and updated_at), so min-age does not hide them. */
  ageMs: number;
  /** Drop and re-create both tables first. */
  recreate: boolean;
  seed: string;
  concurrency: number;
  /**
   * Create the Cassandra table with cdc = true (default). Benchmarks turn it off: without a consumer
   * emptying cdc_raw, Cassandra refuses every write to CDC tables once cdc_total_space is used up.
   */
  cdc?: boolean;
}

export interface InjectedDrift {
  kind: 'missing' | 'extra' | 'value';
  id: string;
  column?: string;
  how: string;
}

export interface SeedResult {
  dryRun: false;
  cassandra: string;
  postgres: string;
  rows: number;
  cassandraMs: number;
  postgresMs: number;
  drift: InjectedDrift[];
}

/** `reconcile seed --dry-run`: what a seed would do on each side, with the tables' row counts now. */
export interface SeedPlan {
  dryRun: true;
  rows: number;
  recreate: boolean;
  cassandra: SeedSidePlan & {keyspaceExists: boolean};
  postgres: SeedSidePlan & {schemaExists: boolean};
  /** The differences --drift would inject into the PostgreSQL table, by kind. */
  drift: {missing: number; extra: number; value: number};
}

export interface SeedSidePlan {
  table: string;
  tableExists: boolean;
  /** Rows in the table now (null when it does not exist). */
  rowsNow: number | null;
  /** What would be done, in order; `rows` is how many rows each action reaches. */
  actions: Array<{
    action: 'create-keyspace' | 'create-schema' | 'drop-table' | 'create-table' | 'truncate' | 'load' | 'inject-drift';
    rows?: number;
  }>;
}

export const DEMO_COLUMNS = [
  'name',
  'balance',
  'score',
  'ratio',
  'visits',
  'big',
  'active',
  'created_at',
  'birthday',
  'tags',
] as const;

export function cqlDdl(ks: string, table: string, cdc = true): string[] {
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    `CREATE TABLE IF NOT EXISTS ${ks}.${table} (
       id uuid PRIMARY KEY, name text, balance decimal, score double, ratio float, visits int, big bigint,
       active boolean, created_at timestamp, birthday date, tags set<text>) WITH cdc = ${cdc}`,
  ];
}

export function pgDdl(schema: string, table: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (
       id uuid PRIMARY KEY, name text, balance numeric, score double precision, ratio real, visits int,
       big bigint, active boolean, created_at timestamptz, birthday date, tags jsonb,
       updated_at timestamptz NOT NULL DEFAULT now())`,
  ];
}

/** Row i of the data set: deterministic from the seed. */
export function demoRow(seed: string, i: number) {
  const h = createHash('md5').update(`${seed}:${i}`).digest();
  const hex = h.toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const r = (k: number) => h.readUInt32BE(k % 13);
  const tags = i % 5 === 0 ? [] : [`t${r(1) % 7}`, `t${r(2) % 11}`, `tag-${r(3) % 3}`];
  return {
    id,
    name: i % 17 === 0 ? null : `name ${i} ${hex.slice(0, 6)}`,
    balance: `${r(4) % 100000}.${String(r(5) % 100).padStart(2, '0')}`,
    score: (r(6) % 1_000_000) / 997,
    ratio: Math.fround((r(7) % 10000) / 113),
    visits: r(8) % 100000,
    big: `${BigInt(r(9)) * 4096n + BigInt(i)}`,
    active: r(10) % 2 === 0,
    createdAt: new Date(1_600_000_000_000 + (r(11) % 100_000_000) * 1000 + (i % 1000)),
    birthday: `19${50 + (r(12) % 50)}-0${1 + (r(1) % 9)}-${String(1 + (r(2) % 28)).padStart(2, '0')}`,
    tags: [...new Set(tags)],
  };
}

type DemoRow = ReturnType<typeof demoRow>;

/** Both tables' names (validated) and a connection to each side, closed when `fn` is done. */
interface SeedSides {
  ks: string;
  table: string;
  schema: string;
  pgTable: string;
  c: Client;
  pool: Pool;
  conn: ReturnType<typeof cassandraConnection>;
  target: PgTarget;
}

async function withSides<T>(ctx: RunContext, o: SeedOptions, fn: (s: SeedSides) => Promise<T>): Promise<T> {
  const [ks, table] = splitName(o.cassandra, 'keyspace.table');
  const [schema, pgTable] = splitName(o.postgres, 'schema.table');
  if (!ctx.config.postgres) throw new ConfigError(`context "${ctx.contextName}" has no postgres endpoint`);
  const conn = cassandraConnection(ctx);
  const target = pgTarget(ctx.config.postgres, `contexts.${ctx.contextName}.postgres`, ctx.timeoutMs ?? 30_000);
  const pool = await createPool(target);
  let cass: Client | undefined;
  try {
    cass = await clientFromConnection({...conn, timeoutMs: Math.max(conn.timeoutMs, 60_000)});
    return await fn({ks, table, schema, pgTable, c: cass, pool, conn, target});
  } finally {
    await cass?.shutdown().catch(() => {});
    await pool.end().catch(() => {});
  }
}

export function seed(ctx: RunContext, o: SeedOptions): Promise<SeedResult> {
  return withSides(ctx, o, async ({ks, table, schema, pgTable, c, pool, conn, target}) => {
    const writeTs = (Date.now() - o.ageMs) * 1000;
    const t0 = Date.now();
    try {
      if (o.recreate) await c.execute(`DROP TABLE IF EXISTS ${ks}.${table}`);
      for (const q of cqlDdl(ks, table, o.cdc ?? true)) await c.execute(q);
      if (o.recreate) await c.execute(`TRUNCATE ${ks}.${table}`);
      await cassInsert(c, ks, table, o, writeTs);
    } catch (err) {
      throw cassandraError(err, conn.display, `seeding ${o.cassandra}`);
    }
    const cassandraMs = Date.now() - t0;
    const t1 = Date.now();
    try {
      if (o.recreate) await pool.query(`DROP TABLE IF EXISTS ${qualified(schema, pgTable)}`);
      for (const q of pgDdl(schema, pgTable)) await pool.query(q);
      await pool.query(`TRUNCATE ${qualified(schema, pgTable)}`);
      await pgCopy(pool, schema, pgTable, o, new Date(writeTs / 1000));
      await pool.query(`ANALYZE ${qualified(schema, pgTable)}`);
    } catch (err) {
      throw pgError(err, target, `seeding ${o.postgres}`);
    }
    const postgresMs = Date.now() - t1;
    const drift = await injectDrift(c, pool, ks, table, schema, pgTable, o, new Date(writeTs / 1000));
    return {dryRun: false, cassandra: o.cassandra, postgres: o.postgres, rows: o.rows, cassandraMs, postgresMs, drift};
  });
}

/**
 * Plans a seed without doing it: whether each side's keyspace/schema and table exist, their row
 * counts now, and the actions a run would take in order (the same rules as `seed`). Reads only.
 */
export function planSeed(ctx: RunContext, o: SeedOptions): Promise<SeedPlan> {
  return withSides(ctx, o, async ({ks, table, schema, pgTable, c, pool, conn, target}) => {
    let cassandra: SeedPlan['cassandra'];
    try {
      // unquoted CQL names are folded to lower case, as the DDL writes them
      const [k, t] = [ks.toLowerCase(), table.toLowerCase()];
      const keyspaceExists =
        (
          await c.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [k], {
            prepare: true,
          })
        ).rowLength > 0;
      const tableExists =
        keyspaceExists &&
        (
          await c.execute(
            'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
            [k, t],
            {prepare: true},
          )
        ).rowLength > 0;
      const rowsNow = tableExists
        ? Number((await c.execute(`SELECT count(*) AS n FROM ${ks}.${table}`)).first()?.n ?? 0)
        : null;
      cassandra = {
        table: o.cassandra,
        keyspaceExists,
        tableExists,
        rowsNow,
        actions: [
          ...(keyspaceExists ? [] : [{action: 'create-keyspace' as const}]),
          ...(o.recreate && tableExists ? [{action: 'drop-table' as const, rows: rowsNow ?? 0}] : []),
          ...(o.recreate || !tableExists ? [{action: 'create-table' as const}] : []),
          {action: 'load', rows: o.rows},
        ],
      };
    } catch (err) {
      throw cassandraError(err, conn.display, `planning the seed of ${o.cassandra}`);
    }
    let postgres: SeedPlan['postgres'];
    try {
      const schemaExists = (await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
      const tableExists =
        (await pool.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, pgTable]))
          .rowCount === 1;
      const rowsNow = tableExists
        ? Number((await pool.query<{n: string}>(`SELECT count(*) AS n FROM ${qualified(schema, pgTable)}`)).rows[0]?.n)
        : null;
      const drift = driftCounts(o);
      postgres = {
        table: o.postgres,
        schemaExists,
        tableExists,
        rowsNow,
        actions: [
          ...(o.recreate && tableExists ? [{action: 'drop-table' as const, rows: rowsNow ?? 0}] : []),
          ...(schemaExists ? [] : [{action: 'create-schema' as const}]),
          ...(o.recreate || !tableExists ? [{action: 'create-table' as const}] : []),
          ...(tableExists && !o.recreate ? [{action: 'truncate' as const, rows: rowsNow ?? 0}] : []),
          {action: 'load', rows: o.rows},
          ...(drift.missing + drift.extra + drift.value
            ? [{action: 'inject-drift' as const, rows: drift.missing + drift.extra + drift.value}]
            : []),
        ],
      };
      return {dryRun: true, rows: o.rows, recreate: Boolean(o.recreate), cassandra, postgres, drift};
    } catch (err) {
      throw pgError(err, target, `planning the seed of ${o.postgres}`);
    }
  });
}

/** How many differences of each kind --drift injects (injectDrift cycles through the kinds). */
function driftCounts(o: Pick<SeedOptions, 'drift' | 'rows'>): SeedPlan['drift'] {
  const out = {missing: 0, extra: 0, value: 0};
  for (let k = 0; k < Math.round(o.drift * o.rows); k++) out[driftKind(k)]++;
  return out;
}

/** The kind of the k-th injected difference: missing, extra, then a changed value in each column in turn. */
function driftKind(k: number): InjectedDrift['kind'] {
  const slot = k % (2 + DEMO_COLUMNS.length);
  return slot === 0 ? 'missing' : slot === 1 ? 'extra' : 'value';
}

function splitName(name: string, what: string): [string, string] {
  const parts = name.split('.');
  if (parts.length !== 2) throw new UsageError(`expected ${what}, got "${name}"`);
  return [assertIdentifier(parts[0] as string), assertIdentifier(parts[1] as string)];
}

const INSERT_COLS = ['id', ...DEMO_COLUMNS];

function cqlParams(r: DemoRow, types: typeof import('cassandra-driver').types): unknown[] {
  return [
    types.Uuid.fromString(r.id),
    r.name,
    types.BigDecimal.fromString(r.balance),
    r.score,
    r.ratio,
    r.visits,
    types.Long.fromString(r.big),
    r.active,
    r.createdAt,
    types.LocalDate.fromString(r.birthday),
    r.tags,
  ];
}

async function cassInsert(c: Client, ks: string, table: string, o: SeedOptions, writeTs: number): Promise<void> {
  const driver = (await import('cassandra-driver')).default;
  const query = `INSERT INTO ${ks}.${table} (${INSERT_COLS.join(', ')}) VALUES (${INSERT_COLS.map(() => '?').join(', ')}) USING TIMESTAMP ${Math.floor(writeTs)}`;
  const chunk = 20_000;
  for (let start = 0; start < o.rows; start += chunk) {
    const params: unknown[][] = [];
    for (let i = start; i < Math.min(o.rows, start + chunk); i++)
      params.push(cqlParams(demoRow(o.seed, i), driver.types));
    await driver.concurrent.executeConcurrent(c, query, params, {
      concurrencyLevel: o.concurrency,
      executionProfile: undefined,
      raiseOnFirstError: true,
    });
  }
}

export function pgValues(r: DemoRow): unknown[] {
  return [
    r.id,
    r.name,
    r.balance,
    r.score,
    r.ratio,
    r.visits,
    r.big,
    r.active ? 't' : 'f',
    r.createdAt,
    r.birthday,
    r.tags.length ? JSON.stringify([...r.tags].sort()) : null,
  ];
}

async function pgCopy(pool: Pool, schema: string, table: string, o: SeedOptions, updatedAt: Date): Promise<void> {
  const {from} = cjsExports(await import('pg-copy-streams'), 'from');
  const client = await pool.connect();
  try {
    await client.query('SET extra_float_digits = 1');
    const stream = client.query(
      from(
        `COPY ${qualified(schema, table)} (${[...INSERT_COLS, 'updated_at'].map((c) => quoteIdent(c)).join(', ')}) FROM STDIN`,
      ),
    );
    const ua = updatedAt.toISOString();
    const seedName = o.seed;
    const rows = o.rows;
    async function* lines() {
      let buf = '';
      for (let i = 0; i < rows; i++) {
        buf += `${pgValues(demoRow(seedName, i)).map(copyText).join('\t')}\t${ua}\n`;
        if (buf.length > 1 << 16) {
          yield buf;
          buf = '';
        }
      }
      if (buf) yield buf;
    }
    await pipeline(Readable.from(lines()), stream);
  } finally {
    client.release();
  }
}

/**
 * Injects round(drift × rows) differences, cycling: missing in PostgreSQL, extra in PostgreSQL, and a
 * changed value for each column in turn (including value→NULL and NULL→value), each on its own row.
 */
async function injectDrift(
  c: Client,
  pool: Pool,
  ks: string,
  table: string,
  schema: string,
  pgTable: string,
  o: SeedOptions,
  updatedAt: Date,
): Promise<InjectedDrift[]> {
  const count = Math.round(o.drift * o.rows);
  if (count === 0) return [];
  const t = qualified(schema, pgTable);
  const kinds: Array<() => Promise<InjectedDrift>> = [];
  const out: InjectedDrift[] = [];
  const stride = Math.max(1, Math.floor(o.rows / count));
  let extraN = 0;
  for (let k = 0; k < count; k++) {
    const i = (k * stride + 3) % o.rows;
    const r = demoRow(o.seed, i);
    const slot = k % (2 + DEMO_COLUMNS.length);
    const kind = driftKind(k);
    if (kind === 'missing') {
      kinds.push(async () => {
        await pool.query(`DELETE FROM ${t} WHERE id = $1`, [r.id]);
        return {kind: 'missing', id: r.id, how: 'deleted from PostgreSQL'};
      });
    } else if (kind === 'extra') {
      const extra = demoRow(`${o.seed}:extra`, extraN++);
      kinds.push(async () => {
        await pool.query(
          `INSERT INTO ${t} (${INSERT_COLS.map((x) => quoteIdent(x)).join(', ')}, updated_at) VALUES (${INSERT_COLS.map((_, j) => `$${j + 1}`).join(', ')}, $${INSERT_COLS.length + 1})`,
          [...pgValues(extra), updatedAt],
        );
        return {kind: 'extra', id: extra.id, how: 'inserted into PostgreSQL only'};
      });
    } else {
      const column = DEMO_COLUMNS[slot - 2] as (typeof DEMO_COLUMNS)[number];
      kinds.push(async () => {
        const {sql, how} = changeFor(column, r);
        await pool.query(`UPDATE ${t} SET ${quoteIdent(column)} = ${sql} WHERE id = $1`, [r.id]);
        return {kind: 'value', id: r.id, column, how};
      });
    }
  }
  for (const f of kinds) out.push(await f());
  void c;
  void ks;
  void table;
  return out;
}

function changeFor(column: (typeof DEMO_COLUMNS)[number], r: DemoRow): {sql: string; how: string} {
  switch (column) {
    case 'name':
      return r.name === null ? {sql: `'was null'`, how: 'NULL → value'} : {sql: 'NULL', how: 'value → NULL'};
    case 'balance':
      return {sql: 'balance + 0.01', how: 'decimal +0.01'};
    case 'score':
      return {sql: 'score * 1.000001', how: 'double scaled'};
    case 'ratio':
      return {sql: 'ratio + 1', how: 'float +1'};
    case 'visits':
      return {sql: 'visits + 1', how: 'int +1'};
    case 'big':
      return {sql: 'big - 1', how: 'bigint −1'};
    case 'active':
      return {sql: 'NOT active', how: 'boolean flipped'};
    case 'created_at':
      return {sql: `created_at + interval '1 millisecond'`, how: 'timestamp +1 ms'};
    case 'birthday':
      return {sql: 'birthday + 1', how: 'date +1 day'};
    case 'tags':
      return r.tags.length === 0
        ? {sql: `'["new"]'::jsonb`, how: 'empty set → value'}
        : {sql: `tags || '["zz"]'::jsonb`, how: 'set element added'};
  }
}
