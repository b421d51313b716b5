import {
  type PrometheusClient,
  PromQueryError,
  prometheusClient,
  type RuleGroup,
  type Target,
} from '../../clients/prometheus.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import {instantAt, parsePromTime, parseSpan} from '../../util/time.js';
import {type CatalogEntry, catalog, catalogEntry} from './catalog.js';

/** PromQL instant and range queries, the named CDC catalog, the dashboard, targets and rules. */

export async function withPrometheus<T>(ctx: RunContext, fn: (p: PrometheusClient) => Promise<T>): Promise<T> {
  const p = prometheusClient(ctx);
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

export interface InstantResult {
  query: string;
  /** ISO-8601 evaluation time. */
  time: string;
  resultType: string;
  series: Array<{labels: Record<string, string>; value: number | string | null}>;
  warnings: string[];
}

export interface RangeWindow {
  /** Seconds since epoch. */
  start: number;
  end: number;
  step: number;
}

export interface RangeResult {
  query: string;
  start: string;
  end: string;
  step: number;
  series: Array<{labels: Record<string, string>; values: Array<[number, number]>}>;
  warnings: string[];
}

/** --since/--start/--end/--step → a window; the step defaults to about 60 points (at least 1 s). */
export function rangeWindow(
  o: {since?: string; start?: string; end?: string; step?: string},
  now = Date.now() / 1000,
): RangeWindow {
  const end = o.end ? parsePromTime(o.end) : now;
  const start = o.start
    ? parsePromTime(o.start)
    : instantAt((end - parseSpan(o.since ?? '1h')) * 1000, `the start of the range (--since ${o.since})`).getTime() /
      1000;
  if (start >= end) throw new UsageError('the range must start before it ends');
  const step = o.step ? parseSpan(o.step) : Math.max(1, Math.round((end - start) / 60));
  if ((end - start) / step > 11_000)
    throw new UsageError(`too many points: ${Math.round((end - start) / step)} (Prometheus allows 11000)`, {
      hint: 'Raise --step or shorten the range.',
    });
  return {start: Math.round(start * 1000) / 1000, end: Math.round(end * 1000) / 1000, step};
}

const iso = (s: number) => new Date(s * 1000).toISOString();

export async function instantQuery(ctx: RunContext, promql: string, time?: number): Promise<InstantResult> {
  return withPrometheus(ctx, (p) => instantWith(p, promql, time));
}

async function instantWith(p: PrometheusClient, promql: string, time?: number): Promise<InstantResult> {
  const t = time ?? Date.now() / 1000;
  const r = await p.query(promql, t);
  const series =
    r.resultType === 'vector'
      ? r.result.map((s) => ({labels: s.metric, value: s.value[1]}))
      : r.resultType === 'matrix'
        ? r.result.map((s) => ({labels: s.metric, value: s.values.at(-1)?.[1] ?? null}))
        : [{labels: {}, value: r.result[1]}];
  return {query: promql, time: iso(t), resultType: r.resultType, series, warnings: p.warnings};
}

export async function rangeQuery(ctx: RunContext, promql: string, w: RangeWindow): Promise<RangeResult> {
  return withPrometheus(ctx, (p) => rangeWith(p, promql, w));
}

async function rangeWith(p: PrometheusClient, promql: string, w: RangeWindow): Promise<RangeResult> {
  const series = await p.queryRange(promql, w.start, w.end, w.step);
  return {
    query: promql,
    start: iso(w.start),
    end: iso(w.end),
    step: w.step,
    series: series.map((s) => ({labels: s.metric, values: s.values})),
    warnings: p.warnings,
  };
}

export interface NamedMetric {
  entry: CatalogEntry;
  current: InstantResult;
  range: RangeResult;
}

export async function showMetric(ctx: RunContext, name: string, w: RangeWindow): Promise<NamedMetric> {
  const entry = catalogEntry(ctx, name);
  return withPrometheus(ctx, async (p) => {
    const [current, range] = await Promise.all([instantWith(p, entry.query, w.end), rangeWith(p, entry.query, w)]);
    return {entry, current, range};
  });
}

export interface DashboardRow {
  name: string;
  description?: string;
  unit?: string;
  /** Current value per series (label set summarised). */
  current: Array<{labels: Record<string, string>; value: number | string | null}>;
  /** Sum of all series per step, for the sparkline; null where no series had a value. */
  trend: Array<number | null>;
  /** Why the panel has no numbers: the query failed (errorCode: the error's machine code). */
  error?: string;
  errorCode?: string;
}

export interface DashboardSnapshot {
  at: string;
  window: RangeWindow;
  rows: DashboardRow[];
  /** Panels whose query failed. */
  failed: number;
}

export async function dashboard(ctx: RunContext, w: RangeWindow): Promise<DashboardSnapshot> {
  const entries = catalog(ctx).filter((e) => e.dashboard !== false);
  return withPrometheus(ctx, async (p) => {
    const settled = await mapSettled(entries, 4, async (e): Promise<DashboardRow> => {
      const [current, range] = await Promise.all([instantWith(p, e.query, w.end), rangeWith(p, e.query, w)]);
      return {
        name: e.name,
        description: e.description,
        unit: e.unit,
        current: current.series,
        trend: sumByStep(range, w),
      };
    });
    // a query Prometheus refuses is that row's error; Prometheus unreachable, answering garbage or not
    // configured usably is the whole screen's
    const down = settled.find(
      (s) => !s.ok && !(s.error instanceof PromQueryError && s.error.exitCode === ExitCode.usage),
    );
    if (down && !down.ok) throw down.error;
    const errors = settled.flatMap((s) => (s.ok ? [] : [s.error]));
    const rows = settled.map((s, i) =>
      s.ok
        ? s.value
        : {
            name: entries[i]?.name ?? '?',
            unit: entries[i]?.unit,
            current: [],
            trend: [],
            error: (s.error as Error).message,
            errorCode: s.error instanceof CdcError ? s.error.code : 'INTERNAL',
          },
    );
    if (rows.length > 0 && errors.length === rows.length) throw allPanelsFailed(errors);
    return {at: iso(w.end), window: w, rows, failed: errors.length};
  });
}

/**
 * Every panel failed: nothing on the screen would be a number, so the run is the first failure
 * (Prometheus unreachable → 4, a bad query → 2 …), said once rather than once per row.
 */
function allPanelsFailed(errors: unknown[]): CdcError {
  const first = errors[0];
  const message = `all ${errors.length} dashboard panels failed; the first: ${(first as Error).message}`;
  return first instanceof CdcError
    ? new CdcError(first.code, first.exitCode, message, {hint: first.hint, details: first.details, cause: first})
    : new CdcError('INTERNAL', ExitCode.bug, message, {cause: first});
}

/** All series added up on a common time grid (missing and non-finite points count as nothing; none at all = null). */
export function sumByStep(r: RangeResult, w: RangeWindow): Array<number | null> {
  const n = Math.floor((w.end - w.start) / w.step) + 1;
  const out = new Array<number | null>(n).fill(null);
  for (const s of r.series)
    for (const [t, v] of s.values) {
      const i = Math.round((t - w.start) / w.step);
      if (i >= 0 && i < n && Number.isFinite(v)) out[i] = (out[i] ?? 0) + v;
    }
  return out;
}

export async function listTargets(ctx: RunContext): Promise<Target[]> {
  return withPrometheus(ctx, (p) => p.targets());
}

export async function listRules(ctx: RunContext, type?: 'alert' | 'record'): Promise<RuleGroup[]> {
  return withPrometheus(ctx, (p) => p.rules(type));
}
