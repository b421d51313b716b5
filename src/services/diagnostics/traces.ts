import {type TraceSpan, tracingClient} from '../../clients/tracing.js';
import {NotOkError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {type Journey, type JourneyEvent, type JourneyOptions, traceRecord} from './journey.js';

/** `trace show` and `trace find`: traces from the context's backend (Zipkin or Jaeger), spans in tree order. */

export interface SpanRow extends TraceSpan {
  depth: number;
  /** Microseconds from the trace's first span. */
  offsetUs: number;
}

export interface TraceView {
  traceId: string;
  backend: 'zipkin' | 'jaeger';
  startUs: number;
  durationUs: number;
  spans: SpanRow[];
}

/** Parents before children, siblings by start time; a span whose parent is missing is a root. */
export function spanTree(spans: TraceSpan[]): SpanRow[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const s of spans) {
    if (s.parentId && ids.has(s.parentId) && s.parentId !== s.id)
      children.set(s.parentId, [...(children.get(s.parentId) ?? []), s]);
    else roots.push(s);
  }
  const start = Math.min(...spans.map((s) => s.startUs));
  const out: SpanRow[] = [];
  const seen = new Set<string>();
  const walk = (s: TraceSpan, depth: number) => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    out.push({...s, depth, offsetUs: s.startUs - start});
    for (const c of (children.get(s.id) ?? []).sort((a, b) => a.startUs - b.startUs)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startUs - b.startUs)) walk(r, 0);
  return out;
}

function view(kind: 'zipkin' | 'jaeger', traceId: string, spans: TraceSpan[]): TraceView {
  const rows = spanTree(spans);
  const start = Math.min(...spans.map((s) => s.startUs));
  const end = Math.max(...spans.map((s) => s.startUs + s.durationUs));
  return {traceId, backend: kind, startUs: start, durationUs: end - start, spans: rows};
}

export async function showTrace(ctx: RunContext, id: string): Promise<TraceView> {
  const client = tracingClient(ctx);
  try {
    const spans = await client.trace(id);
    if (spans.length === 0)
      throw new NotOkError(`the ${client.kind} backend has no trace ${id}`, {
        hint: 'Traces expire (Zipkin keeps them in memory); find recent ones with `cdcctl trace find`.',
      });
    return view(client.kind, id, spans);
  } finally {
    await client.close();
  }
}

export interface FoundTraces {
  journey: Pick<Journey, 'table' | 'key' | 'kafka'>;
  traces: TraceView[];
}

/** Debezium's ActivateTracingSpan SMT tags its `db-log-write` span with the event's source block as `db.<field>`. */
function smtSpanTags(table: string, e: JourneyEvent): Record<string, string> | undefined {
  if (e.sourceTs === undefined) return undefined;
  const name = table.slice(table.lastIndexOf('.') + 1);
  return {'db.table': name, 'db.ts_ms': e.sourceTs, ...(e.sourceLsn ? {'db.lsn': e.sourceLsn} : {})};
}

/** The newest events searched for the SMT's spans (one backend query each). */
const SMT_SEARCH_EVENTS = 10;

/**
 * The traces of a record: its change events (found as `trace` finds them), then
 * - the traces the events name in their `traceparent` header (read by id),
 * - the traces of the Kafka producer/consumer spans on that topic whose partition and offset are one of the
 *   events' (found by tag search, for producers that write no header),
 * - the traces of Debezium's ActivateTracingSpan SMT (`db-log-write` → `debezium-read`) for the events' source
 *   positions (table, commit time and, from PostgreSQL, the LSN).
 */
export async function findRecordTraces(
  ctx: RunContext,
  table: string,
  key: string,
  opts: JourneyOptions & {lookbackMs: number; service?: string; limit: number},
): Promise<FoundTraces> {
  const j = await traceRecord(ctx, table, key, opts);
  const client = tracingClient(ctx);
  try {
    if (!j.kafka || j.kafka.events.length === 0)
      return {journey: {table: j.table, key: j.key, kafka: j.kafka}, traces: []};
    const found = await client.find({
      tags: {'messaging.destination.name': j.kafka.topic},
      service: opts.service,
      lookbackMs: opts.lookbackMs,
      limit: opts.limit,
    });
    const offsets = new Set(j.kafka.events.map((e) => e.offset));
    const partition = String(j.kafka.partition);
    const mine = found.filter((spans) =>
      spans.some((s) => {
        const off = Object.entries(s.tags).find(([k]) => /offset$/.test(k))?.[1];
        const part = Object.entries(s.tags).find(([k]) => /partition(\.id)?$/.test(k))?.[1];
        return off !== undefined && offsets.has(off) && (part === undefined || part === partition);
      }),
    );
    const has = (id: string | undefined) => mine.some((spans) => spans[0]?.traceId === id);
    for (const id of new Set(j.kafka.events.flatMap((e) => (e.traceId ? [e.traceId] : [])))) {
      if (has(id)) continue;
      const spans = await client.trace(id);
      if (spans.length > 0) mine.push(spans);
    }
    for (const e of j.kafka.events.slice(-SMT_SEARCH_EVENTS)) {
      const tags = smtSpanTags(j.table, e);
      if (!tags) continue;
      const smt = await client.find({tags, service: opts.service, lookbackMs: opts.lookbackMs, limit: opts.limit});
      for (const spans of smt) if (!has(spans[0]?.traceId)) mine.push(spans);
    }
    return {
      journey: {table: j.table, key: j.key, kafka: j.kafka},
      traces: mine
        .map((spans) => view(client.kind, spans[0]?.traceId ?? '', spans))
        .sort((a, b) => a.startUs - b.startUs),
    };
  } finally {
    await client.close();
  }
}
