import * as z from 'zod/mini';
import {CdcError, ExitCode} from '../errors.js';
import type {RunContext} from '../runtime.js';
import {parseAnswer, type Shape} from './answer.js';
import {httpClientFor} from './factory.js';
import {type HttpClient, serverMessageOf} from './http.js';

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

/**
 * What Prometheus answers (service-apis.md §6, checked against the local 2.42): a success envelope
 * around each endpoint's data; objects stay open to the fields newer servers add.
 */
function envelope<T>(data: Shape<T>) {
  return z.looseObject({
    status: z.literal('success'),
    data,
    warnings: z.optional(z.array(z.string())),
    infos: z.optional(z.array(z.string())),
  });
}
const labels = z.record(z.string(), z.string());
const point = z.tuple([z.number(), z.string()]);
const rawResultShape = z.discriminatedUnion('resultType', [
  z.looseObject({resultType: z.literal('vector'), result: z.array(z.looseObject({metric: labels, value: point}))}),
  z.looseObject({
    resultType: z.literal('matrix'),
    result: z.array(z.looseObject({metric: labels, values: z.array(point)})),
  }),
  z.looseObject({resultType: z.enum(['scalar', 'string']), result: point}),
]);
type RawResult = z.infer<typeof rawResultShape>;
const targetShape: Shape<Target> = z.looseObject({
  scrapePool: z.string(),
  scrapeUrl: z.string(),
  labels,
  health: z.enum(['up', 'down', 'unknown']),
  lastError: z.string(),
  lastScrape: z.string(),
  lastScrapeDuration: z.number(),
  scrapeInterval: z.optional(z.string()),
});
const ruleShape: Shape<Rule> = z.looseObject({
  type: z.enum(['alerting', 'recording']),
  name: z.string(),
  query: z.string(),
  health: z.string(),
  state: z.optional(z.enum(['inactive', 'pending', 'firing'])),
  duration: z.optional(z.number()),
  labels: z.optional(labels),
  annotations: z.optional(labels),
  alerts: z.optional(z.array(z.looseObject({labels, state: z.string(), activeAt: z.string(), value: z.string()}))),
  lastError: z.optional(z.string()),
  evaluationTime: z.optional(z.number()),
  lastEvaluation: z.optional(z.string()),
});
const ruleGroupShape: Shape<RuleGroup> = z.looseObject({
  name: z.string(),
  file: z.string(),
  interval: z.number(),
  rules: z.array(ruleShape),
});
const queryAnswer = envelope(rawResultShape);
const targetsAnswer = envelope(z.looseObject({activeTargets: z.array(targetShape)}));
const rulesAnswer = envelope(z.looseObject({groups: z.array(ruleGroupShape)}));
const buildInfoAnswer = envelope(z.looseObject({version: z.string()}));

/** Prometheus's error envelope (400, 422, 503). */
interface ErrorEnvelope {
  errorType?: string;
  error?: string;
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
  private async api<T>(
    path: string,
    params: Record<string, string | undefined>,
    answer: Shape<{data: T; warnings?: string[]; infos?: string[]}>,
  ): Promise<T> {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    const res = await this.http.request({
      method: 'GET',
      path: `/api/v1/${path}`,
      query: clean,
      accept: [400, 422, 503],
      expect: answer,
    });
    if (res.status >= 400) {
      const error: ErrorEnvelope = res.body && typeof res.body === 'object' ? (res.body as ErrorEnvelope) : {};
      const message = typeof error.error === 'string' ? error.error : serverMessageOf(res.body);
      throw new PromQueryError(
        typeof error.errorType === 'string' ? error.errorType : 'unknown',
        message || `HTTP ${res.status}`,
        res.status,
      );
    }
    this.warnings = [...(res.body.warnings ?? []), ...(res.body.infos ?? [])];
    return res.body.data;
  }

  async query(promql: string, time?: number): Promise<QueryResult> {
    return normalise(
      await this.api('query', {query: promql, time: time === undefined ? undefined : String(time)}, queryAnswer),
    );
  }

  async queryRange(promql: string, start: number, end: number, stepSeconds: number): Promise<Series[]> {
    const r = normalise(
      await this.api(
        'query_range',
        {query: promql, start: String(start), end: String(end), step: String(stepSeconds)},
        queryAnswer,
      ),
    );
    return r.resultType === 'matrix' ? r.result : [];
  }

  async targets(state: 'active' | 'dropped' | 'any' = 'active'): Promise<Target[]> {
    return (await this.api('targets', {state}, targetsAnswer)).activeTargets;
  }

  async rules(type?: 'alert' | 'record'): Promise<RuleGroup[]> {
    return (await this.api('rules', {type}, rulesAnswer)).groups;
  }

  async buildInfo(): Promise<{version: string}> {
    return this.api('status/buildinfo', {}, buildInfoAnswer);
  }
}

/**
 * A recorded `/api/v1/query` answer (the whole JSON envelope), validated and normalised as a live one is:
 * for tests that replay answers recorded from a real Prometheus.
 */
export function parseQueryAnswer(body: unknown, source = 'recorded answer'): QueryResult {
  return normalise(parseAnswer(queryAnswer, body, {service: 'Prometheus', url: source, status: 200}).data);
}

function normalise(raw: RawResult): QueryResult {
  switch (raw.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: raw.result.map((s) => ({metric: s.metric, value: [s.value[0], toNumber(s.value[1])]})),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: raw.result.map((s) => ({
          metric: s.metric,
          values: s.values.map(([t, v]) => [t, toNumber(v)] as [number, number]),
        })),
      };
    case 'scalar': {
      const [t, v] = raw.result;
      return {resultType: 'scalar', result: [t, toNumber(v)]};
    }
    default:
      return {resultType: 'string', result: raw.result};
  }
}

export function prometheusClient(ctx: RunContext): PrometheusClient {
  return new PrometheusClient(httpClientFor(ctx, 'prometheus'));
}
