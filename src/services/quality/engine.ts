import {randomBytes} from 'node:crypto';
import type {Pool} from 'pg';
import {cassandraConnection, cassandraError, clientFromConnection} from '../../clients/cassandra.js';
import {groupLag, withAdmin} from '../../clients/kafka.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {schemaRegistryClient} from '../../clients/schema-registry.js';
import {ConfigError} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {openStore, type Store} from '../../store/index.js';
import {finishRun, insertResults, insertRun, trailingMetrics} from '../../store/quality.js';
import {qualified, quoteIdent} from '../../store/sql.js';
import {mapAll, mapSettled} from '../../util/concurrency.js';
import {parseDuration} from '../../util/time.js';
import {tokenSplits} from '../reconcile/cassandra-side.js';
import {publishQuality} from './publish.js';
import {loadRules, resolveRules, selectRules} from './rules.js';
import {duplicatesQuery, duplicatesSample, orphansWhere, SINGLE_PASS, sampleQuery, singlePassQuery} from './sql.js';
import type {
  Bounds,
  CheckResult,
  CheckStatus,
  QualityRunOptions,
  QualityRunResult,
  ResolvedCheck,
  ResolvedTable,
  TableQuality,
} from './types.js';

/**
 * `quality run`: every selected table's checks, tables concurrently (quality.concurrency, default 4).
 * Per table: its columns (types, nullability) from the catalog, then one aggregate scan for all
 * single-pass checks, then duplicates, referential and custom SQL checks in their own plans, the
 * source count and sink lag. Each metric is judged against its thresholds, its change since the last
 * stored run and its deviation from the trailing runs; results are stored, pushed and alerted on.
 */

export function newQualityRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `qc-${d}-${randomBytes(3).toString('hex')}`;
}

const RANK: Record<CheckStatus, number> = {pass: 0, warn: 1, fail: 2, error: 3};
export const worst = (xs: CheckStatus[]): CheckStatus =>
  xs.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass');

interface Raw {
  metric: number | null;
  notes: string[];
  samples: Array<Record<string, unknown>>;
  error?: string;
  durationMs: number;
}

export async function runQuality(
  ctx: RunContext,
  opts: QualityRunOptions & {file?: string},
): Promise<QualityRunResult> {
  const {config, source} = loadRules(ctx, opts.file);
  const all = resolveRules(config, source);
  const tables = selectRules(all, opts.tables, opts.checks);
  // a table whose checks were not all run (--check) cannot have its alert resolved by this run
  const partial = new Set(
    tables.filter((t) => t.checks.length < (all.find((a) => a.name === t.name)?.checks.length ?? 0)).map((t) => t.name),
  );
  if (!ctx.config.postgres)
    throw new ConfigError(`context "${ctx.contextName}" has no postgres endpoint (the replicated tables)`);
  const runId = newQualityRunId();
  const warnings: string[] = [];
  const store = opts.store ? await openStore(ctx) : undefined;
  const target = pgTarget(
    ctx.config.postgres,
    `contexts.${ctx.contextName}.postgres`,
    ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const pool = await createPool(target);
  try {
    // an unreachable database is exit 4 for the run, not an error of every check
    await pool.query('SELECT 1').catch((e) => {
      throw pgError(e, target, 'connecting to the replicated tables');
    });
    if (store)
      await insertRun(store, {
        runId,
        context: ctx.contextName,
        actor: ctx.actor,
        options: {tables: opts.tables, checks: opts.checks, samples: opts.samples, strict: opts.strict, source},
      });
    const limit = opts.concurrency ?? config.concurrency ?? 4;
    const results = await mapAll(tables, limit, (t) =>
      checkTable(ctx, {
        pool,
        store,
        runId,
        table: t,
        opts,
        anomalyRuns: config.anomalyRuns ?? 10,
        sink: config.sinkConnector,
      }),
    );
    const worstStatus = worst(results.flatMap((t) => t.checks).map((c) => c.status));
    if (store) await finishRun(store, runId, worstStatus);
    if (opts.push || opts.alert) warnings.push(...(await publishQuality(ctx, runId, results, opts, partial)));
    return {runId, status: worstStatus, strict: opts.strict, tables: results, warnings};
  } finally {
    await pool.end().catch(() => {});
    await store?.close();
  }
}

interface TableJob {
  pool: Pool;
  store?: Store;
  runId: string;
  table: ResolvedTable;
  opts: QualityRunOptions;
  anomalyRuns: number;
  sink?: string;
}

interface ColumnInfo {
  type: string;
  udt: string;
  nullable: boolean;
}

async function columnsOf(pool: Pool, t: ResolvedTable): Promise<Map<string, ColumnInfo>> {
  const res = await pool.query<{column_name: string; data_type: string; udt_name: string; is_nullable: string}>(
    `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [t.schema, t.table],
  );
  return new Map(
    res.rows.map((r) => [r.column_name, {type: r.data_type, udt: r.udt_name, nullable: r.is_nullable === 'YES'}]),
  );
}

async function checkTable(ctx: RunContext, job: TableJob): Promise<TableQuality> {
  const {pool, table: t} = job;
  const started = Date.now();
  const raws = new Map<string, Raw>();
  const fail = (c: ResolvedCheck, e: unknown, t0: number) =>
    raws.set(c.name, {metric: null, notes: [], samples: [], error: (e as Error).message, durationMs: Date.now() - t0});
  let cols: Map<string, ColumnInfo>;
  try {
    cols = await columnsOf(pool, t);
    if (cols.size === 0) throw new Error(`table ${t.schema}.${t.table} does not exist (or has no columns)`);
  } catch (e) {
    for (const c of t.checks) fail(c, e, started);
    return judgeTable(ctx, job, raws, started);
  }
  const types = new Map([...cols].map(([k, v]) => [k, v.type]));
  // a check naming a column the table lacks is an error of that check alone
  const runnable = t.checks.filter((c) => {
    const missing = columnsNamed(c, t).filter((name) => !cols.has(name));
    if (missing.length) fail(c, new Error(`no column ${missing.join(', ')} in ${t.schema}.${t.table}`), started);
    return missing.length === 0;
  });

  const single = runnable.filter((c) => SINGLE_PASS.has(c.type));
  const own = runnable.filter((c) => !SINGLE_PASS.has(c.type));
  const singlePass = async () => {
    if (single.length === 0) return;
    const t0 = Date.now();
    const q = singlePassQuery(t, single, types);
    try {
      const row = (await pool.query(q.text, q.values)).rows[0] as Record<string, number | null>;
      const rows = Number(row.m__rows);
      const ms = Date.now() - t0;
      single.forEach((c, i) => {
        let m = row[`m${i}`] as number | null;
        const notes: string[] = [];
        if ('percent' in c.config && c.config.percent) m = rows === 0 ? 0 : ((m ?? 0) * 100) / rows;
        if (c.config.type === 'freshness' && m === null) notes.push('no rows: freshness unknown');
        raws.set(c.name, {metric: m === null ? null : Number(m), notes, samples: [], durationMs: ms});
      });
    } catch (e) {
      for (const c of single) fail(c, e, t0);
    }
  };
  // the aggregate scan and the checks with plans of their own share the pool (at most its size at once)
  await Promise.all([
    singlePass(),
    mapSettled(own, 2, async (c) => {
      const t0 = Date.now();
      try {
        raws.set(c.name, {...(await ownCheck(ctx, job, c, cols)), durationMs: Date.now() - t0});
      } catch (e) {
        fail(c, e, t0);
      }
    }),
  ]);
  return judgeTable(ctx, job, raws, started, types);
}

function columnsNamed(c: ResolvedCheck, t: ResolvedTable): string[] {
  const cfg = c.config;
  if ('column' in cfg && cfg.column) return [cfg.column];
  if (cfg.type === 'freshness') return [t.config.updatedAt as string];
  if (cfg.type === 'duplicates' || cfg.type === 'referential') return cfg.columns;
  return [];
}

type OwnRaw = Omit<Raw, 'durationMs'>;

async function ownCheck(
  ctx: RunContext,
  job: TableJob,
  c: ResolvedCheck,
  cols: Map<string, ColumnInfo>,
): Promise<OwnRaw> {
  const {pool, table: t, opts} = job;
  const cfg = c.config;
  const n = opts.samples;
  switch (cfg.type) {
    case 'duplicates': {
      const m = Number((await pool.query(duplicatesQuery(t, cfg.columns))).rows[0]?.m ?? 0);
      const samples =
        m > 0 && n > 0 ? (await pool.query(duplicatesSample(t, cfg.columns), [n])).rows.map((r) => r.r) : [];
      return {metric: m, notes: [], samples};
    }
    case 'referential': {
      if (cfg.references.columns.length !== cfg.columns.length)
        throw new Error('references.columns must name as many columns as columns');
      const where = orphansWhere(cfg.columns, cfg.references);
      const from = `${qualified(t.schema, t.table)} x`;
      const m = Number((await pool.query(`SELECT count(*)::float8 AS m FROM ${from} WHERE ${where}`)).rows[0]?.m);
      const samples =
        m > 0 && n > 0
          ? (await pool.query(`SELECT row_to_json(x) AS r FROM ${from} WHERE ${where} LIMIT $1::int`, [n])).rows.map(
              (r) => r.r,
            )
          : [];
      return {metric: m, notes: [], samples};
    }
    case 'schema':
      return schemaCheck(ctx, cfg, cols);
    case 'sql':
      return customSql(pool, cfg, n, ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    case 'source_count': {
      const [replica, src] = await Promise.all([
        pool.query(`SELECT count(*)::float8 AS n FROM ${qualified(t.schema, t.table)}`),
        sourceCount(ctx, t),
      ]);
      const r = Number(replica.rows[0]?.n);
      return {metric: r - src, notes: [`replica ${r} rows, source ${src} rows`], samples: []};
    }
    case 'sink_lag': {
      const sink = cfg.connector ?? t.config.sinkConnector ?? job.sink;
      if (!sink) throw new Error('sink_lag needs a connector (the check, the table or quality.sinkConnector)');
      const lag = await withAdmin(ctx, (admin) => groupLag(admin, `connect-${sink}`));
      if (lag.partitions.length === 0) throw new Error(`consumer group connect-${sink} has no committed offsets`);
      return {metric: Number(lag.total), notes: [`connect-${sink}`], samples: []};
    }
    default:
      throw new Error(`check type ${cfg.type} is not run on its own`);
  }
}

/** Aliases people write for PostgreSQL types (information_schema's data_type or udt_name also match). */
const TYPE_ALIASES: Record<string, string[]> = {
  int: ['integer'],
  int4: ['integer'],
  int8: ['bigint'],
  int2: ['smallint'],
  varchar: ['character varying'],
  timestamptz: ['timestamp with time zone'],
  timestamp: ['timestamp without time zone'],
  bool: ['boolean'],
  float8: ['double precision'],
  float4: ['real'],
  decimal: ['numeric'],
};

async function schemaCheck(
  ctx: RunContext,
  cfg: Extract<ResolvedCheck['config'], {type: 'schema'}>,
  cols: Map<string, ColumnInfo>,
): Promise<OwnRaw> {
  const notes: string[] = [];
  const expected = new Map<string, {type?: string; nullable?: boolean}>(Object.entries(cfg.columns ?? {}));
  if (cfg.subject) {
    const sr = schemaRegistryClient(ctx);
    try {
      const latest = await sr.version(cfg.subject, 'latest');
      for (const name of registryFields(latest.schema, latest.schemaType))
        if (!expected.has(name)) expected.set(name, {});
      notes.push(`${cfg.subject} v${latest.version}`);
    } finally {
      await sr.close();
    }
  }
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const have = cols.get(name);
    if (!have) {
      problems.push(`column ${name} is missing`);
      continue;
    }
    if (want.type) {
      const w = want.type.toLowerCase();
      const ok = w === have.type || w === have.udt || (TYPE_ALIASES[w] ?? []).includes(have.type);
      if (!ok) problems.push(`column ${name} is ${have.type}, expected ${want.type}`);
    }
    if (want.nullable !== undefined && want.nullable !== have.nullable)
      problems.push(
        `column ${name} is ${have.nullable ? 'nullable' : 'NOT NULL'}, expected ${want.nullable ? 'nullable' : 'NOT NULL'}`,
      );
  }
  if (cfg.allowExtra === false)
    for (const name of cols.keys()) if (!expected.has(name)) problems.push(`column ${name} is not expected`);
  return {metric: problems.length, notes: [...problems, ...notes], samples: []};
}

/** Field names of a registry schema: an Avro record's (a Debezium envelope's `after`), or JSON Schema properties. */
export function registryFields(schema: string, type: string): string[] {
  const doc = JSON.parse(schema) as Record<string, unknown>;
  if (type === 'JSON') return Object.keys((doc.properties as object) ?? {});
  const fields = (doc.fields as Array<{name: string; type: unknown}>) ?? [];
  if (fields.some((f) => f.name === 'op') && fields.some((f) => f.name === 'after')) {
    // Avro defines the row record once: inline in `before` (then `after` names it) or in `after`
    for (const side of ['after', 'before']) {
      const t = fields.find((f) => f.name === side)?.type;
      const rec = (Array.isArray(t) ? t : [t]).find(
        (x): x is {fields: Array<{name: string}>} => typeof x === 'object' && x !== null && 'fields' in x,
      );
      if (rec) return rec.fields.map((f) => f.name);
    }
  }
  return fields.map((f) => f.name);
}

/**
 * A custom SQL check, read-only: its own session, `BEGIN READ ONLY`, a statement timeout, the query
 * sent with the extended protocol (one statement: a `; DELETE …` tail is a syntax error, not a second
 * statement), its values bound, and the transaction rolled back whatever happens.
 */
export async function customSql(
  pool: Pool,
  cfg: {query: string; mode?: 'metric' | 'rows'; params?: Array<string | number | boolean>; timeout?: string},
  samples: number,
  defaultTimeoutMs: number,
): Promise<OwnRaw> {
  const client = await pool.connect();
  const timeoutMs = cfg.timeout ? parseDuration(cfg.timeout) : defaultTimeoutMs;
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
    const query = cfg.query.trim().replace(/;+\s*$/, '');
    const values = cfg.params ?? [];
    if ((cfg.mode ?? 'metric') === 'metric') {
      const res = await client.query({text: query, values, queryMode: 'extended'} as never);
      const row = (res as {rows: Array<Record<string, unknown>>}).rows[0];
      const first = row ? Object.values(row)[0] : undefined;
      const m = first === null || first === undefined ? null : Number(first);
      if (m !== null && !Number.isFinite(m))
        throw new Error(`the query's first column is not a number (${String(first)})`);
      return {metric: m, notes: row ? [] : ['the query returned no row'], samples: []};
    }
    const res = await client.query({
      text: `SELECT count(*)::float8 AS m FROM (${query}) AS q`,
      values,
      queryMode: 'extended',
    } as never);
    const m = Number((res as {rows: Array<{m: number}>}).rows[0]?.m ?? 0);
    const rows =
      m > 0 && samples > 0
        ? (
            (await client.query({
              text: `SELECT row_to_json(q) AS r FROM (${query}) AS q LIMIT ${Math.floor(samples)}`,
              values,
              queryMode: 'extended',
            } as never)) as {rows: Array<{r: Record<string, unknown>}>}
          ).rows.map((r) => r.r)
        : [];
    return {metric: m, notes: [], samples: rows};
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** Rows of the table's source: PostgreSQL `count(*)`, or Cassandra counted over token ranges in parallel. */
async function sourceCount(ctx: RunContext, t: ResolvedTable): Promise<number> {
  const src = t.config.source;
  if (!src) throw new Error('no source configured');
  if ('postgres' in src) {
    const target = pgTarget(
      {url: src.url, password: src.password},
      `quality.tables[${t.name}].source`,
      ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    const pool = await createPool({...target, config: {...target.config, max: 1}});
    try {
      const [s, tb] = src.postgres.split('.') as [string, string];
      return Number((await pool.query(`SELECT count(*)::float8 AS n FROM ${qualified(s, tb)}`)).rows[0]?.n);
    } catch (e) {
      throw pgError(e, target, `counting ${src.postgres}`);
    } finally {
      await pool.end().catch(() => {});
    }
  }
  const conn = cassandraConnection(ctx);
  const client = await clientFromConnection(conn);
  const [ks, table] = src.cassandra.split('.') as [string, string];
  try {
    const pk = await client.execute(
      `SELECT column_name, position FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? AND kind = 'partition_key' ALLOW FILTERING`,
      [ks, table],
      {prepare: true},
    );
    const keys = pk.rows.sort((a, b) => Number(a.position) - Number(b.position)).map((r) => String(r.column_name));
    if (keys.length === 0) throw new Error(`Cassandra table ${src.cassandra} does not exist`);
    const q = (id: string) => quoteIdent(id);
    const tok = `token(${keys.map(q).join(', ')})`;
    const cql = `SELECT count(*) AS n FROM ${q(ks)}.${q(table)} WHERE ${tok} > ? AND ${tok} <= ?`;
    // Murmur3 never assigns the minimum token: start-exclusive splits from it cover every row
    const counts = await mapAll(tokenSplits(64), 8, async (s) =>
      Number((await client.execute(cql, [s.start, s.end], {prepare: true})).first()?.n ?? 0),
    );
    return counts.reduce((a, b) => a + b, 0);
  } catch (e) {
    throw cassandraError(e, conn.display, `counting ${src.cassandra}`);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** Where a metric stands against warn/fail bounds. */
export function judge(metric: number, warn?: Bounds, fail?: Bounds): {status: CheckStatus; reason?: string} {
  const outside = (b: Bounds | undefined) => {
    if (!b) return undefined;
    if (b.min !== undefined && metric < b.min) return `${metric} < ${b.min}`;
    if (b.max !== undefined && metric > b.max) return `${metric} > ${b.max}`;
    return undefined;
  };
  const f = outside(fail);
  if (f) return {status: 'fail', reason: `fail: ${f}`};
  const w = outside(warn);
  if (w) return {status: 'warn', reason: `warn: ${w}`};
  return {status: 'pass'};
}

/** Percent change from `prev` to `now` (Infinity when from 0 to something). */
export function changePercent(prev: number, now: number): number {
  if (prev === now) return 0;
  if (prev === 0) return Number.POSITIVE_INFINITY;
  return ((now - prev) / Math.abs(prev)) * 100;
}

/** Deviation of `now` from the trailing values, in standard deviations (Infinity if they never varied and it does). */
export function deviation(trailing: number[], now: number): number {
  const mean = trailing.reduce((a, b) => a + b, 0) / trailing.length;
  const sd = Math.sqrt(trailing.reduce((a, b) => a + (b - mean) ** 2, 0) / trailing.length);
  if (sd === 0) return now === mean ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(now - mean) / sd;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '∞');

async function judgeTable(
  ctx: RunContext,
  job: TableJob,
  raws: Map<string, Raw>,
  started: number,
  types?: Map<string, string>,
): Promise<TableQuality> {
  const {table: t, store, runId, opts, pool} = job;
  const history = store
    ? await trailingMetrics(
        store,
        ctx.contextName,
        t.name,
        t.checks.map((c) => c.name),
        Math.max(job.anomalyRuns, ...t.checks.map((c) => c.config.anomaly?.runs ?? 0)),
        runId,
      )
    : new Map<string, number[]>();
  const checks: CheckResult[] = [];
  for (const c of t.checks) {
    const raw = raws.get(c.name) as Raw;
    const base = {table: t.name, check: c.name, type: c.type, unit: c.unit, durationMs: raw.durationMs};
    if (raw.error) {
      checks.push({...base, status: 'error', metric: null, reasons: [raw.error], samples: []});
      continue;
    }
    const reasons: string[] = [];
    let status: CheckStatus = 'pass';
    const bump = (s: CheckStatus, why: string) => {
      reasons.push(why);
      status = worst([status, s]);
    };
    const m = raw.metric;
    let change: number | undefined;
    if (m !== null) {
      const j = judge(m, c.warn, c.fail);
      if (j.reason) bump(j.status, j.reason);
      const trail = history.get(c.name) ?? [];
      const last = trail[0];
      if (last !== undefined) {
        change = changePercent(last, m);
        const lim = c.config.change;
        if (lim?.fail !== undefined && Math.abs(change) > lim.fail)
          bump('fail', `fail: changed ${fmt(change)}% since the last run (${last} → ${m}), limit ${lim.fail}%`);
        else if (lim?.warn !== undefined && Math.abs(change) > lim.warn)
          bump('warn', `warn: changed ${fmt(change)}% since the last run (${last} → ${m}), limit ${lim.warn}%`);
      }
      const an = c.config.anomaly;
      if (an) {
        const runs = an.runs ?? job.anomalyRuns;
        const window = trail.slice(0, runs);
        if (window.length >= 3) {
          const z = deviation(window, m);
          if (an.fail !== undefined && z > an.fail)
            bump('fail', `fail: anomaly, ${fmt(z)}σ from the last ${window.length} runs (limit ${an.fail}σ)`);
          else if (an.warn !== undefined && z > an.warn)
            bump('warn', `warn: anomaly, ${fmt(z)}σ from the last ${window.length} runs (limit ${an.warn}σ)`);
        } else reasons.push(`anomaly: ${window.length} earlier run(s), at least 3 needed`);
      }
    } else if (c.fail || c.warn) bump('warn', 'no value to judge');
    let samples = raw.samples;
    if (status !== 'pass' && opts.samples > 0 && samples.length === 0 && types && SINGLE_PASS.has(c.type)) {
      const q = sampleQuery(t, c, types, opts.samples);
      if (q)
        samples = await pool.query(q.text, q.values).then((r) => r.rows.map((x) => x.r as Record<string, unknown>));
    }
    checks.push({...base, status, metric: m, reasons: [...reasons, ...raw.notes], changePercent: change, samples});
  }
  if (store)
    await insertResults(
      store,
      runId,
      ctx.contextName,
      checks.map((c) => ({
        table: c.table,
        check: c.check,
        type: c.type,
        status: c.status,
        metric: c.metric,
        reasons: c.reasons,
        samples: c.samples,
        durationMs: c.durationMs,
      })),
    );
  return {table: t.name, status: worst(checks.map((c) => c.status)), checks, durationMs: Date.now() - started};
}
