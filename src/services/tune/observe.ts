import type {ConnectorInfo} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {type PrometheusClient, prometheusClient, type QueryResult} from '../../clients/prometheus.js';
import {CdcError, ConfigError, ExitCode} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {compileSelector} from '../connectors/select.js';
import {connectorPassword} from '../diagnostics/prereqs.js';
import {METRICS, type MetricKey, type Observations} from './rules.js';

/**
 * Reads what `tune` reasons about: each selected connector's config (Connect), its metrics over the
 * window (Prometheus, the queries of rules.ts's METRICS) and, for a PostgreSQL source, its replication
 * slot's lag (SQL on the connector's database). The parsing is pure (observationsFrom) so that recorded
 * Prometheus answers replay through the same code in the unit tests.
 */

export interface Connector {
  name: string;
  type: 'source' | 'sink';
  config: Record<string, string>;
}

export interface Observed {
  observations: Observations[];
  /** When the window ended (ISO-8601) and its length. */
  at: string;
  windowSeconds: number;
  /** Connectors skipped and why (no metrics at all, unknown type). */
  warnings: string[];
  /** The Prometheus answers as they came (for recording fixtures). */
  answers: Partial<Record<MetricKey, QueryResult>>;
}

/** `a|b` as a PromQL regex of exact names (RE2 syntax inside a double-quoted PromQL string). */
export function exactRegex(names: string[]): string {
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&').replace(/"/g, '\\"')).join('|');
}

/** The Debezium `server` label of a source: its topic.prefix (database.server.name before Debezium 2). */
export function serverOf(config: Record<string, string>): string | undefined {
  return config['topic.prefix'] ?? config['database.server.name'];
}

export function windowText(seconds: number): {w: string; step: string} {
  return {w: `${Math.round(seconds)}s`, step: `${Math.max(1, Math.round(seconds / 120))}s`};
}

/** The PromQL of every metric for these connectors over the window. */
export function metricQueries(connectors: Connector[], windowSeconds: number): Partial<Record<MetricKey, string>> {
  const {w, step} = windowText(windowSeconds);
  const names = exactRegex(connectors.map((c) => c.name));
  const servers = exactRegex(
    connectors.flatMap((c) => {
      const s = c.type === 'source' ? serverOf(c.config) : undefined;
      return s ? [s] : [];
    }),
  );
  const out: Partial<Record<MetricKey, string>> = {};
  for (const [key, def] of Object.entries(METRICS) as Array<[MetricKey, (typeof METRICS)[MetricKey]]>) {
    if (def.scope === 'server' && !servers) continue;
    out[key] = def.promql(def.scope === 'server' ? `server=~"${servers}"` : `connector=~"${names}"`, w, step);
  }
  return out;
}

/** Observations per connector from Prometheus answers (by connector, or by Debezium server = topic.prefix). */
export function observationsFrom(
  connectors: Connector[],
  answers: Partial<Record<MetricKey, QueryResult>>,
  windowSeconds: number,
  slotLags: Record<string, number> = {},
): Observations[] {
  const byLabel = (r: QueryResult | undefined, label: string): Map<string, number> => {
    const m = new Map<string, number>();
    if (r?.resultType !== 'vector') return m;
    for (const s of r.result) {
      const key = s.metric[label];
      const v = s.value[1];
      if (key !== undefined && Number.isFinite(v)) m.set(key, v);
    }
    return m;
  };
  const values = Object.fromEntries(
    (Object.keys(METRICS) as MetricKey[]).map((k) => [k, byLabel(answers[k], METRICS[k].scope)]),
  ) as Record<MetricKey, Map<string, number>>;
  return connectors.map((c) => {
    const metrics: Observations['metrics'] = {};
    const server = serverOf(c.config);
    for (const k of Object.keys(METRICS) as MetricKey[]) {
      const label = METRICS[k].scope === 'server' ? (c.type === 'source' ? server : undefined) : c.name;
      const v = label === undefined ? undefined : values[k].get(label);
      if (v !== undefined) metrics[k] = v;
    }
    return {
      connector: c.name,
      kind: c.type,
      connectorClass: c.config['connector.class'] ?? '',
      config: c.config,
      windowSeconds,
      metrics,
      ...(slotLags[c.name] === undefined ? {} : {slotLagBytes: slotLags[c.name]}),
    };
  });
}

/** The live connectors within the selector (all when empty) that are a source or a sink. */
export async function selectConnectors(ctx: RunContext, selector: string[]): Promise<Connector[]> {
  const connect = connectClient(ctx);
  try {
    const expanded = await connect.listExpanded();
    const match = compileSelector(selector);
    const names = Object.keys(expanded).filter(match).sort();
    if (names.length === 0) {
      throw new CdcError(
        'NOT_FOUND',
        ExitCode.usage,
        selector.length > 0 ? `no connector matches ${selector.join(' ')}` : 'the worker has no connectors',
        {hint: '`cdcctl connectors list` shows the connectors.'},
      );
    }
    return names.flatMap((name) => {
      const info: ConnectorInfo | undefined = expanded[name]?.info;
      if (!info || (info.type !== 'source' && info.type !== 'sink')) return [];
      return [{name, type: info.type, config: info.config}];
    });
  } finally {
    await connect.close();
  }
}

function prometheusOf(ctx: RunContext): PrometheusClient {
  if (!ctx.config.prometheus) {
    throw new ConfigError(`context "${ctx.contextName}" has no prometheus: tune reads the connectors' metrics there`, {
      hint: 'Add prometheus.url to the context, and let Prometheus scrape the Connect worker (a JMX exporter).',
    });
  }
  return prometheusClient(ctx);
}

/** Runs every metric query at `endSeconds` (Unix seconds) over the window. */
export async function queryMetrics(
  ctx: RunContext,
  connectors: Connector[],
  windowSeconds: number,
  endSeconds: number,
): Promise<Partial<Record<MetricKey, QueryResult>>> {
  const prom = prometheusOf(ctx);
  try {
    const answers: Partial<Record<MetricKey, QueryResult>> = {};
    for (const [key, promql] of Object.entries(metricQueries(connectors, windowSeconds)) as Array<[MetricKey, string]>)
      answers[key] = await prom.query(promql, endSeconds);
    return answers;
  } finally {
    await prom.close();
  }
}

/**
 * The replication slot lag (bytes) of each PostgreSQL source whose database cdcctl can log in to; a
 * source it cannot read is left out with a warning (tune goes on without that observation).
 */
export async function slotLags(
  ctx: RunContext,
  connectors: Connector[],
  warn: (message: string) => void,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of connectors) {
    if (c.type !== 'source' || !/PostgresConnector$/.test(c.config['connector.class'] ?? '')) continue;
    const host = c.config['database.hostname'] ?? '127.0.0.1';
    const port = Number(c.config['database.port'] ?? 5432);
    const db = c.config['database.dbname'] ?? 'postgres';
    const user = c.config['database.user'] ?? 'postgres';
    const slot = c.config['slot.name'] ?? 'debezium';
    const password = connectorPassword(ctx, c.config['database.password'], host, port);
    const t = pgTarget(
      {url: `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(db)}`, password},
      `connector ${c.name} (database.*)`,
      ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    try {
      const pool = await createPool({...t, config: {...t.config, max: 1}});
      try {
        const {rows} = await pool
          .query<{lag: string | null}>(
            `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag
               FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`,
            [slot],
          )
          .catch((err: unknown) => {
            throw pgError(err, t, 'reading the replication slot lag');
          });
        if (rows[0]?.lag != null) out[c.name] = Number(rows[0].lag);
        else warn(`${c.name}: no replication slot ${slot} in ${db}`);
      } finally {
        await pool.end();
      }
    } catch (err) {
      warn(`${c.name}: replication slot lag not read: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Everything tune knows of the selected connectors over the window ending now. */
export async function observe(
  ctx: RunContext,
  selector: string[],
  windowSeconds: number,
  options: {connectors?: Connector[]; endSeconds?: number} = {},
): Promise<Observed> {
  const connectors = options.connectors ?? (await selectConnectors(ctx, selector));
  const end = options.endSeconds ?? Date.now() / 1000;
  const warnings: string[] = [];
  const answers = await queryMetrics(ctx, connectors, windowSeconds, end);
  const lags = await slotLags(ctx, connectors, (m) => warnings.push(m));
  const observations = observationsFrom(connectors, answers, windowSeconds, lags);
  for (const o of observations) {
    if (Object.keys(o.metrics).length === 0)
      warnings.push(
        `${o.connector}: no metrics in Prometheus over the last ${Math.round(windowSeconds)} s (is the Connect worker's JMX exporter scraped? see examples/stack/conf/connect-jmx-exporter.yaml)`,
      );
  }
  return {observations, at: new Date(end * 1000).toISOString(), windowSeconds, warnings, answers};
}
