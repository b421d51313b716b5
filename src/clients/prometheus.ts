import {CdcError, ExitCode} from '../errors.js';
import type {RunContext} from '../runtime.js';
import {httpClientFor} from './factory.js';
import type {HttpClient} from './http.js';

/**
 * Prometheus HTTP API (`/api/v1`): instant and range queries, targets, rules, alerts, build info.
 * Values arrive as strings ("NaN", "+Inf" included) and become numbers here. No cdcctl command knowledge.
 */

export type Labels = Record<string, string>;
export interface Sample {
  metric: Labels;
  /** [seconds, value] */
  value: [number, number];
}
export interface Series {
  metric: Labels;
  values: Array<[number, number]>;
}
export type QueryResult =
  | {resultType: 'vector'; result: Sample[]}
  | {resultType: 'matrix'; result: Series[]}
  | {resultType: 'scalar' | 'string'; result: [number, number | string]};

export interface Target {
  scrapePool: string;
  scrapeUrl: string;
  labels: Labels;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  scrapeInterval?: string;
}

export interface Rule {
  type: 'alerting' | 'recording';
  name: string;
  query: string;
  health: string;
  state?: 'inactive' | 'pending' | 'firing';
  duration?: number;
  labels?: Labels;
  annotations?: Labels;
  alerts?: Array<{labels: Labels; state: string; activeAt: string; value: string}>;
  lastError?: string;
  evaluationTime?: number;
  lastEvaluation?: string;
}
export interface RuleGroup {
  name: string;
  file: string;
  interval: number;
  rules: Rule[];
}

interface Envelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** Prometheus refused the query (bad PromQL 400, cannot execute 422) or timed out evaluating it (503). */
export class PromQueryError extends CdcError {
  constructor(errorType: string, message: string, status: number) {
    super(
      `PROMQL_${errorType.toUpperCase()}`,
      status === 503 || errorType === 'timeout' || errorType === 'unavailable' ? ExitCode.unreachable : ExitCode.usage,
      `Prometheus: ${message}`,
      {
        hint:
          errorType === 'bad_data'
            ? 'Check the PromQL syntax and the parameters (time, step).'
            : errorType === 'timeout'
              ? 'Narrow the time range or raise the step, or give a larger --timeout.'
              : undefined,
        details: {service: 'Prometheus', status, errorType},
      },
    );
  }
}

export function toNumber(v: string | number): number {
  if (typeof v === 'number') return v;
  if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(v); // "NaN" → NaN
}

export class PrometheusClient {
  /** Warnings from the last answer (e.g. "PromQL info: metric might not be a counter"). */
  warnings: string[] = [];

  constructor(readonly http: HttpClient) {}

  get url(): string {
    return this.http.displayUrl;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * GET with the query in the URL (HttpClient sends JSON bodies only; Prometheus wants a form for POST).
   * 400/422/503 carry Prometheus's own error envelope.
   */
  private async api<T>(path: string, params: Record<string, string | undefined>): Promise<T> {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const res = await this.http.request<Envelope<T>>({
      method: 'GET',
      path: `/api/v1/${path}`,
      query: clean,
      accept: [400, 422, 503],
    });
    const body = res.body;
    if (res.status >= 400 || body?.status !== 'success') {
      throw new PromQueryError(body?.errorType ?? 'unknown', body?.error ?? `HTTP ${res.status}`, res.status);
    }
    this.warnings = [...(body.warnings ?? []), ...((body as {infos?: string[]}).infos ?? [])];
    return body.data as T;
  }

  async query(promql: string, time?: number): Promise<QueryResult> {
    return normalise(
      await this.api<RawResult>('query', {query: promql, time: time === undefined ? undefined : String(time)}),
    );
  }

  async queryRange(promql: string, start: number, end: number, stepSeconds: number): Promise<Series[]> {
    const r = normalise(
      await this.api<RawResult>('query_range', {
        query: promql,
        start: String(start),
        end: String(end),
        step: String(stepSeconds),
      }),
    );
    return r.resultType === 'matrix' ? r.result : [];
  }

  async targets(state: 'active' | 'dropped' | 'any' = 'active'): Promise<Target[]> {
    const d = await this.api<{activeTargets: Target[]}>('targets', {state});
    return d.activeTargets ?? [];
  }

  async rules(type?: 'alert' | 'record'): Promise<RuleGroup[]> {
    return (await this.api<{groups: RuleGroup[]}>('rules', {type})).groups;
  }

  async buildInfo(): Promise<{version: string}> {
    return this.api('status/buildinfo', {});
  }
}

type RawResult = {resultType: string; result: unknown};

function normalise(raw: RawResult): QueryResult {
  switch (raw.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: (raw.result as Array<{metric: Labels; value: [number, string]}>).map((s) => ({
          metric: s.metric,
          value: [s.value[0], toNumber(s.value[1])],
        })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: (raw.result as Array<{metric: Labels; values: Array<[number, string]>}>).map((s) => ({
          metric: s.metric,
          values: s.values.map(([t, v]) => [t, toNumber(v)] as [number, number]),
        })),
      };
    case 'scalar': {
      const [t, v] = raw.result as [number, string];
      return {resultType: 'scalar', result: [t, toNumber(v)]};
    }
    default:
      return {resultType: 'string', result: raw.result as [number, string]};
  }
}

export function prometheusClient(ctx: RunContext): PrometheusClient {
  return new PrometheusClient(httpClientFor(ctx, 'prometheus'));
}
