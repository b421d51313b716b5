import * as z from 'zod/mini';
import type {TracingConfig} from '../config/schema.js';
import {ConfigError, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {HttpClient, pathSegment} from './http.js';

/**
 * The trace backend of a context (`tracing: {url, kind}`): Zipkin's API v2 or Jaeger's query API,
 * both read into one span model. Every answer is validated at this boundary.
 */

export interface TraceSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  service: string;
  /** Epoch microseconds. */
  startUs: number;
  durationUs: number;
  kind?: string;
  tags: Record<string, string>;
}

export interface FindQuery {
  /** Tags every matching trace carries (AND). */
  tags: Record<string, string>;
  service?: string;
  lookbackMs: number;
  limit: number;
}

const zipkinSpan = z.looseObject({
  traceId: z.string(),
  id: z.string(),
  parentId: z.optional(z.string()),
  name: z.optional(z.string()),
  kind: z.optional(z.string()),
  timestamp: z.optional(z.number()),
  duration: z.optional(z.number()),
  localEndpoint: z.optional(z.looseObject({serviceName: z.optional(z.string())})),
  tags: z.optional(z.record(z.string(), z.string())),
});
const zipkinTrace = z.array(zipkinSpan);
const jaegerTag = z.looseObject({key: z.string(), value: z.unknown()});
const jaegerTrace = z.looseObject({
  traceID: z.string(),
  spans: z.array(
    z.looseObject({
      traceID: z.string(),
      spanID: z.string(),
      operationName: z.string(),
      references: z.optional(z.array(z.looseObject({refType: z.string(), spanID: z.string()}))),
      startTime: z.number(),
      duration: z.number(),
      tags: z.optional(z.array(jaegerTag)),
      processID: z.optional(z.string()),
    }),
  ),
  processes: z.optional(z.record(z.string(), z.looseObject({serviceName: z.string()}))),
});
const jaegerAnswer = z.looseObject({data: z.nullable(z.array(jaegerTrace))});

type ZipkinSpan = z.infer<typeof zipkinSpan>;
type JaegerTrace = z.infer<typeof jaegerTrace>;

export function fromZipkin(spans: ZipkinSpan[]): TraceSpan[] {
  return spans.map((s) => ({
    traceId: s.traceId,
    id: s.id,
    parentId: s.parentId,
    name: s.name ?? '',
    service: s.localEndpoint?.serviceName ?? '',
    startUs: s.timestamp ?? 0,
    durationUs: s.duration ?? 0,
    kind: s.kind,
    tags: s.tags ?? {},
  }));
}

export function fromJaeger(t: JaegerTrace): TraceSpan[] {
  return t.spans.map((s) => {
    const tags = Object.fromEntries((s.tags ?? []).map((x) => [x.key, String(x.value)]));
    return {
      traceId: s.traceID,
      id: s.spanID,
      parentId: s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID ?? s.references?.[0]?.spanID,
      name: s.operationName,
      service: (s.processID && t.processes?.[s.processID]?.serviceName) || '',
      startUs: s.startTime,
      durationUs: s.duration,
      kind: tags['span.kind'],
      tags,
    };
  });
}

export class TracingClient {
  constructor(
    readonly kind: TracingConfig['kind'],
    readonly http: HttpClient,
  ) {}

  /** The spans of one trace; [] when the backend does not know the id. */
  async trace(id: string): Promise<TraceSpan[]> {
    try {
      if (this.kind === 'zipkin')
        return fromZipkin(
          await this.http.get(`api/v2/trace/${pathSegment(id, 'trace id')}`, undefined, {expect: zipkinTrace}),
        );
      const res = await this.http.get(`api/traces/${pathSegment(id, 'trace id')}`, undefined, {expect: jaegerAnswer});
      return (res.data ?? []).flatMap(fromJaeger);
    } catch (err) {
      if (err instanceof ServiceError && err.status === 404) return [];
      throw err;
    }
  }

  /** Traces carrying every tag of the query, newest first, each as its spans. */
  async find(q: FindQuery): Promise<TraceSpan[][]> {
    const endUs = Date.now() * 1000;
    if (this.kind === 'zipkin') {
      const res = await this.http.get(
        'api/v2/traces',
        {
          annotationQuery: Object.entries(q.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(' and '),
          serviceName: q.service,
          lookback: q.lookbackMs,
          endTs: Math.floor(endUs / 1000),
          limit: q.limit,
        },
        {expect: z.array(zipkinTrace)},
      );
      return res.map(fromZipkin);
    }
    const res = await this.http.get(
      'api/traces',
      {
        service: q.service ?? '',
        tags: JSON.stringify(q.tags),
        start: endUs - q.lookbackMs * 1000,
        end: endUs,
        limit: q.limit,
      },
      {expect: jaegerAnswer},
    );
    return (res.data ?? []).map(fromJaeger);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export function tracingClient(ctx: RunContext): TracingClient {
  const t = ctx.config.tracing;
  if (!t) {
    throw new ConfigError(`context "${ctx.contextName}" has no trace backend (tracing.url, tracing.kind)`, {
      hint: `Add it to the context: tracing: {url: http://127.0.0.1:9411, kind: zipkin} (or kind: jaeger with the query service's URL).`,
    });
  }
  return new TracingClient(
    t.kind,
    new HttpClient({
      service: t.kind === 'zipkin' ? 'Zipkin' : 'Jaeger query',
      endpoint: t,
      keyPath: `contexts.${ctx.contextName}.tracing`,
      timeoutMs: ctx.timeoutMs ?? t.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      trace: ctx.trace,
      userAgent: ctx.userAgent,
      origin: `contexts.${ctx.contextName}.tracing.url`,
    }),
  );
}
