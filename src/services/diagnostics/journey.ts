import {cassandraClient, cassandraError} from '../../clients/cassandra.js';
import type {ExpandedConnector} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {
  type ConsumedMessage,
  committedOffset,
  type KafkaAdmin,
  listTopicNames,
  lookupPartition,
  partitionCount,
  readPartitionRange,
  readRecordAt,
  topicWatermarks,
  withAdmin,
} from '../../clients/kafka.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {hasSecretReference, resolveSecretString} from '../../config/secrets.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {partitionForKey} from '../../util/murmur2.js';
import {decodePlain} from '../events/decode.js';
import {classifyTrace} from './classify.js';

/**
 * `cdcctl trace <table> <key>`: a record's journey — the row in the source (PostgreSQL or Cassandra,
 * with its writetime), its change events in Kafka (the partition computed from the serialized key
 * with the producer's murmur2 partitioner, the start offset found by a timestamp lookup: never a
 * topic scan), any dead letter for it, and the row in the PostgreSQL target; per hop the time taken
 * and a verdict.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface JourneyEvent {
  offset: string;
  timestamp: string;
  op: string;
  /** Source commit / write time of the change (the event's source.ts_ms), when told. */
  sourceTs?: string;
  /** Record time − source time, milliseconds. */
  sourceToKafkaMs?: number;
  /** PostgreSQL sources: the change's log sequence number (the event's source.lsn). */
  sourceLsn?: string;
  after?: Record<string, unknown> | null;
  /** The trace the event belongs to, from its W3C `traceparent` header (Debezium's ActivateTracingSpan SMT). */
  traceId?: string;
}

export interface Journey {
  table: string;
  key: Record<string, string>;
  source: {
    kind: 'postgres' | 'cassandra';
    found: boolean;
    row?: Record<string, unknown>;
    writeTime?: string;
    detail?: string;
  };
  kafka?: {
    topic: string;
    partitions: number;
    partition: number;
    keyBytes: string;
    /** Where the read started (timestamp lookup) and ended. */
    from: string;
    to: string;
    since: string;
    events: JourneyEvent[];
  };
  dlq?: {topic: string; records: Array<{offset: string; timestamp: string; error?: string}>};
  sink?: {connector: string; state: string; group: string; committed: string | null; consumed: boolean; cause?: string};
  target?: {table: string; found: boolean; row?: Record<string, unknown>; differs?: string[]};
  verdict: {state: 'in sync' | 'in flight' | 'stuck' | 'not found'; hop?: string; reason: string};
}

export interface JourneyOptions {
  /** Where to look for events when the source does not tell the write time (epoch ms). */
  sinceMs: number;
  topic?: string;
  sink?: string;
}

export async function traceRecord(
  ctx: RunContext,
  table: string,
  keyText: string,
  opts: JourneyOptions,
): Promise<Journey> {
  const [ns, name] = table.split('.');
  if (!ns || !name || !IDENT.test(ns) || !IDENT.test(name))
    throw new UsageError(`table must be <schema|keyspace>.<table>, got "${table}"`);
  const connect = connectClient(ctx);
  let connectors: Record<string, ExpandedConnector> = {};
  try {
    connectors = await connect.listExpanded();
  } finally {
    await connect.close();
  }
  const source = await readSource(ctx, ns, name, keyText, connectors);
  const journey: Journey = {table, key: source.key, source: source.view, verdict: {state: 'not found', reason: ''}};
  await withAdmin(ctx, async (admin) => {
    const topics = await listTopicNames(admin);
    const topic = opts.topic ?? topics.find((t) => t.endsWith(`.${ns}.${name}`));
    if (!topic) return;
    const partitions = await partitionCount(admin, topic);
    // the key's bytes decide the partition: learnt from a sample key of the topic (one record read) when it matters
    const keyBytes = serializeKey(
      source.key,
      source.keyTypes,
      partitions > 1 ? await sampleKey(ctx, admin, topic) : undefined,
    );
    const since = source.writeTimeMs !== undefined ? source.writeTimeMs - 60_000 : opts.sinceMs;
    const look = await lookupPartition(admin, topic, partitionForKey(keyBytes, Math.max(partitions, 1)), since);
    const records = await readPartitionRange(ctx, topic, look.partition, look.fromTimestamp, look.high);
    const events = records.filter((r) => sameKey(r.key, keyBytes, source.key)).map(toEvent);
    journey.kafka = {
      topic,
      partitions: look.partitions,
      partition: look.partition,
      keyBytes: keyBytes.toString('utf8'),
      from: look.fromTimestamp,
      to: look.high,
      since: new Date(since).toISOString(),
      events,
    };
    const sink = pickSink(connectors, topic, opts.sink);
    if (sink) {
      const [sinkName, c] = sink;
      const cfg = c.info?.config ?? {};
      const group = cfg['consumer.override.group.id'] ?? `connect-${sinkName}`;
      const committed = await committedOffset(admin, group, topic, look.partition);
      const last = events.at(-1);
      const failed = c.status?.tasks.find((t) => t.state === 'FAILED' && t.trace);
      journey.sink = {
        connector: sinkName,
        state: failed ? 'FAILED' : (c.status?.connector.state ?? 'UNKNOWN'),
        group,
        committed,
        consumed: last !== undefined && committed !== null && BigInt(committed) > BigInt(last.offset),
        cause: failed?.trace ? classifyTrace(failed.trace, cfg['connector.class']).rootCause : undefined,
      };
      const dlqTopic = cfg['errors.deadletterqueue.topic.name'];
      if (dlqTopic && topics.includes(dlqTopic)) {
        const first = events[0] ? Number(events[0].timestamp) : since;
        const d = await lookupPartition(admin, dlqTopic, (n) => partitionForKey(keyBytes, Math.max(n, 1)), first);
        const dead = (await readPartitionRange(ctx, dlqTopic, d.partition, d.fromTimestamp, d.high)).filter((r) =>
          sameKey(r.key, keyBytes, source.key),
        );
        journey.dlq = {
          topic: dlqTopic,
          records: dead.map((r) => ({
            offset: r.offset,
            timestamp: r.timestamp,
            error: r.headers.find((h) => h.key === '__connect.errors.exception.message')?.value?.toString('utf8'),
          })),
        };
      }
      journey.target = await readTarget(cfg, topic, ns, name, source.key, ctx.timeoutMs ?? 5000);
      if (journey.target?.row && last?.after) journey.target.differs = differences(last.after, journey.target.row);
    }
  });
  journey.verdict = verdict(journey);
  return journey;
}

// ------------------------------------------------------------------------------------------- source

interface SourceRead {
  key: Record<string, string>;
  keyTypes: Record<string, string>;
  view: Journey['source'];
  writeTimeMs?: number;
}

/** `1` for a one-column key, `a=1,b=2` (or `1,2` in key order) for a compound one. */
export function parseKey(text: string, columns: string[]): Record<string, string> {
  const parts = text.split(',');
  const named = parts.every((p) => p.includes('='));
  const out: Record<string, string> = {};
  if (named) {
    for (const p of parts) {
      const [k = '', ...v] = p.split('=');
      out[k.trim()] = v.join('=');
    }
  } else {
    if (parts.length !== columns.length)
      throw new UsageError(
        `the key of this table is (${columns.join(', ')}): give ${columns.length} value(s), or name them (col=value,…)`,
      );
    columns.forEach((c, i) => {
      out[c] = parts[i] ?? '';
    });
  }
  const missing = columns.filter((c) => !(c in out));
  if (missing.length) throw new UsageError(`the key lacks ${missing.join(', ')} (key columns: ${columns.join(', ')})`);
  return out;
}

async function readSource(
  ctx: RunContext,
  ns: string,
  name: string,
  keyText: string,
  connectors: Record<string, ExpandedConnector>,
): Promise<SourceRead> {
  // a PostgreSQL source connector that captures the table, else Cassandra
  const pg = Object.entries(connectors).find(([, c]) => {
    const cfg = c.info?.config ?? {};
    if (cfg['connector.class'] !== 'io.debezium.connector.postgresql.PostgresConnector') return false;
    const inc = (cfg['table.include.list'] ?? '.*').split(',').map((x) => new RegExp(`^(?:${x.trim()})$`, 'i'));
    return inc.some((r) => r.test(`${ns}.${name}`));
  });
  if (pg) return readPostgresSource(ctx, pg[1].info?.config ?? {}, ns, name, keyText);
  if (ctx.config.cassandra) return readCassandraSource(ctx, ns, name, keyText);
  throw new UsageError(`no source connector captures ${ns}.${name}, and the context names no Cassandra`);
}

function connectorPool(
  cfg: Record<string, string>,
  host: string,
  port: number,
  db: string,
  user: string,
  password: string | undefined,
  timeoutMs: number,
) {
  const pw =
    password !== undefined && hasSecretReference(password)
      ? resolveSecretString(password, 'the connector password')
      : password;
  return pgTarget(
    {url: `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(db)}`, password: pw},
    `connector (${cfg.name ?? 'config'})`,
    timeoutMs,
  );
}

async function readPostgresSource(
  ctx: RunContext,
  cfg: Record<string, string>,
  ns: string,
  name: string,
  keyText: string,
): Promise<SourceRead> {
  const t = connectorPool(
    cfg,
    cfg['database.hostname'] ?? '127.0.0.1',
    Number(cfg['database.port'] ?? 5432),
    cfg['database.dbname'] ?? 'postgres',
    cfg['database.user'] ?? 'postgres',
    cfg['database.password'],
    ctx.timeoutMs ?? 5000,
  );
  const pool = await createPool({...t, config: {...t.config, max: 1}});
  try {
    const cols = (
      await pool.query<{col: string; type: string}>(
        `SELECT a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        [`"${ns}"."${name}"`],
      )
    ).rows;
    if (cols.length === 0)
      throw new UsageError(`${ns}.${name} has no primary key in the source database (or does not exist)`);
    const key = parseKey(
      keyText,
      cols.map((c) => c.col),
    );
    const where = cols.map((c, i) => `"${c.col}"::text = $${i + 1}`).join(' AND ');
    const rows = (
      await pool.query(
        `SELECT * FROM "${ns}"."${name}" WHERE ${where}`,
        cols.map((c) => key[c.col]),
      )
    ).rows;
    return {
      key,
      keyTypes: Object.fromEntries(cols.map((c) => [c.col, c.type])),
      view: {
        kind: 'postgres',
        found: rows.length > 0,
        row: rows[0],
        detail: 'PostgreSQL keeps no commit time (track_commit_timestamp=off): the events tell it',
      },
    };
  } catch (err) {
    throw pgError(err, t, `reading ${ns}.${name}`);
  } finally {
    await pool.end().catch(() => {});
  }
}

async function readCassandraSource(ctx: RunContext, ks: string, name: string, keyText: string): Promise<SourceRead> {
  const {client, display} = await cassandraClient(ctx);
  try {
    const cols = (
      await client.execute(
        'SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
        [ks, name],
        {prepare: true},
      )
    ).rows.map((r) => ({
      name: String(r.get('column_name')),
      kind: String(r.get('kind')),
      position: Number(r.get('position')),
      type: String(r.get('type')),
    }));
    if (cols.length === 0) throw new UsageError(`${ks}.${name} does not exist in Cassandra`);
    const keyCols = [
      ...cols.filter((c) => c.kind === 'partition_key').sort((a, b) => a.position - b.position),
      ...cols.filter((c) => c.kind === 'clustering').sort((a, b) => a.position - b.position),
    ];
    const key = parseKey(
      keyText,
      keyCols.map((c) => c.name),
    );
    const regular = cols.filter((c) => c.kind === 'regular' && !/^(list|set|map|frozen)/.test(c.type));
    const wt = regular.map((c) => `writetime("${c.name}") AS "wt_${c.name}"`).join(', ');
    const where = keyCols.map((c) => `"${c.name}" = ?`).join(' AND ');
    const values = keyCols.map((c) => castCql(key[c.name] ?? '', c.type));
    const all = cols.map((c) => `"${c.name}"`).join(', ');
    const rs = await client.execute(
      `SELECT ${all}${wt ? `, ${wt}` : ''} FROM "${ks}"."${name}" WHERE ${where}`,
      values,
      {prepare: true},
    );
    const row = rs.first();
    let writeUs: bigint | undefined;
    const out: Record<string, unknown> = {};
    if (row) {
      for (const k of Object.keys(row)) {
        const v = row.get(k);
        if (k.startsWith('wt_')) {
          if (v !== null && v !== undefined) {
            const us = BigInt(v.toString());
            if (writeUs === undefined || us > writeUs) writeUs = us;
          }
        } else
          out[k] =
            v !== null && typeof v === 'object' && 'toString' in v && !Array.isArray(v) && !(v instanceof Date)
              ? v.toString()
              : v;
      }
    }
    return {
      key,
      keyTypes: Object.fromEntries(keyCols.map((c) => [c.name, c.type])),
      view: {
        kind: 'cassandra',
        found: Boolean(row),
        row: row ? out : undefined,
        writeTime: writeUs === undefined ? undefined : new Date(Number(writeUs / 1000n)).toISOString(),
      },
      writeTimeMs: writeUs === undefined ? undefined : Number(writeUs / 1000n),
    };
  } catch (err) {
    throw cassandraError(err, display, `reading ${ks}.${name}`);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

function castCql(v: string, type: string): unknown {
  if (/^(int|smallint|tinyint|float|double)$/.test(type)) return Number(v);
  if (/^(bigint|varint|counter)$/.test(type)) return BigInt(v);
  if (type === 'boolean') return v === 'true';
  return v;
}

// -------------------------------------------------------------------------------------------- Kafka

/** The key of a recent record of the topic: how the producer serializes keys (JSON with or without a schema). */
async function sampleKey(ctx: RunContext, admin: KafkaAdmin, topic: string): Promise<Buffer | undefined> {
  const marks = (await topicWatermarks(admin, [topic])).get(topic) ?? [];
  const p = marks.find((m) => BigInt(m.high) > BigInt(m.low));
  if (!p) return undefined;
  const rec = await readRecordAt(ctx, topic, p.partition, (BigInt(p.high) - 1n).toString());
  return rec?.key ?? undefined;
}

const NUMERIC = /^(int|smallint|tinyint|bigint|varint|integer|numeric|real|double|float|counter|decimal)/i;

/**
 * The key's bytes as the producer wrote them: a sample key of the topic is the template (its field
 * order, its schema block), its values replaced by ours, written compactly as Jackson does.
 */
export function serializeKey(key: Record<string, string>, types: Record<string, string>, sample?: Buffer): Buffer {
  const value = (col: string) => {
    const v = key[col] ?? '';
    return NUMERIC.test(types[col] ?? '') && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  };
  let template: unknown;
  try {
    template = sample ? JSON.parse(sample.toString('utf8')) : undefined;
  } catch {
    template = undefined;
  }
  const fill = (o: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = k in key ? value(k) : o[k];
    for (const k of Object.keys(key)) if (!(k in out)) out[k] = value(k);
    return out;
  };
  if (template && typeof template === 'object' && 'schema' in template && 'payload' in template) {
    const t = template as {schema: unknown; payload: Record<string, unknown>};
    return Buffer.from(JSON.stringify({schema: t.schema, payload: fill(t.payload)}));
  }
  if (template && typeof template === 'object')
    return Buffer.from(JSON.stringify(fill(template as Record<string, unknown>)));
  return Buffer.from(JSON.stringify(Object.fromEntries(Object.keys(key).map((k) => [k, value(k)]))));
}

/** The same key: the same bytes, or (another serialization of it) the same values column by column. */
export function sameKey(bytes: Buffer | null, expected: Buffer, key: Record<string, string>): boolean {
  if (!bytes) return false;
  if (bytes.equals(expected)) return true;
  const v = decodePlain(bytes).value;
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  const cols = Object.keys(key);
  return (
    Object.keys(o).length === cols.length &&
    cols.every((c) => o[c] !== undefined && o[c] !== null && String(o[c]) === key[c])
  );
}

function toEvent(m: ConsumedMessage): JourneyEvent {
  const v = decodePlain(m.value).value as {
    op?: string;
    source?: {ts_ms?: number; lsn?: number | string};
    after?: Record<string, unknown> | null;
  } | null;
  const sourceTs = v?.source?.ts_ms;
  return {
    offset: m.offset,
    timestamp: m.timestamp,
    op: m.value === null ? 'tombstone' : (v?.op ?? '?'),
    sourceTs: sourceTs === undefined ? undefined : String(sourceTs),
    sourceToKafkaMs: sourceTs === undefined ? undefined : Number(m.timestamp) - sourceTs,
    sourceLsn: v?.source?.lsn === undefined || v.source.lsn === null ? undefined : String(v.source.lsn),
    after: v?.after === undefined ? undefined : unwrapCells(v.after),
    traceId: traceIdOf(m.headers.findLast((h) => h.key === 'traceparent')?.value),
  };
}

/** `traceparent: 00-<32 hex trace id>-<16 hex span id>-<flags>`; an all-zero id is invalid (W3C Trace Context). */
export function traceIdOf(header: Buffer | null | undefined): string | undefined {
  const m = header
    ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header.toString('latin1').trim())
    : null;
  return m?.[1] && !/^0+$/.test(m[1]) ? m[1] : undefined;
}

/** Cassandra events carry each column as a cell {value, deletion_ts, set}; unset cells are null. */
function unwrapCells(after: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!after) return after;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    if (k.startsWith('_range_')) continue;
    if (v && typeof v === 'object' && 'value' in v && 'set' in v) out[k] = (v as {value: unknown}).value;
    else if (v !== null) out[k] = v;
  }
  return out;
}

// --------------------------------------------------------------------------------------------- sink

function pickSink(
  connectors: Record<string, ExpandedConnector>,
  topic: string,
  wanted?: string,
): [string, ExpandedConnector] | undefined {
  return Object.entries(connectors).find(([n, c]) => {
    if (wanted) return n === wanted;
    const cfg = c.info?.config ?? {};
    if (c.info?.type !== 'sink') return false;
    if (
      (cfg.topics ?? '')
        .split(',')
        .map((x) => x.trim())
        .includes(topic)
    )
      return true;
    return cfg['topics.regex'] ? new RegExp(`^(?:${cfg['topics.regex']})$`).test(topic) : false;
  });
}

/** The target table the JDBC sink writes a topic to: RegexRouter transforms, then collection.name.format. */
export function targetTable(cfg: Record<string, string>, topic: string, ns: string, name: string): string {
  let routed = topic;
  for (const t of (cfg.transforms ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (cfg[`transforms.${t}.type`] !== 'org.apache.kafka.connect.transforms.RegexRouter') continue;
    const re = new RegExp(`^(?:${cfg[`transforms.${t}.regex`] ?? ''})$`);
    if (re.test(routed)) routed = routed.replace(re, cfg[`transforms.${t}.replacement`] ?? '');
  }
  const format = cfg['collection.name.format'] ?? cfg['table.name.format'] ?? '${topic}';
  return format
    .replaceAll('${topic}', routed)
    .replaceAll('${source.table}', name)
    .replaceAll('${source.schema}', ns)
    .replaceAll('${source.db}', ns);
}

async function readTarget(
  cfg: Record<string, string>,
  topic: string,
  ns: string,
  name: string,
  key: Record<string, string>,
  timeoutMs: number,
): Promise<Journey['target']> {
  const m = /^jdbc:postgresql:\/\/([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(cfg['connection.url'] ?? '');
  if (!m) return undefined;
  const table = targetTable(cfg, topic, ns, name);
  const [schema, tbl] = table.includes('.') ? table.split('.', 2) : ['public', table];
  if (!schema || !tbl || !IDENT.test(schema) || !IDENT.test(tbl)) return {table, found: false};
  const t = connectorPool(
    cfg,
    m[1] ?? '',
    Number(m[2] ?? 5432),
    m[3] ?? '',
    cfg['connection.username'] ?? '',
    cfg['connection.password'],
    timeoutMs,
  );
  const pool = await createPool({...t, config: {...t.config, max: 1}});
  try {
    const cols = Object.keys(key);
    if (!cols.every((c) => IDENT.test(c))) return {table, found: false};
    const where = cols.map((c, i) => `"${c}"::text = $${i + 1}`).join(' AND ');
    const rows = (
      await pool.query(
        `SELECT * FROM "${schema}"."${tbl}" WHERE ${where}`,
        cols.map((c) => key[c]),
      )
    ).rows;
    return {table: `${schema}.${tbl}`, found: rows.length > 0, row: rows[0]};
  } catch (err) {
    const e = pgError(err, t, `reading the target ${table}`);
    if (e.code === 'PG_42P01') return {table, found: false};
    throw e;
  } finally {
    await pool.end().catch(() => {});
  }
}

/** Columns of the last event whose value the target row does not hold (compared as text). */
export function differences(after: Record<string, unknown>, row: Record<string, unknown>): string[] {
  const norm = (v: unknown) =>
    v instanceof Date
      ? String(v.getTime())
      : v === null || v === undefined
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  return Object.keys(after).filter((k) => k in row && norm(after[k]) !== norm(row[k]) && !(row[k] instanceof Date));
}

export function verdict(j: Journey): Journey['verdict'] {
  const events = j.kafka?.events ?? [];
  const last = events.at(-1);
  if (!j.kafka)
    return {
      state: j.source.found ? 'stuck' : 'not found',
      hop: 'source → kafka',
      reason: 'no change topic for this table',
    };
  if (!last) {
    if (!j.source.found)
      return {
        state: 'not found',
        reason: `no row in the source and no event in ${j.kafka.topic} since ${j.kafka.since}`,
      };
    return {
      state: 'stuck',
      hop: 'source → kafka',
      reason: `no change event in ${j.kafka.topic} partition ${j.kafka.partition} since ${j.kafka.since} (is the source connector running? widen --since)`,
    };
  }
  const dead = j.dlq?.records.at(-1);
  if (dead)
    return {
      state: 'stuck',
      hop: 'kafka → target',
      reason: `dead-lettered to ${j.dlq?.topic}@${dead.offset}: ${dead.error ?? 'no error header'}`,
    };
  if (!j.sink) return {state: 'in flight', hop: 'kafka → target', reason: 'no sink connector reads this topic'};
  if (!j.sink.consumed) {
    if (j.sink.state === 'PAUSED' || j.sink.state === 'STOPPED')
      return {
        state: 'in flight',
        hop: 'kafka → target',
        reason: `sink ${j.sink.connector} is ${j.sink.state}: the event waits at offset ${last.offset} until it resumes`,
      };
    if (j.sink.state !== 'RUNNING')
      return {
        state: 'stuck',
        hop: 'kafka → target',
        reason: `sink ${j.sink.connector} is ${j.sink.state}${j.sink.cause ? `: ${j.sink.cause}` : ''}`,
      };
    const behind =
      j.sink.committed === null
        ? 'has committed nothing'
        : `is at offset ${j.sink.committed}, the event at ${last.offset}`;
    return {state: 'in flight', hop: 'kafka → target', reason: `sink ${j.sink.connector} ${behind}`};
  }
  const deleted = last.op === 'd' || last.op === 'tombstone';
  if (deleted) {
    return j.target?.found
      ? {
          state: 'stuck',
          hop: 'target',
          reason: `deleted in the source but still in ${j.target.table} (delete.enabled=false on the sink?)`,
        }
      : {state: 'in sync', reason: 'deleted at both ends'};
  }
  if (!j.target?.found)
    return {
      state: 'stuck',
      hop: 'target',
      reason: `the sink consumed offset ${last.offset} but ${j.target?.table ?? 'the target'} has no row (filtered by an SMT, or skipped with errors.tolerance=all)`,
    };
  if (j.target.differs?.length)
    return {
      state: 'stuck',
      hop: 'target',
      reason: `the target differs in ${j.target.differs.join(', ')} (an SMT changes it, or a later write is in flight)`,
    };
  return {state: 'in sync', reason: `the target holds the last event (offset ${last.offset})`};
}
