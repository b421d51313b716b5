import {connectClient} from '../../clients/factory.js';
import {
  type ConsumedMessage,
  type ConsumeStart,
  consumeTopics,
  listTopicNames,
  withAdmin,
} from '../../clients/kafka.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {canonicalJson} from '../../util/canonical-json.js';
import {type CassandraChange, cassandraChange, cassandraOp, isCassandraSource} from './cassandra.js';
import {type Decoded, decodeBytes, decodePlain, registrySchemaLookup, type SchemaLookup} from './decode.js';
import {compileFilter} from './filter.js';

/**
 * Live change streams: Debezium envelopes decoded from Kafka topics, filtered, handed to a sink
 * (the terminal, a pipe, or SSE clients). No printing here.
 */

export type ChangeOp = 'c' | 'u' | 'd' | 'r' | 't' | 'm';

export interface ChangeEvent {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka record timestamp (ISO-8601 UTC). */
  timestamp: string;
  key: unknown;
  /** How `key` is to be read: decoded data (json), a string of text, or a string of base64 bytes; null for no key. */
  keyFormat: ValueFormat | null;
  /** How the value (`before`/`after`) is to be read, as keyFormat. */
  valueFormat: ValueFormat;
  /** Debezium op; null when the value is not a Debezium envelope (then `after` holds the value). */
  op: ChangeOp | null;
  before: unknown;
  after: unknown;
  /** Debezium `source` block: connector, db, schema, table, lsn, txId, ts_ms … */
  source: Record<string, unknown> | null;
  /** `db.schema.table` (or what the source block has of it). */
  table: string | null;
  /** When Debezium processed the change (envelope ts_ms) and when the database made it (source.ts_ms). */
  tsMs: number | null;
  sourceTsMs: number | null;
  /** Events of the Debezium Cassandra connector: `after` read as cells (set, written null, deleted, unset; TTLs). */
  cassandra?: CassandraChange;
}

/**
 * The form a key or value takes in an event: `json` — decoded data (JSON, Avro and JSON Schema
 * records alike); `text` — a string holding the UTF-8 text of the bytes; `base64` — a string
 * holding the bytes in base64 (binary, Protobuf, or what could not be decoded).
 */
export type ValueFormat = 'json' | 'text' | 'base64';

export function valueFormatOf(d: Decoded): ValueFormat | null {
  switch (d.format) {
    case 'null':
      return null;
    case 'text':
      return 'text';
    case 'binary':
    case 'protobuf':
      return 'base64';
    default:
      return 'json';
  }
}

export interface EventSelection {
  ops?: ChangeOp[];
  key?: string;
  filter?: string;
}

/** The topics to read: one named, or those a connector produces (source) or consumes (sink). */
export async function resolveEventTopics(
  ctx: RunContext,
  sel: {topic?: string; connector?: string},
): Promise<string[]> {
  if (sel.topic) return [sel.topic];
  if (!sel.connector) throw new UsageError('name a topic or --connector');
  const connect = connectClient(ctx);
  const [active, config] = await Promise.all([
    connect.topics(sel.connector).catch(() => undefined),
    connect.getConfig(sel.connector),
  ]);
  if (!config) throw new UsageError(`connector "${sel.connector}" not found`, {hint: 'See cdcctl connectors list.'});
  const all = await withAdmin(ctx, (admin) => listTopicNames(admin));
  let topics = active?.filter((t) => all.includes(t)) ?? [];
  if (topics.length === 0 && config.topics)
    topics = config.topics
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (topics.length === 0 && config['topics.regex']) {
    const re = new RegExp(`^(?:${config['topics.regex']})$`);
    topics = all.filter((t) => re.test(t));
  }
  if (topics.length === 0 && config['topic.prefix']) {
    const prefix = `${config['topic.prefix']}.`;
    // Data topics are prefix.schema.table (or prefix.db.table); skip heartbeats and transaction topics.
    topics = all.filter(
      (t) =>
        t.startsWith(prefix) && !/^__debezium|\.transaction$/.test(t.slice(prefix.length)) && t.split('.').length >= 3,
    );
  }
  if (topics.length === 0) {
    throw new UsageError(`connector "${sel.connector}" has no topics yet`, {
      hint: 'A source connector creates its topics with the first change; name a topic directly to wait for it.',
    });
  }
  return topics.sort();
}

const OPS = new Set(['c', 'u', 'd', 'r', 't', 'm']);

/** Decodes one record into a change event (undefined for tombstones). */
export async function toChangeEvent(m: ConsumedMessage, lookup?: SchemaLookup): Promise<ChangeEvent | undefined> {
  if (m.value === null) return undefined;
  const fast = toChangeEventSync(m);
  if (fast !== null) return fast;
  const [k, v] = await Promise.all([decodeBytes(m.key, lookup), decodeBytes(m.value, lookup)]);
  return envelopeOf(m, k, v);
}

/**
 * The common case without promises (JSON or text, no registry framing): null when the key or
 * value carries a schema id and needs the registry.
 */
export function toChangeEventSync(m: ConsumedMessage): ChangeEvent | undefined | null {
  if (m.value === null) return undefined;
  if (m.value[0] === 0 || m.key?.[0] === 0) return null;
  return envelopeOf(m, decodePlain(m.key), decodePlain(m.value));
}

function envelopeOf(m: ConsumedMessage, k: Decoded, v: Decoded): ChangeEvent {
  const value = v.value;
  const env =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const rawSource = env?.source && typeof env.source === 'object' ? (env.source as Record<string, unknown>) : null;
  const cassandra = isCassandraSource(rawSource);
  const rawOp = env && typeof env.op === 'string' ? (cassandra ? cassandraOp(env.op) : env.op) : undefined;
  const op = rawOp !== undefined && OPS.has(rawOp) ? (rawOp as ChangeOp) : null;
  const source = op ? rawSource : null;
  const table = !source
    ? null
    : cassandra
      ? [source.keyspace, source.table].filter((x) => typeof x === 'string').join('.') || null
      : [source.db, source.schema ?? source.keyspace, source.table].filter((x) => typeof x === 'string').join('.') ||
        null;
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: new Date(Number(m.timestamp)).toISOString(),
    key: k.value,
    keyFormat: valueFormatOf(k),
    valueFormat: valueFormatOf(v) ?? 'json',
    op,
    before: op ? (env?.before ?? null) : null,
    after: op ? (env?.after ?? null) : value,
    source,
    table,
    tsMs: op ? numberOr(env?.ts_ms) : null,
    sourceTsMs: source ? numberOr(source.ts_ms) : null,
    ...(source && cassandra ? {cassandra: cassandraChange(source, env?.after, op)} : {}),
  };
}

function numberOr(v: unknown): number | null {
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : null;
}

/**
 * --key matches the key's text (a string key, a number), its JSON in any spacing or key order
 * (compared canonically), or the value of a single-field key ({"id": 1001} ← 1001).
 */
export function keyMatcher(wanted: string): (key: unknown) => boolean {
  let asJson: string | undefined;
  try {
    asJson = canonicalJson(JSON.parse(wanted));
  } catch {}
  const scalar = (v: unknown) => (typeof v === 'string' || typeof v === 'number') && String(v) === wanted;
  return (key) => {
    if (key === null || key === undefined) return false;
    if (scalar(key)) return true;
    if (asJson !== undefined && canonicalJson(key) === asJson) return true;
    if (typeof key === 'object' && !Array.isArray(key)) {
      const vals = Object.values(key as Record<string, unknown>);
      return vals.length === 1 && scalar(vals[0]);
    }
    return false;
  };
}

/** Builds the matcher for a selection; throws a usage error for a bad filter or op. */
export function eventMatcher(sel: EventSelection): (ev: ChangeEvent) => boolean {
  for (const op of sel.ops ?? []) {
    if (!OPS.has(op))
      throw new UsageError(`unknown op "${op}"`, {
        hint: 'Use c (create), u (update), d (delete), r (read/snapshot), t (truncate).',
      });
  }
  const ops = sel.ops?.length ? new Set<string>(sel.ops) : undefined;
  const pred = sel.filter ? compileFilter(sel.filter) : undefined;
  const key = sel.key === undefined ? undefined : keyMatcher(sel.key);
  return (ev) =>
    (!ops || (ev.op !== null && ops.has(ev.op))) && (key === undefined || key(ev.key)) && (!pred || pred(ev));
}

export interface StreamOptions {
  topics: string[];
  start: ConsumeStart;
  /** Stop after this many matching events. */
  max?: number;
  signal?: AbortSignal;
  /** Stop at the end offsets of when reading began (bounded reads, tests, benchmarks). */
  stopAtEnd?: boolean;
}

export interface StreamResult {
  topics: string[];
  seen: number;
  matched: number;
  stoppedBy: 'end' | 'signal' | 'max';
}

/**
 * Reads the topics and calls `emit` for every event that matches, in partition order. `emit` may
 * return a promise (back-pressure from a slow pipe is honoured).
 */
export async function streamEvents(
  ctx: RunContext,
  opts: StreamOptions,
  match: (ev: ChangeEvent) => boolean,
  emit: (ev: ChangeEvent) => void | Promise<void>,
): Promise<StreamResult> {
  const lookup = registrySchemaLookup(ctx);
  let seen = 0;
  let matched = 0;
  let hitMax = false;
  let res: Awaited<ReturnType<typeof consumeTopics>>;
  try {
    res = await consumeTopics(ctx, {
      topics: opts.topics,
      start: opts.start,
      stopAtEnd: opts.stopAtEnd,
      signal: opts.signal,
      clientIdSuffix: 'events',
      onBatch: async (messages) => {
        for (const m of messages) {
          if (opts.signal?.aborted) return false;
          const fast = toChangeEventSync(m);
          const ev = fast === null ? await toChangeEvent(m, lookup) : fast;
          seen++;
          if (!ev || !match(ev)) continue;
          matched++;
          const w = emit(ev);
          if (w) await w;
          if (opts.max !== undefined && matched >= opts.max) {
            hitMax = true;
            return false;
          }
        }
        return true;
      },
    });
  } finally {
    await lookup?.close();
  }
  return {
    topics: opts.topics,
    seen,
    matched,
    stoppedBy: hitMax ? 'max' : res.stoppedBy === 'handler' ? 'signal' : res.stoppedBy,
  };
}
