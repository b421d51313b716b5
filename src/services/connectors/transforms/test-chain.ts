import {readFileSync} from 'node:fs';
import {z} from 'zod';
import {connectClient} from '../../../clients/factory.js';
import {consumeTopics} from '../../../clients/kafka.js';
import {UsageError} from '../../../errors.js';
import type {RunContext} from '../../../runtime.js';
import {parseDefinitions} from '../definitions.js';
import {type ConnectRecord, fromJsonConverter, toJsonConverter} from './record.js';
import {buildChain, runChain, type StepTrace} from './smt.js';

/**
 * `connectors transforms test`: runs a connector's transform chain and predicates on sample records
 * (from a topic, or a file) in this process, without touching the pipeline, and tells what each step
 * did to each record. Records are JsonConverter JSON (with or without schemas).
 */

export interface TransformsTestOptions {
  connector: string;
  /** A connector definition (JSON/YAML) to use instead of the worker's config. */
  configFile?: string;
  fromTopic?: string;
  recordsFile?: string;
  limit: number;
}

export interface RecordView {
  topic: string;
  key: unknown;
  value: unknown;
  headers: Record<string, unknown>;
}

export interface StepView {
  alias: string;
  class: string;
  outcome: StepTrace['outcome'];
  /** What the step changed, in words (topic, key, value fields, headers). */
  changes: string[];
  after: RecordView | null;
  error?: string;
}

export interface RecordResult {
  /** Where the record came from: topic/partition@offset, or the file's index. */
  source: string;
  input: RecordView;
  steps: StepView[];
  /** null: dropped by the chain (or the chain fails on it: see error). */
  output: RecordView | null;
  error?: string;
}

export interface TransformsTestResult {
  connector: string;
  configSource: string;
  chain: Array<{alias: string; class: string; predicate?: string}>;
  records: RecordResult[];
  summary: {records: number; dropped: number; failed: number; outputTopics: string[]};
}

const view = (r: ConnectRecord): RecordView => ({
  topic: r.topic,
  key: toJsonConverter(r.keySchema, r.key),
  value: toJsonConverter(r.valueSchema, r.value),
  headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
});

const fileRecord = z.strictObject({
  topic: z.string().min(1),
  partition: z.number().int().min(0).optional(),
  timestamp: z.number().int().optional(),
  key: z.unknown().optional(),
  value: z.unknown().optional(),
  headers: z.record(z.string(), z.union([z.string(), z.null()])).optional(),
});

function toRecord(doc: z.infer<typeof fileRecord>): ConnectRecord {
  const k = fromJsonConverter(doc.key ?? null);
  const v = fromJsonConverter(doc.value ?? null);
  return {
    topic: doc.topic,
    partition: doc.partition ?? 0,
    timestamp: doc.timestamp ?? null,
    keySchema: k.schema,
    key: k.value,
    valueSchema: v.schema,
    value: v.value,
    headers: Object.entries(doc.headers ?? {}).map(([key, value]) => ({key, value})),
  };
}

function readRecordsFile(path: string): Array<{source: string; record: ConnectRecord}> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, {
      hint: 'A JSON array of {topic, key, value, headers?}; key and value as JsonConverter writes them.',
    });
  }
  const parsed = z.array(fileRecord).min(1).safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UsageError(`${path}: ${i?.path.join('.') || '(top level)'}: ${i?.message}`, {
      hint: 'A JSON array of {topic, key, value, headers?}; key and value as JsonConverter writes them.',
    });
  }
  return parsed.data.map((d, i) => ({source: `${path}[${i}]`, record: toRecord(d)}));
}

function decodeJson(bytes: Buffer | null, where: string): unknown {
  if (bytes === null) return null;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`${where} is not JSON: only JsonConverter records can be emulated (not Avro or Protobuf)`);
  }
}

async function readTopic(
  ctx: RunContext,
  topic: string,
  limit: number,
): Promise<Array<{source: string; record: ConnectRecord}>> {
  const out: Array<{source: string; record: ConnectRecord}> = [];
  await consumeTopics(ctx, {
    topics: [topic],
    start: 'beginning',
    stopAtEnd: true,
    clientIdSuffix: 'transforms-test',
    onBatch: (messages) => {
      for (const m of messages) {
        if (out.length >= limit) return false;
        const where = `${m.topic}/${m.partition}@${m.offset}`;
        const k = fromJsonConverter(decodeJson(m.key, `the key of ${where}`));
        const v = fromJsonConverter(decodeJson(m.value, `the value of ${where}`));
        out.push({
          source: where,
          record: {
            topic: m.topic,
            partition: m.partition,
            timestamp: Number(m.timestamp),
            keySchema: k.schema,
            key: k.value,
            valueSchema: v.schema,
            value: v.value,
            headers: m.headers.map((h) => ({key: h.key, value: h.value === null ? null : h.value.toString('utf8')})),
          },
        });
      }
      return out.length < limit;
    },
  });
  return out;
}

/** What changed between two states of a record, in words. */
export function describeChanges(before: RecordView, after: RecordView | null): string[] {
  if (after === null) return ['dropped'];
  const out: string[] = [];
  if (before.topic !== after.topic) out.push(`topic → ${after.topic}`);
  const payload = (x: unknown) =>
    x && typeof x === 'object' && 'payload' in x ? (x as {payload: unknown}).payload : x;
  for (const side of ['key', 'value'] as const) {
    const b = payload(before[side]);
    const a = payload(after[side]);
    if (JSON.stringify(b) === JSON.stringify(a)) {
      if (JSON.stringify(before[side]) !== JSON.stringify(after[side])) out.push(`${side} schema changed`);
      continue;
    }
    const isObj = (x: unknown): x is Record<string, unknown> =>
      x !== null && typeof x === 'object' && !Array.isArray(x);
    if (isObj(b) && isObj(a)) {
      const removed = Object.keys(b).filter((k) => !(k in a));
      const added = Object.keys(a).filter((k) => !(k in b));
      const changed = Object.keys(a).filter((k) => k in b && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      const parts = [...removed.map((k) => `-${k}`), ...added.map((k) => `+${k}`), ...changed.map((k) => `~${k}`)];
      out.push(`${side}: ${parts.join(' ')}`);
    } else out.push(`${side} → ${a === null ? 'null' : JSON.stringify(a).slice(0, 60)}`);
  }
  const hb = Object.keys(before.headers);
  const ha = Object.keys(after.headers);
  const hAdded = ha.filter((k) => !hb.includes(k));
  const hRemoved = hb.filter((k) => !ha.includes(k));
  if (hAdded.length || hRemoved.length)
    out.push(`headers: ${[...hRemoved.map((k) => `-${k}`), ...hAdded.map((k) => `+${k}`)].join(' ')}`);
  return out;
}

export async function testTransforms(ctx: RunContext, o: TransformsTestOptions): Promise<TransformsTestResult> {
  if (!o.fromTopic === !o.recordsFile)
    throw new UsageError('give the sample records with --from-topic <topic> or with -f records.json (one of them)');
  let config: Record<string, string> | undefined;
  let configSource: string;
  if (o.configFile) {
    const defs = parseDefinitions(readFileSync(o.configFile, 'utf8'), o.configFile);
    const def = defs.find((d) => d.name === o.connector) ?? (defs.length === 1 ? defs[0] : undefined);
    if (!def) throw new UsageError(`${o.configFile} does not define connector ${o.connector}`);
    config = def.config;
    configSource = o.configFile;
  } else {
    config = await connectClient(ctx).getConfig(o.connector);
    if (!config)
      throw new UsageError(`no connector "${o.connector}"`, {hint: 'Give its definition with --config <file>.'});
    configSource = 'the worker';
  }
  const chain = buildChain(config);
  const samples = o.recordsFile ? readRecordsFile(o.recordsFile) : await readTopic(ctx, o.fromTopic as string, o.limit);
  const records: RecordResult[] = samples.slice(0, o.limit).map(({source, record}) => {
    const run = runChain(chain, config as Record<string, string>, record);
    let prev = view(record);
    const steps: StepView[] = run.steps.map((s) => {
      const after = s.after ? view(s.after) : null;
      const step: StepView = {
        alias: s.alias,
        class: s.cls,
        outcome: s.outcome,
        changes: s.outcome === 'changed' ? describeChanges(prev, after) : [],
        after,
        ...(s.error ? {error: s.error} : {}),
      };
      if (after) prev = after;
      return step;
    });
    return {
      source,
      input: view(record),
      steps,
      output: run.output ? view(run.output) : null,
      ...(run.error ? {error: run.error} : {}),
    };
  });
  return {
    connector: o.connector,
    configSource,
    chain: chain.map((c) => ({
      alias: c.alias,
      class: c.cls,
      ...(c.predicate ? {predicate: `${c.predicate.negate ? 'not ' : ''}${c.predicate.alias}`} : {}),
    })),
    records,
    summary: {
      records: records.length,
      dropped: records.filter((r) => r.output === null && !r.error).length,
      failed: records.filter((r) => r.error).length,
      outputTopics: [...new Set(records.flatMap((r) => (r.output ? [r.output.topic] : [])))].sort(),
    },
  };
}
