import type {Admin, Kafka, KafkaConfig as KafkaJsConfig, SASLOptions} from 'kafkajs';
import type {KafkaConfig} from '../config/schema.js';
import {registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {retryWhile} from '../util/retry.js';
import {type TlsFiles, tlsFiles} from './tls.js';

/**
 * Kafka: the one home of cdcctl's Kafka client libraries. kafkajs (pure JS, imported lazily) for
 * the admin side and the consumers; @platformatic/kafka for the producer. Callers see only the
 * functions and types of this module — an admin client is the opaque `KafkaAdmin` handed out by
 * `withAdmin` — so that replacing a library touches this file alone. Issue 20 keeps
 * @platformatic/kafka (maintained; kafkajs has had no release since 2023): new code here uses it
 * where it needs no kafkajs connection; the measurements (`npm run bench:kafka`) and the migration
 * plan are in README.md, "Kafka client".
 */

/** The kafkajs Admin inside a `KafkaAdmin` (the key is private to this module). */
const ADMIN: unique symbol = Symbol('kafka admin');

/** A connected admin client, lent by `withAdmin`; use it with this module's functions only. */
export interface KafkaAdmin {
  readonly [ADMIN]: Admin;
}

export interface ClusterInfo {
  clusterId: string;
  controller: number | null;
  brokers: Array<{nodeId: number; host: string; port: number}>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset, or null when it has committed nothing yet. */
  committed: string | null;
  end: string;
  lag: string;
}

export interface GroupLag {
  groupId: string;
  /** Σ lag over partitions, as a decimal string (offsets are 64-bit). */
  total: string;
  partitions: PartitionLag[];
}

/**
 * How long a long-running read or write keeps retrying through a broker's death: until the controller has
 * moved its partitions' leadership and its groups' coordination to the survivors (a KRaft broker is fenced
 * after broker.session.timeout.ms, 9 s by default). ~35 s in all (300 ms doubling, at most 5 s apart).
 */
const FAILOVER_RETRY = {retries: 10, initialRetryTime: 300, maxRetryTime: 5000};
const FAILOVER_MS = 35_000;

/** Runs `fn` again (backing off) while it fails with an error kafkajs marks retriable, for up to FAILOVER_MS. */
export function retryRetriable<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
  return retryWhile(fn, {retriable: kafkaRetriable, forMs: FAILOVER_MS, firstDelayMs: 300, maxDelayMs: 5000});
}

function kafkaRetriable(err: unknown): boolean {
  const e = err as {retriable?: boolean; name?: string};
  return e.retriable === true || e.name === 'KafkaJSConnectionError';
}

export async function kafkaFor(ctx: RunContext, clientIdSuffix = 'admin'): Promise<{kafka: Kafka; brokers: string}> {
  const config = ctx.config.kafka;
  if (!config) {
    throw new ConfigError(`context "${ctx.contextName}" has no kafka brokers`, {
      hint: `Add them with \`cdcctl config set-context ${ctx.contextName} --kafka-brokers host:9092\`.`,
    });
  }
  const {Kafka, logLevel} = (await import('kafkajs')).default;
  const timeout = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const kafka = new Kafka({
    ...kafkaJsConfig(config, `contexts.${ctx.contextName}.kafka`),
    clientId: config.clientId ?? `cdcctl-${clientIdSuffix}`,
    connectionTimeout: Math.min(timeout, 10_000),
    requestTimeout: timeout,
    retry: {retries: 2, initialRetryTime: 200, maxRetryTime: 2000},
    logLevel: logLevel.NOTHING,
  });
  return {kafka, brokers: config.brokers.join(',')};
}

function kafkaJsConfig(config: KafkaConfig, where: string): Pick<KafkaJsConfig, 'brokers' | 'ssl' | 'sasl'> {
  let sasl: SASLOptions | undefined;
  if (config.sasl) {
    const password = resolveSecretString(config.sasl.password, `${where}.sasl.password`);
    registerSecret(password);
    sasl = {
      mechanism: config.sasl.mechanism,
      username: resolveSecretString(config.sasl.username, `${where}.sasl.username`),
      password,
    } as SASLOptions;
  }
  return {
    brokers: config.brokers,
    ssl: kafkaTls(config, where),
    sasl,
  };
}

/**
 * The TLS of a context's `kafka.ssl`: `true` (the system CAs), or a tls block whose CA bundle and
 * client certificate/key files are read here (secret references resolved; errors name the key path,
 * `contexts.<name>.kafka.ssl.ca`). Shared by the kafkajs clients and the producer.
 */
export function kafkaTls(config: KafkaConfig, where: string): TlsFiles | boolean | undefined {
  if (config.ssl === undefined || typeof config.ssl === 'boolean') return config.ssl;
  return tlsFiles(config.ssl, `${where}.ssl`);
}

/**
 * Runs `fn` with a connected admin client, mapping connection failures to exit 4. By default a request fails
 * within a second or two (an interactive command says at once that Kafka is down). With `failover` (for
 * long-running work; `fn` must be safe to run again) a retriable failure runs `fn` again on a new admin,
 * whose fresh metadata finds a dead broker's partitions on their new leaders (kafkajs gives up at once on a
 * connection refused by a partition's old leader).
 */
export async function withAdmin<T>(
  ctx: RunContext,
  fn: (admin: KafkaAdmin) => Promise<T>,
  opts: {failover?: boolean} = {},
): Promise<T> {
  const {kafka, brokers} = await kafkaFor(ctx);
  const once = async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await fn({[ADMIN]: admin});
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
  try {
    return opts.failover ? await retryRetriable(once) : await once();
  } catch (err) {
    throw kafkaError(err, brokers);
  }
}

export async function clusterInfo(handle: KafkaAdmin): Promise<ClusterInfo> {
  const admin = handle[ADMIN];
  const c = await admin.describeCluster();
  return {
    clusterId: c.clusterId,
    controller: c.controller,
    brokers: c.brokers.map((b) => ({nodeId: b.nodeId, host: b.host, port: b.port})),
  };
}

/** Lag of a consumer group on every partition it has offsets for (or of the given topics). */
export async function groupLag(handle: KafkaAdmin, groupId: string, topics?: string[]): Promise<GroupLag> {
  const admin = handle[ADMIN];
  const committed = await admin.fetchOffsets({groupId, topics});
  const partitions: PartitionLag[] = [];
  let total = 0n;
  for (const t of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, p.high]));
    for (const p of t.partitions) {
      const end = ends.get(p.partition) ?? '0';
      const has = p.offset !== '-1';
      const lag = has ? BigInt(end) - BigInt(p.offset) : BigInt(end);
      const positive = lag > 0n ? lag : 0n;
      total += positive;
      partitions.push({
        topic: t.topic,
        partition: p.partition,
        committed: has ? p.offset : null,
        end,
        lag: positive.toString(),
      });
    }
  }
  return {groupId, total: total.toString(), partitions};
}

/** @platformatic/kafka (the producer): a network error or timeout, possibly among several. */
function platformaticConnectionError(err: unknown): boolean {
  const e = err as {code?: string; errors?: unknown[]} | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT') return true;
  return Array.isArray(e.errors) && e.errors.some(platformaticConnectionError);
}

export function kafkaError(err: unknown, brokers: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error & {name?: string};
  const connection =
    /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError|KafkaJSRequestTimeoutError|KafkaJSBrokerNotFound/.test(
      e.name ?? '',
    ) || platformaticConnectionError(err);
  return new ServiceError(
    {
      service: 'Kafka',
      url: brokers,
      message: `Kafka at ${brokers} ${connection ? 'is unreachable' : 'failed'}: ${e.message}`,
      code: connection ? 'UNREACHABLE' : 'KAFKA_ERROR',
    },
    {
      hint: connection ? "Check that the brokers are running and the context's kafka.brokers are right." : undefined,
      cause: err,
    },
  );
}

/** End (high-water) offsets of each partition of the given topics. */
export async function topicEndOffsets(
  handle: KafkaAdmin,
  topics: string[],
): Promise<Array<{topic: string; partition: number; end: string}>> {
  const admin = handle[ADMIN];
  const out: Array<{topic: string; partition: number; end: string}> = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) out.push({topic, partition: p.partition, end: p.high});
  }
  return out;
}

export interface TopicRetention {
  topic: string;
  cleanupPolicy: string;
  retentionMs: string | null;
  deleteRetentionMs: string | null;
  maxCompactionLagMs: string | null;
}

/** The retention and compaction settings that bound how long a topic keeps a record (describeConfigs). */
export async function topicRetention(handle: KafkaAdmin, topics: string[]): Promise<TopicRetention[]> {
  const admin = handle[ADMIN];
  if (topics.length === 0) return [];
  const {ConfigResourceTypes} = (await import('kafkajs')).default;
  const names = ['cleanup.policy', 'retention.ms', 'delete.retention.ms', 'max.compaction.lag.ms'];
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({type: ConfigResourceTypes.TOPIC, name, configNames: names})),
  });
  return res.resources.map((r) => {
    const get = (n: string) => r.configEntries.find((e) => e.configName === n)?.configValue ?? null;
    return {
      topic: r.resourceName,
      cleanupPolicy: get('cleanup.policy') ?? 'delete',
      retentionMs: get('retention.ms'),
      deleteRetentionMs: get('delete.retention.ms'),
      maxCompactionLagMs: get('max.compaction.lag.ms'),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Consumers and producers (added for dlq and events). Generic: topics, offsets and bytes only.

/** One consumed record, bytes untouched. Offsets and timestamps are decimal strings (64-bit). */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  /** Record timestamp in epoch milliseconds (decimal string, as Kafka gives it). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers in wire order; a key may repeat; a value may be null. */
  headers: Array<{key: string; value: Buffer | null}>;
}

/** Where to start reading: per topic, per partition, the next offset to read. */
export type OffsetMap = Record<string, Record<number, string>>;

export type ConsumeStart = 'beginning' | 'end' | {timestamp: number} | {offsets: OffsetMap};

export interface ConsumeOptions {
  topics: string[];
  /**
   * A named consumer group resumes from its committed offsets and commits after each processed
   * batch (at-least-once hand-over to `onBatch`). Without one, an ephemeral group is used and deleted
   * afterwards, leaving nothing behind on the cluster.
   */
  groupId?: string;
  /** Where to start when the group has no committed offset (ephemeral groups always start here). */
  start: ConsumeStart;
  /** Stop once every partition has reached the end offset it had when reading began. */
  stopAtEnd?: boolean;
  signal?: AbortSignal;
  /** Called once per fetched batch, in offset order per partition. Return false to stop reading. */
  onBatch: (messages: ConsumedMessage[]) => Promise<boolean | undefined> | boolean | undefined;
  /**
   * Fetch the next batch while `onBatch` still works on this one (at most one batch in hand): the
   * handler calls stay one after the other, and a batch's offsets are still committed, and it is
   * counted, only once its handler has resolved. A crash loses nothing: what was not handled was
   * not committed.
   */
  overlap?: boolean;
  clientIdSuffix?: string;
}

export interface ConsumeResult {
  messages: number;
  stoppedBy: 'end' | 'signal' | 'handler';
}

/** Low and high watermarks of every partition of each topic. */
export async function topicWatermarks(
  handle: KafkaAdmin,
  topics: string[],
): Promise<Map<string, Array<{partition: number; low: string; high: string}>>> {
  const admin = handle[ADMIN];
  const out = new Map<string, Array<{partition: number; low: string; high: string}>>();
  for (const topic of topics) {
    const rows = await admin.fetchTopicOffsets(topic);
    out.set(
      topic,
      rows.map((r) => ({partition: r.partition, low: r.low, high: r.high})),
    );
  }
  return out;
}

/** Where a read of one partition starts, and how far it has to go. Offsets are decimal strings. */
export interface StartPosition {
  topic: string;
  partition: number;
  low: string;
  high: string;
  /** The group's committed offset, or null (no group, or nothing committed yet). */
  committed: string | null;
  /** The next offset a read would fetch: the committed offset, else `start`, never below `low`. */
  start: string;
  /** Offsets between `start` and `high` (records still to read, less any compacted away or control records). */
  pending: string;
}

/**
 * The start position of every partition of the topics for a group (or none) and a start rule: the
 * one computation behind `consumeTopics` and the plans that say what a read would fetch. Read-only:
 * looking up a group's offsets neither creates nor changes it.
 */
export async function startPositions(
  handle: KafkaAdmin,
  topics: string[],
  opts: {groupId?: string; start: ConsumeStart},
): Promise<StartPosition[]> {
  const admin = handle[ADMIN];
  const marks = await topicWatermarks(handle, topics);
  const committed = new Map<string, string>();
  if (opts.groupId !== undefined) {
    for (const t of await admin.fetchOffsets({groupId: opts.groupId, topics})) {
      for (const p of t.partitions) if (p.offset !== '-1') committed.set(`${t.topic}:${p.partition}`, p.offset);
    }
  }
  const out: StartPosition[] = [];
  for (const [topic, parts] of marks) {
    let byTime: Map<number, string> | undefined;
    if (typeof opts.start === 'object' && 'timestamp' in opts.start) {
      byTime = new Map(
        (await admin.fetchTopicOffsetsByTimestamp(topic, opts.start.timestamp)).map((e) => [e.partition, e.offset]),
      );
    }
    for (const p of parts) {
      const c = committed.get(`${topic}:${p.partition}`);
      let s: string;
      if (c !== undefined) s = c;
      else if (opts.start === 'beginning') s = p.low;
      else if (opts.start === 'end') s = p.high;
      else if ('timestamp' in opts.start) s = byTime?.get(p.partition) ?? p.high;
      else s = opts.start.offsets[topic]?.[p.partition] ?? p.low;
      if (BigInt(s) < BigInt(p.low)) s = p.low;
      const pending = BigInt(p.high) - BigInt(s);
      out.push({
        topic,
        partition: p.partition,
        low: p.low,
        high: p.high,
        committed: c ?? null,
        start: s,
        pending: (pending > 0n ? pending : 0n).toString(),
      });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * Reads topics with kafkajs, batch by batch. Start positions are computed up front (and, with
 * `stopAtEnd`, the end positions too) so that a bounded read knows when it is done without waiting.
 */
export async function consumeTopics(ctx: RunContext, opts: ConsumeOptions): Promise<ConsumeResult> {
  const {kafka, brokers} = await kafkaFor(ctx, opts.clientIdSuffix ?? 'consumer');
  const ephemeral = opts.groupId === undefined;
  const groupId = opts.groupId ?? `cdcctl-ephemeral-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const admin = kafka.admin();
  let consumer: import('kafkajs').Consumer | undefined;
  let count = 0;
  /** With `overlap`: the batch being handled, resolved once handled and committed (never rejects). */
  let inHand: Promise<void> = Promise.resolve();
  try {
    await admin.connect();
    // the topics and the positions, read from the partitions' leaders and the group's coordinator: through a
    // failover, again on a new admin (fresh metadata) until the dead broker's partitions have moved
    const positions = await retryRetriable(async (attempt) => {
      const a = attempt === 0 ? admin : kafka.admin();
      try {
        if (attempt > 0) await a.connect();
        const existing = new Set(await a.listTopics());
        const missing = opts.topics.filter((t) => !existing.has(t));
        if (missing.length > 0) {
          throw new CdcError('KAFKA_TOPIC_NOT_FOUND', ExitCode.usage, `topic(s) not found: ${missing.join(', ')}`, {
            hint: 'List the topics with kcat -L or check the connector configuration.',
          });
        }
        return await startPositions({[ADMIN]: a}, opts.topics, {
          groupId: ephemeral ? undefined : groupId,
          start: opts.start,
        });
      } finally {
        if (attempt > 0) await a.disconnect().catch(() => {});
      }
    });
    const pending = new Map<string, bigint>();
    for (const p of positions) if (BigInt(p.pending) > 0n) pending.set(`${p.topic}:${p.partition}`, BigInt(p.high));
    if (opts.stopAtEnd && pending.size === 0) return {messages: 0, stoppedBy: 'end'};
    if (opts.signal?.aborted) return {messages: 0, stoppedBy: 'signal'};
    const c = kafka.consumer({
      groupId,
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: opts.stopAtEnd ? 100 : 500,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      retry: FAILOVER_RETRY,
    });
    consumer = c;
    await c.connect();
    await c.subscribe({topics: opts.topics, fromBeginning: opts.start === 'beginning'});
    return await new Promise<ConsumeResult>((resolve, reject) => {
      let settled = false;
      let lastBatchAt = Date.now();
      let emptyFetches = 0;
      const finish = (stoppedBy: ConsumeResult['stoppedBy'], err?: unknown) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({messages: count, stoppedBy});
      };
      const onAbort = () => finish('signal');
      opts.signal?.addEventListener('abort', onAbort, {once: true});
      c.on(c.events.CRASH, (e) => {
        if (!e.payload.restart) finish('end', e.payload.error);
      });
      if (opts.stopAtEnd) {
        // A partition whose last offsets were compacted away or are control records never delivers
        // its final offset: after a quiet spell of empty fetches the read is complete.
        c.on(c.events.FETCH, (e) => {
          if (e.payload.numberOfBatches > 0) emptyFetches = 0;
          else emptyFetches++;
          if (emptyFetches >= 20 && Date.now() - lastBatchAt > 2000) finish('end');
        });
      }
      c.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({batch, heartbeat, isRunning, isStale}) => {
          if (settled || !isRunning() || isStale()) return;
          lastBatchAt = Date.now();
          emptyFetches = 0;
          const messages: ConsumedMessage[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            timestamp: m.timestamp,
            key: m.key ?? null,
            value: m.value ?? null,
            headers: headerList(m.headers),
          }));
          if (messages.length === 0) return;
          // What follows a handled batch: count it, commit its offsets, stop at the end.
          const handled = async (more: boolean | undefined) => {
            count += messages.length;
            const next = (BigInt(messages.at(-1)?.offset ?? '0') + 1n).toString();
            if (!ephemeral) {
              // the group's coordinator may be the broker that just died: wait for the group to move
              await retryRetriable(() =>
                c.commitOffsets([{topic: batch.topic, partition: batch.partition, offset: next}]),
              );
            }
            if (more === false) return finish('handler');
            const id = `${batch.topic}:${batch.partition}`;
            const end = pending.get(id);
            if (opts.stopAtEnd && end !== undefined && BigInt(next) >= end) {
              pending.delete(id);
              if (pending.size === 0) finish('end');
            }
          };
          if (opts.overlap) {
            // The batch before this one is handled (and committed) first; this one is handed over
            // and the fetch of the next begins while it is being handled.
            await inHand;
            if (settled) return;
            inHand = (async () => {
              let more: boolean | undefined;
              try {
                more = await opts.onBatch(messages);
              } catch (err) {
                return finish('handler', err);
              }
              await handled(more);
            })().catch((err) => finish('end', err));
            await heartbeat();
            return;
          }
          let more: boolean | undefined;
          try {
            more = await opts.onBatch(messages);
          } catch (err) {
            finish('handler', err);
            return;
          }
          await handled(more);
          await heartbeat();
        },
      }).catch((err) => finish('end', err));
      // Positions not given by a committed offset: an explicit seek per partition (applied when
      // the partition is assigned). Faster than committing offsets for the group before it joins.
      for (const p of positions) {
        if (p.committed === null) c.seek({topic: p.topic, partition: p.partition, offset: p.start});
      }
    });
  } catch (err) {
    throw kafkaError(err, brokers);
  } finally {
    // A batch still in hand (the read stopped by a signal or another batch's error) is finished
    // first: its handler is not cut off, and what it stored is committed.
    await inHand;
    if (consumer) {
      await consumer.stop().catch(() => {});
      await consumer.disconnect().catch(() => {});
    }
    if (ephemeral && consumer) await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

function headerList(headers: import('kafkajs').IHeaders | undefined): Array<{key: string; value: Buffer | null}> {
  const out: Array<{key: string; value: Buffer | null}> = [];
  if (!headers) return out;
  for (const [key, raw] of Object.entries(headers)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      out.push({key, value: v === undefined || v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v))});
    }
  }
  return out;
}

/** One record to produce; `partition` absent → the key decides (kafkajs' Java-compatible partitioner). */
export interface OutgoingMessage {
  topic: string;
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{key: string; value: Buffer | null}>;
}

/** Where a send landed: per topic-partition, the offset of its first record in this send. */
export interface ProducedBatch {
  results: Array<{topic: string; partition: number; baseOffset: string}>;
}

export interface CdcProducer {
  /** Sends in one request per broker, acks=all; returns when every record is acknowledged. */
  send(messages: OutgoingMessage[]): Promise<ProducedBatch>;
  close(): Promise<void>;
}

/** Bytes per produce request, under the brokers' default message.max.bytes (1 MiB) with room to spare. */
const MAX_REQUEST_BYTES = 768 * 1024;
/**
 * Produce requests in flight at once: the broker de-duplicates an idempotent producer's retries
 * for up to 5 in-flight requests per partition, and keeps their order.
 */
const MAX_IN_FLIGHT = 5;

function approxSize(m: OutgoingMessage): number {
  let n = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const h of m.headers) n += 10 + h.key.length + (h.value?.length ?? 0);
  return n;
}

/**
 * A record's headers as @platformatic/kafka takes them: a Map keyed by Buffer, so by identity — a
 * repeated key needs a Buffer of its own to stay a header of its own (in order). The first
 * occurrence of a key shares one Buffer across records (the producer only reads it): two Buffer
 * copies less per header.
 */
export function headerMap(headers: OutgoingMessage['headers']): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const h of headers) {
    let key = HEADER_KEYS.get(h.key);
    if (key === undefined) {
      key = Buffer.from(h.key);
      if (HEADER_KEYS.size < 1000) HEADER_KEYS.set(h.key, key);
    } else if (map.has(key)) {
      key = Buffer.from(h.key);
    }
    map.set(key, h.value as Buffer);
  }
  return map;
}
const HEADER_KEYS = new Map<string, Buffer>();

type PlatformaticProducer = Pick<typeof import('@platformatic/kafka'), 'Producer' | 'compatibilityPartitioner'>;

/**
 * @platformatic/kafka, loaded when a producer opens. The build bundles it with its clients' option
 * schemas compiled on first use (bin/lazy-schemas.js): loaded as published, the package compiles
 * them all (ajv) on import, ~0.3 s of CPU in every process that only produces.
 */
export async function platformaticProducer(): Promise<PlatformaticProducer> {
  return import('@platformatic/kafka');
}

/** Mechanism names as @platformatic/kafka spells them. */
const SASL_MECHANISMS = {plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512'} as const;

/**
 * An idempotent producer (acks=all; the broker de-duplicates the producer's own retries), built on
 * @platformatic/kafka rather than kafkajs: it encodes records with less CPU and may keep several
 * requests in flight with idempotence (kafkajs allows one); the produce share of a 100k-record
 * `dlq replay` fell from ~7.7 s to ~3.3 s. Keys pick partitions with the Java client's murmur2 (as
 * kafkajs and Kafka Connect do).
 * A send is split into requests under message.max.bytes, pipelined, each acknowledged by all
 * in-sync replicas; a record's headers keep their order, repeated keys and null values.
 */
export async function openProducer(
  ctx: RunContext,
  clientIdSuffix = 'producer',
  opts: {failover?: boolean} = {},
): Promise<CdcProducer> {
  const config = ctx.config.kafka;
  if (!config) {
    throw new ConfigError(`context "${ctx.contextName}" has no kafka brokers`, {
      hint: `Add them with \`cdcctl config set-context ${ctx.contextName} --kafka-brokers host:9092\`.`,
    });
  }
  const brokers = config.brokers.join(',');
  const {Producer, compatibilityPartitioner} = await platformaticProducer();
  const where = `contexts.${ctx.contextName}.kafka`;
  let sasl:
    | {mechanism: (typeof SASL_MECHANISMS)[keyof typeof SASL_MECHANISMS]; username: string; password: string}
    | undefined;
  if (config.sasl) {
    const password = resolveSecretString(config.sasl.password, `${where}.sasl.password`);
    registerSecret(password);
    sasl = {
      mechanism: SASL_MECHANISMS[config.sasl.mechanism],
      username: resolveSecretString(config.sasl.username, `${where}.sasl.username`),
      password,
    };
  }
  const timeout = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const producerTls = kafkaTls(config, where);
  const producer = new Producer({
    clientId: config.clientId ?? `cdcctl-${clientIdSuffix}`,
    bootstrapBrokers: config.brokers,
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    connectTimeout: Math.min(timeout, 10_000),
    timeout,
    // idempotent: a retried request is never written twice; `failover` waits for a dead leader's successor
    retries: opts.failover ? Math.ceil(FAILOVER_MS / 1000) : 5,
    retryDelay: opts.failover ? 1000 : 250,
    tls: producerTls === true ? {} : producerTls || undefined,
    sasl,
  });
  try {
    await producer.initIdempotentProducer({});
  } catch (err) {
    await producer.close(true).catch(() => {});
    throw kafkaError(err, brokers);
  }
  const sendPart = async (part: OutgoingMessage[]): Promise<ProducedBatch['results']> => {
    const res = await producer.send({
      messages: part.map((m) => ({
        topic: m.topic,
        partition: m.partition,
        key: m.key ?? undefined,
        value: m.value ?? undefined,
        headers: headerMap(m.headers),
      })),
    });
    return (res.offsets ?? []).map((o) => ({topic: o.topic, partition: o.partition, baseOffset: String(o.offset)}));
  };
  return {
    async send(messages) {
      // A broker refuses a record batch above message.max.bytes (1 MiB by default): split by size.
      const parts: OutgoingMessage[][] = [];
      let part: OutgoingMessage[] = [];
      let bytes = 0;
      for (const m of messages) {
        const size = approxSize(m);
        if (bytes + size > MAX_REQUEST_BYTES && part.length) {
          parts.push(part);
          part = [];
          bytes = 0;
        }
        part.push(m);
        bytes += size;
      }
      if (part.length) parts.push(part);
      // Pipelined, in order: requests leave one after the other on the broker's connection, at most
      // MAX_IN_FLIGHT unacknowledged; all must be acknowledged before the send returns.
      const results: ProducedBatch['results'] = [];
      const inFlight: Array<Promise<ProducedBatch['results']>> = [];
      try {
        for (const p of parts) {
          const sent = sendPart(p);
          sent.catch(() => {}); // awaited below
          inFlight.push(sent);
          if (inFlight.length >= MAX_IN_FLIGHT)
            results.push(...(await (inFlight.shift() as Promise<ProducedBatch['results']>)));
        }
        for (const sent of inFlight) results.push(...(await sent));
      } catch (err) {
        await Promise.allSettled(inFlight);
        throw kafkaError(err, brokers);
      }
      return {results};
    },
    async close() {
      await producer.close().catch(() => {});
    },
  };
}

/**
 * The records of one partition in [from, to) — a bounded read that starts at an offset (found by a
 * timestamp lookup or a committed offset), never a scan of the topic: the other partitions start
 * at their end. Returns at most `limit` records.
 */
export async function readPartitionRange(
  ctx: RunContext,
  topic: string,
  partition: number,
  from: string,
  to: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<ConsumedMessage[]> {
  if (BigInt(from) >= BigInt(to)) return [];
  const {kafka} = await kafkaFor(ctx);
  const admin = kafka.admin();
  let starts: Record<number, string>;
  try {
    await admin.connect();
    starts = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect().catch(() => {});
  }
  starts[partition] = from;
  const out: ConsumedMessage[] = [];
  await consumeTopics(ctx, {
    topics: [topic],
    start: {offsets: {[topic]: starts}},
    stopAtEnd: true,
    clientIdSuffix: 'range',
    onBatch: (batch) => {
      for (const m of batch) {
        if (m.partition !== partition) continue;
        if (BigInt(m.offset) >= BigInt(to) || out.length >= limit) return false;
        out.push(m);
      }
      return out.length < limit && BigInt(batch.at(-1)?.offset ?? from) + 1n < BigInt(to);
    },
  });
  return out;
}

/** One record at an offset, or undefined when it is gone (compacted, deleted) or not written yet. */
export async function readRecordAt(
  ctx: RunContext,
  topic: string,
  partition: number,
  offset: string,
): Promise<ConsumedMessage | undefined> {
  const [first] = await readPartitionRange(ctx, topic, partition, offset, (BigInt(offset) + 1n).toString(), 1);
  return first;
}

export interface PartitionLookup {
  partitions: number;
  low: string;
  high: string;
  /** The first offset at or after the timestamp in the partition (the high watermark when none is). */
  fromTimestamp: string;
}

/** Partition count, watermarks and a timestamp lookup (ListOffsets by time) of one partition: no scan. */
export async function lookupPartition(
  handle: KafkaAdmin,
  topic: string,
  partition: number | ((count: number) => number),
  timestamp: number,
): Promise<PartitionLookup & {partition: number}> {
  const admin = handle[ADMIN];
  const meta = await admin.fetchTopicMetadata({topics: [topic]});
  const count = meta.topics[0]?.partitions.length ?? 0;
  const p = typeof partition === 'number' ? partition : partition(count);
  const [marks, byTime] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
  ]);
  const m = marks.find((x) => x.partition === p);
  const t = byTime.find((x) => x.partition === p)?.offset;
  const high = m?.high ?? '0';
  return {
    partition: p,
    partitions: count,
    low: m?.low ?? '0',
    high,
    fromTimestamp: t === undefined || t === '-1' ? high : t,
  };
}

/** The committed offset of a group on one partition, or null. */
export async function committedOffset(
  handle: KafkaAdmin,
  groupId: string,
  topic: string,
  partition: number,
): Promise<string | null> {
  const admin = handle[ADMIN];
  const res = await admin.fetchOffsets({groupId, topics: [topic]});
  const o = res.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset;
  return o === undefined || o === '-1' ? null : o;
}

export async function listTopicNames(handle: KafkaAdmin): Promise<string[]> {
  const admin = handle[ADMIN];
  return admin.listTopics();
}

/** Creates topics (the broker's default replication factor), waiting until each partition has a leader. */
export async function createTopics(
  handle: KafkaAdmin,
  topics: Array<{topic: string; partitions: number}>,
): Promise<void> {
  const admin = handle[ADMIN];
  await admin.createTopics({
    topics: topics.map((t) => ({topic: t.topic, numPartitions: t.partitions})),
    waitForLeaders: true,
  });
}

export async function partitionCount(handle: KafkaAdmin, topic: string): Promise<number> {
  const admin = handle[ADMIN];
  const meta = await admin.fetchTopicMetadata({topics: [topic]});
  return meta.topics[0]?.partitions.length ?? 0;
}

/** A group's committed offsets per partition (null: nothing committed) for the given topics, or all it has. */
export async function groupOffsets(
  handle: KafkaAdmin,
  groupId: string,
  topics?: string[],
): Promise<Array<{topic: string; partitions: Array<{partition: number; offset: string | null}>}>> {
  const admin = handle[ADMIN];
  return (await admin.fetchOffsets({groupId, topics})).map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => ({partition: p.partition, offset: p.offset === '-1' ? null : p.offset})),
  }));
}

/** Partitions of each topic with their replicas and in-sync replicas (broker ids). */
export interface TopicLayout {
  topic: string;
  partitions: Array<{partition: number; leader: number; replicas: number[]; isr: number[]}>;
}

/** The partition layout of the topics (metadata request); a topic the cluster lacks is left out. */
export async function topicLayout(handle: KafkaAdmin, topics: string[]): Promise<TopicLayout[]> {
  const admin = handle[ADMIN];
  if (topics.length === 0) return [];
  const meta = await admin.fetchTopicMetadata({topics});
  return meta.topics.map((t) => ({
    topic: t.name,
    partitions: t.partitions.map((p) => ({
      partition: p.partitionId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
    })),
  }));
}

/** Each topic's min.insync.replicas (its own or the broker default the cluster reports for it). */
export async function topicMinIsr(handle: KafkaAdmin, topics: string[]): Promise<Map<string, number>> {
  const admin = handle[ADMIN];
  if (topics.length === 0) return new Map();
  const {ConfigResourceTypes} = (await import('kafkajs')).default;
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas']})),
  });
  return new Map(
    res.resources.map((r) => [
      r.resourceName,
      Number(r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue ?? 1),
    ]),
  );
}

/**
 * Per partition, the first offset whose record is at or after `timestamp` (ListOffsets by time);
 * where none is, what the broker answers for it (the library gives '-1' or the end offset).
 */
export async function offsetsForTimestamp(
  handle: KafkaAdmin,
  topic: string,
  timestamp: number,
): Promise<Array<{partition: number; offset: string}>> {
  const admin = handle[ADMIN];
  return (await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)).map((e) => ({
    partition: e.partition,
    offset: e.offset,
  }));
}

/** Deletes the records of each given partition below its offset (DeleteRecords). */
export async function deleteRecordsBefore(
  handle: KafkaAdmin,
  topic: string,
  partitions: Array<{partition: number; offset: string}>,
): Promise<void> {
  const admin = handle[ADMIN];
  if (partitions.length === 0) return;
  await admin.deleteTopicRecords({topic, partitions});
}

/**
 * Moves a group's committed offsets to the start of each topic, best effort per topic (a group
 * with active members, or a topic it never read, keeps what it has).
 */
export async function resetGroupToEarliest(handle: KafkaAdmin, groupId: string, topics: string[]): Promise<void> {
  const admin = handle[ADMIN];
  for (const topic of topics) await admin.resetOffsets({groupId, topic, earliest: true}).catch(() => {});
}
