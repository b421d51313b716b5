import type {Admin, Consumer, Message, MessagesStream} from '@platformatic/kafka';
import type {KafkaConfig} from '../config/schema.js';
import {registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {retryWhile} from '../util/retry.js';
import {type TlsFiles, tlsFiles} from './tls.js';

/**
 * Kafka: the one home of cdcctl's Kafka client library, @platformatic/kafka (maintained, bundled
 * with its option schemas compiled on first use; issue 20 retired kafkajs, see README.md, "Kafka
 * client"). Callers see only the functions and types of this module — an admin client is the opaque
 * `KafkaAdmin` handed out by `withAdmin` — so that replacing the library touches this file alone.
 * Offsets and timestamps are decimal strings at this module's boundary (64-bit; the library gives
 * bigints).
 */

type Lib = typeof import('@platformatic/kafka');

/**
 * @platformatic/kafka, loaded on first use. The build bundles it with its clients' option schemas
 * compiled on first use (bin/lazy-schemas.js): loaded as published, the package compiles them all
 * (ajv) on import, ~0.3 s of CPU in every process that talks to Kafka.
 */
export async function kafkaLibrary(): Promise<Lib> {
  return import('@platformatic/kafka');
}

/** The library's Admin inside a `KafkaAdmin` (the key is private to this module). */
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
const FAILOVER_MS = 35_000;

/** Runs `fn` again (backing off) while it fails with an error the library marks retriable, for up to FAILOVER_MS. */
export function retryRetriable<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
  return retryWhile(fn, {retriable: kafkaRetriable, forMs: FAILOVER_MS, firstDelayMs: 300, maxDelayMs: 5000});
}

/** A network error, a timeout or a protocol error Kafka marks retriable (a moved leader, a coordinator loading). */
function kafkaRetriable(err: unknown): boolean {
  const e = err as {code?: string; canRetry?: boolean; errors?: unknown[]; cause?: unknown} | null;
  if (!e || typeof e !== 'object' || err instanceof CdcError) return false;
  if (e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT' || e.canRetry === true) return true;
  if (Array.isArray(e.errors) && e.errors.some(kafkaRetriable)) return true;
  return e.cause !== undefined && e.cause !== err && kafkaRetriable(e.cause);
}

/** A network error or a timeout, possibly among several: Kafka could not be reached. */
function connectionError(err: unknown): boolean {
  const e = err as {code?: string; errors?: unknown[]} | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT') return true;
  return Array.isArray(e.errors) && e.errors.some(connectionError);
}

/** The first Kafka error code (e.g. UNKNOWN_TOPIC_OR_PARTITION) inside a library error, if any. */
function protocolErrorId(err: unknown): string | undefined {
  const e = err as {apiId?: string; errors?: unknown[]} | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.apiId === 'string') return e.apiId;
  for (const inner of e.errors ?? []) {
    const id = protocolErrorId(inner);
    if (id) return id;
  }
  return undefined;
}

export function kafkaError(err: unknown, brokers: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error;
  const connection = connectionError(err);
  const id = protocolErrorId(err);
  const message = id && !e.message.includes(id) ? `${e.message} (${id})` : e.message;
  return new ServiceError(
    {
      service: 'Kafka',
      url: brokers,
      message: `Kafka at ${brokers} ${connection ? 'is unreachable' : 'failed'}: ${message}`,
      code: connection ? 'UNREACHABLE' : 'KAFKA_ERROR',
    },
    {
      hint: connection ? "Check that the brokers are running and the context's kafka.brokers are right." : undefined,
      cause: err,
    },
  );
}

/**
 * The TLS of a context's `kafka.ssl`: `true` (the system CAs), or a tls block whose CA bundle and
 * client certificate/key files are read here (secret references resolved; errors name the key path,
 * `contexts.<name>.kafka.ssl.ca`).
 */
export function kafkaTls(config: KafkaConfig, where: string): TlsFiles | boolean | undefined {
  if (config.ssl === undefined || typeof config.ssl === 'boolean') return config.ssl;
  return tlsFiles(config.ssl, `${where}.ssl`);
}

/** Mechanism names as @platformatic/kafka spells them. */
const SASL_MECHANISMS = {plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512'} as const;

/** What every client of a context shares: brokers, client id, TLS, SASL, timeouts and retries. */
interface ClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout: number;
  timeout: number;
  retries: number;
  retryDelay: number;
  tls?: TlsFiles | Record<string, never>;
  sasl?: {mechanism: (typeof SASL_MECHANISMS)[keyof typeof SASL_MECHANISMS]; username: string; password: string};
}

/**
 * The options of a client for the context's brokers (secret references resolved here, errors naming the
 * key path). By default a request fails within a second or two, so that an interactive command says at
 * once that Kafka is down; with `failover` (long-running work) the library retries for ~35 s, the time a
 * dead broker's partitions take to move to their new leaders.
 */
function clientOptions(
  ctx: RunContext,
  clientIdSuffix: string,
  opts: {failover?: boolean} = {},
): {options: ClientOptions; brokers: string} {
  const config = ctx.config.kafka;
  if (!config) {
    throw new ConfigError(`context "${ctx.contextName}" has no kafka brokers`, {
      hint: `Add them with \`cdcctl config set-context ${ctx.contextName} --kafka-brokers host:9092\`.`,
    });
  }
  const where = `contexts.${ctx.contextName}.kafka`;
  let sasl: ClientOptions['sasl'];
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
  const tls = kafkaTls(config, where);
  return {
    brokers: config.brokers.join(','),
    options: {
      clientId: config.clientId ?? `cdcctl-${clientIdSuffix}`,
      bootstrapBrokers: config.brokers,
      connectTimeout: Math.min(timeout, 10_000),
      timeout,
      retries: opts.failover ? Math.ceil(FAILOVER_MS / 1000) : 2,
      retryDelay: opts.failover ? 1000 : 250,
      tls: tls === true ? {} : tls || undefined,
      sasl,
    },
  };
}

/**
 * Runs `fn` with an admin client, mapping failures to exit 4 (a `CdcError` thrown by `fn` passes as is).
 * With `failover` (for long-running work; `fn` must be safe to run again) a retriable failure runs `fn`
 * again on a new admin, whose fresh metadata finds a dead broker's partitions on their new leaders.
 */
export async function withAdmin<T>(
  ctx: RunContext,
  fn: (admin: KafkaAdmin) => Promise<T>,
  opts: {failover?: boolean} = {},
): Promise<T> {
  const {options, brokers} = clientOptions(ctx, 'admin');
  const {Admin} = await kafkaLibrary();
  const once = async () => {
    const admin = new Admin(options);
    try {
      return await fn({[ADMIN]: admin});
    } finally {
      await admin.close().catch(() => {});
    }
  };
  try {
    return opts.failover ? await retryRetriable(once) : await once();
  } catch (err) {
    throw kafkaError(err, brokers);
  }
}

// ---------------------------------------------------------------------------------------------
// Admin requests

const EARLIEST = -2n;
const LATEST = -1n;
const TOPIC_RESOURCE = 2; // ConfigResourceTypes.TOPIC

/** One partition of a topic's metadata: its leader (-1: none), replicas and in-sync replicas (broker ids). */
interface PartitionMetadata {
  leader: number;
  replicas: number[];
  isr: number[];
}

/**
 * Topic metadata (partition leaders, replicas, ISRs), fresh from the cluster, internal topics included: the
 * library's metadata cache leaves internal topics (__consumer_offsets) out, so those are asked for with a
 * Metadata request of our own on a live broker's connection. A topic the cluster lacks is an error.
 */
async function metadataOf(admin: Admin, topics: string[]): Promise<Map<string, PartitionMetadata[]>> {
  const meta = await admin.metadata({topics, forceUpdate: true});
  const out = new Map<string, PartitionMetadata[]>();
  const internal: string[] = [];
  for (const t of topics) {
    const m = meta.topics.get(t);
    if (m)
      out.set(
        t,
        m.partitions.map((p) => ({leader: p.leader, replicas: p.replicas, isr: p.isr})),
      );
    else internal.push(t);
  }
  if (internal.length === 0) return out;
  const {metadataV12} = await kafkaLibrary();
  let lastError: unknown;
  for (const nodeId of meta.brokers.keys()) {
    try {
      const connection = (await admin.connectToBrokers([nodeId])).get(nodeId);
      if (!connection) continue;
      const res = await metadataV12.api.async(connection, internal, false, false);
      for (const t of res.topics) {
        if (!t.name || t.errorCode !== 0) continue;
        const parts = [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
        out.set(
          t.name,
          parts.map((p) => ({leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes})),
        );
      }
      return out;
    } catch (err) {
      lastError = err; // that broker is down: ask the next
    }
  }
  throw lastError;
}

/** Partition count of each topic. */
async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const meta = await metadataOf(admin, topics);
  return new Map(topics.map((t) => [t, meta.get(t)?.length ?? 0]));
}

/** Per topic, per partition, the offset ListOffsets answers for `timestamp` (EARLIEST, LATEST or a time). */
async function listOffsetsAt(
  admin: Admin,
  counts: Map<string, number>,
  timestamp: bigint,
): Promise<Map<string, Map<number, bigint>>> {
  const topics = [...counts].filter(([, n]) => n > 0);
  const out = new Map<string, Map<number, bigint>>(topics.map(([t]) => [t, new Map()]));
  if (topics.length === 0) return out;
  const res = await admin.listOffsets({
    topics: topics.map(([name, n]) => ({
      name,
      partitions: Array.from({length: n}, (_, partitionIndex) => ({partitionIndex, timestamp})),
    })),
  });
  for (const t of res) {
    const m = out.get(t.name) ?? new Map<number, bigint>();
    for (const p of t.partitions) m.set(p.partitionIndex, p.offset);
    out.set(t.name, m);
  }
  return out;
}

/** A group's committed offsets (≥ 0 only), keyed `topic:partition`; with `topics`, only theirs. */
async function committedOffsets(
  admin: Admin,
  groupId: string,
  topics?: string[],
): Promise<Map<string, Map<number, bigint>>> {
  const [group] = await admin.listConsumerGroupOffsets({groups: [groupId]});
  const out = new Map<string, Map<number, bigint>>();
  for (const t of group?.topics ?? []) {
    if (topics && !topics.includes(t.name)) continue;
    const m = new Map<number, bigint>();
    for (const p of t.partitions) if (p.committedOffset >= 0n) m.set(p.partitionIndex, p.committedOffset);
    out.set(t.name, m);
  }
  return out;
}

export async function clusterInfo(handle: KafkaAdmin): Promise<ClusterInfo> {
  const meta = await handle[ADMIN].metadata({topics: [], forceUpdate: true});
  return {
    clusterId: meta.id,
    controller: meta.controllerId >= 0 ? meta.controllerId : null,
    brokers: [...meta.brokers].map(([nodeId, b]) => ({nodeId, host: b.host, port: b.port})),
  };
}

/**
 * Lag of a consumer group on every partition it has offsets for, or on every partition of the given
 * topics (committed null where it has none).
 */
export async function groupLag(handle: KafkaAdmin, groupId: string, topics?: string[]): Promise<GroupLag> {
  const offsets = await groupOffsets(handle, groupId, topics);
  const ends = await listOffsetsAt(
    handle[ADMIN],
    await partitionCounts(
      handle[ADMIN],
      offsets.map((t) => t.topic),
    ),
    LATEST,
  );
  const partitions: PartitionLag[] = [];
  let total = 0n;
  for (const t of offsets) {
    for (const p of t.partitions) {
      const end = ends.get(t.topic)?.get(p.partition) ?? 0n;
      const lag = p.offset === null ? end : end - BigInt(p.offset);
      const positive = lag > 0n ? lag : 0n;
      total += positive;
      partitions.push({
        topic: t.topic,
        partition: p.partition,
        committed: p.offset,
        end: end.toString(),
        lag: positive.toString(),
      });
    }
  }
  return {groupId, total: total.toString(), partitions};
}

/** End (high-water) offsets of each partition of the given topics. */
export async function topicEndOffsets(
  handle: KafkaAdmin,
  topics: string[],
): Promise<Array<{topic: string; partition: number; end: string}>> {
  const marks = await topicWatermarks(handle, topics);
  return topics.flatMap((topic) => (marks.get(topic) ?? []).map((p) => ({topic, partition: p.partition, end: p.high})));
}

export interface TopicRetention {
  topic: string;
  cleanupPolicy: string;
  retentionMs: string | null;
  deleteRetentionMs: string | null;
  maxCompactionLagMs: string | null;
}

/** Named configuration values of topics (DescribeConfigs): their own or the broker defaults they inherit. */
async function topicConfigs(
  admin: Admin,
  topics: string[],
  names: string[],
): Promise<Map<string, Map<string, string | null>>> {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((resourceName) => ({resourceType: TOPIC_RESOURCE, resourceName, configurationKeys: names})),
  });
  return new Map(res.map((r) => [r.resourceName, new Map(r.configs.map((c) => [c.name, c.value ?? null]))]));
}

/** The retention and compaction settings that bound how long a topic keeps a record (describeConfigs). */
export async function topicRetention(handle: KafkaAdmin, topics: string[]): Promise<TopicRetention[]> {
  if (topics.length === 0) return [];
  const names = ['cleanup.policy', 'retention.ms', 'delete.retention.ms', 'max.compaction.lag.ms'];
  const configs = await topicConfigs(handle[ADMIN], topics, names);
  return [...configs].map(([topic, c]) => ({
    topic,
    cleanupPolicy: c.get('cleanup.policy') ?? 'delete',
    retentionMs: c.get('retention.ms') ?? null,
    deleteRetentionMs: c.get('delete.retention.ms') ?? null,
    maxCompactionLagMs: c.get('max.compaction.lag.ms') ?? null,
  }));
}

/** Low and high watermarks of every partition of each topic. */
export async function topicWatermarks(
  handle: KafkaAdmin,
  topics: string[],
): Promise<Map<string, Array<{partition: number; low: string; high: string}>>> {
  const admin = handle[ADMIN];
  const out = new Map<string, Array<{partition: number; low: string; high: string}>>();
  if (topics.length === 0) return out;
  const counts = await partitionCounts(admin, topics);
  const [lows, highs] = await Promise.all([
    listOffsetsAt(admin, counts, EARLIEST),
    listOffsetsAt(admin, counts, LATEST),
  ]);
  for (const topic of topics) {
    const rows: Array<{partition: number; low: string; high: string}> = [];
    for (let partition = 0; partition < (counts.get(topic) ?? 0); partition++) {
      rows.push({
        partition,
        low: String(lows.get(topic)?.get(partition) ?? 0n),
        high: String(highs.get(topic)?.get(partition) ?? 0n),
      });
    }
    out.set(topic, rows);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Consumers. Generic: topics, offsets and bytes only.

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
   * batch (at-least-once hand-over to `onBatch`); processes sharing it share the partitions. Without
   * one, a group of this read's own is used and deleted afterwards, leaving nothing behind.
   */
  groupId?: string;
  /** Where to start when the group has no committed offset (ephemeral groups always start here). */
  start: ConsumeStart;
  /** Stop once every partition has reached the end offset it had when reading began. */
  stopAtEnd?: boolean;
  signal?: AbortSignal;
  /**
   * Called once per batch of one partition, in offset order per partition, one call at a time. Return
   * false to stop reading. A batch's offsets are committed, and it is counted, only once its handler
   * has resolved: a crash loses nothing (what was not handled was not committed). The library fetches
   * ahead while a handler works (up to READ_AHEAD records buffered).
   */
  onBatch: (messages: ConsumedMessage[]) => Promise<boolean | undefined> | boolean | undefined;
  clientIdSuffix?: string;
}

export interface ConsumeResult {
  messages: number;
  stoppedBy: 'end' | 'signal' | 'handler';
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
  const committed = opts.groupId === undefined ? new Map() : await committedOffsets(admin, opts.groupId, topics);
  let byTime: Map<string, Map<number, bigint>> | undefined;
  if (typeof opts.start === 'object' && 'timestamp' in opts.start) {
    const counts = new Map([...marks].map(([t, parts]) => [t, parts.length]));
    byTime = await listOffsetsAt(admin, counts, BigInt(opts.start.timestamp));
  }
  const out: StartPosition[] = [];
  for (const [topic, parts] of marks) {
    for (const p of parts) {
      const c = committed.get(topic)?.get(p.partition);
      let s: string;
      if (c !== undefined) s = String(c);
      else if (opts.start === 'beginning') s = p.low;
      else if (opts.start === 'end') s = p.high;
      else if ('timestamp' in opts.start) {
        const t = byTime?.get(topic)?.get(p.partition);
        s = t === undefined || t < 0n ? p.high : String(t);
      } else s = opts.start.offsets[topic]?.[p.partition] ?? p.low;
      if (BigInt(s) < BigInt(p.low)) s = p.low;
      const pending = BigInt(p.high) - BigInt(s);
      out.push({
        topic,
        partition: p.partition,
        low: p.low,
        high: p.high,
        committed: c === undefined ? null : String(c),
        start: s,
        pending: (pending > 0n ? pending : 0n).toString(),
      });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Records buffered ahead of the handler; a batch handed to it holds at most this many. */
const READ_AHEAD = 8192;
/** Group errors that mean this member no longer owns the partition (a rebalance): its commit is dropped. */
const LOST_OWNERSHIP = new Set([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
]);

/**
 * Reads topics batch by batch. Start positions are computed up front (and, with `stopAtEnd`, the end
 * positions too) so that a bounded read knows when it is done without waiting. A broker's death
 * mid-read (a retriable error) restarts the read where the handled batches end, for up to ~35 s
 * without progress.
 */
export async function consumeTopics(ctx: RunContext, opts: ConsumeOptions): Promise<ConsumeResult> {
  const suffix = opts.clientIdSuffix ?? 'consumer';
  const {options, brokers} = clientOptions(ctx, suffix);
  const ephemeral = opts.groupId === undefined;
  // a read without a group gets a fresh one per session (a dead session's member never delays the next)
  const ephemeralGroups: string[] = [];
  const sessionGroup = () => {
    if (opts.groupId !== undefined) return opts.groupId;
    const id = `cdcctl-ephemeral-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    ephemeralGroups.push(id);
    return id;
  };
  const {Admin} = await kafkaLibrary();
  const admin = new Admin(options);
  try {
    // fail fast when Kafka is down or a topic is missing; then the positions, through a failover
    const existing = new Set(await admin.listTopics({includeInternals: true}));
    const missing = opts.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new CdcError('KAFKA_TOPIC_NOT_FOUND', ExitCode.usage, `topic(s) not found: ${missing.join(', ')}`, {
        hint: 'List the topics with kcat -L or check the connector configuration.',
      });
    }
    const positions = await retryRetriable(() =>
      startPositions({[ADMIN]: admin}, opts.topics, {groupId: opts.groupId, start: opts.start}),
    );
    const read: ReadState = {
      count: 0,
      next: new Map(positions.map((p) => [`${p.topic}:${p.partition}`, BigInt(p.start)])),
      pending: new Map(),
    };
    for (const p of positions)
      if (BigInt(p.pending) > 0n) read.pending.set(`${p.topic}:${p.partition}`, BigInt(p.high));
    if (opts.stopAtEnd && read.pending.size === 0) return {messages: 0, stoppedBy: 'end'};
    if (opts.signal?.aborted) return {messages: 0, stoppedBy: 'signal'};
    if (opts.groupId !== undefined && typeof opts.start === 'object') await seedGroup(admin, opts.groupId, positions);
    // a session ends with the read, or fails; a retriable failure starts a new one where the handled batches end
    let failingSince: number | undefined;
    for (;;) {
      const before = read.count;
      try {
        return await readSession(ctx, opts, {groupId: sessionGroup(), ephemeral, suffix, read});
      } catch (err) {
        if (read.count > before) failingSince = undefined;
        failingSince ??= Date.now();
        if (!kafkaRetriable(err) || Date.now() - failingSince > FAILOVER_MS || opts.signal?.aborted) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } catch (err) {
    throw kafkaError(err, brokers);
  } finally {
    if (ephemeralGroups.length > 0) await admin.deleteGroups({groups: ephemeralGroups}).catch(() => {});
    await admin.close().catch(() => {});
  }
}

/** What a read has done so far, kept across its sessions. */
interface ReadState {
  count: number;
  /** Per `topic:partition`, the next offset to hand over (after the last handled batch). */
  next: Map<string, bigint>;
  /** Per `topic:partition` still to finish with `stopAtEnd`, its end offset. */
  pending: Map<string, bigint>;
}

/**
 * A named group's partitions that have no committed offset start where `start` says (a time, explicit
 * offsets): committed for the group before it joins, so that whichever member gets a partition starts
 * there. Best effort: a group with members already (another process) keeps what it has.
 */
async function seedGroup(admin: Admin, groupId: string, positions: StartPosition[]): Promise<void> {
  const byTopic = new Map<string, Array<{partition: number; offset: bigint}>>();
  for (const p of positions) {
    if (p.committed !== null) continue;
    const list = byTopic.get(p.topic) ?? [];
    list.push({partition: p.partition, offset: BigInt(p.start)});
    byTopic.set(p.topic, list);
  }
  if (byTopic.size === 0) return;
  await admin
    .alterConsumerGroupOffsets({
      groupId,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({name, partitionOffsets})),
    })
    .catch(() => {});
}

/** One consumer's read: joins the group, hands batches over, commits them; ends, stops or fails. */
async function readSession(
  ctx: RunContext,
  opts: ConsumeOptions,
  s: {groupId: string; ephemeral: boolean; suffix: string; read: ReadState},
): Promise<ConsumeResult> {
  const {options} = clientOptions(ctx, s.suffix, {failover: true});
  const {Consumer} = await kafkaLibrary();
  const read = s.read;
  const consumer: Consumer = new Consumer({
    ...options,
    groupId: s.groupId,
    autocommit: false,
    sessionTimeout: 30_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 3000,
    maxWaitTime: opts.stopAtEnd ? 100 : 500,
    maxBytes: 32 * 1024 * 1024,
    maxBytesPerPartition: 1024 * 1024,
    highWaterMark: READ_AHEAD,
  });
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  try {
    stream = await consumer.consume(
      s.ephemeral
        ? {
            topics: opts.topics,
            mode: 'manual',
            offsets: [...read.next].map(([key, offset]) => {
              const i = key.lastIndexOf(':');
              return {topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset};
            }),
          }
        : {topics: opts.topics, mode: 'committed', fallbackMode: opts.start === 'beginning' ? 'earliest' : 'latest'},
    );
    return await handOver(consumer, stream, opts, s.ephemeral, read);
  } finally {
    await stream?.close().catch(() => {});
    await consumer.close().catch(() => consumer.close(true).catch(() => {}));
  }
}

/** Drains the stream into per-partition batches for the handler, one at a time, until the read ends. */
function handOver(
  consumer: Consumer,
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  opts: ConsumeOptions,
  ephemeral: boolean,
  read: ReadState,
): Promise<ConsumeResult> {
  return new Promise<ConsumeResult>((resolve, reject) => {
    let settled = false;
    let wake: (() => void) | undefined;
    let lastBatchAt = Date.now();
    let emptyFetches = 0;
    /** The batch being handled: a read that stops (a signal, a failed fetch) lets it finish and commit first. */
    let inHand: Promise<void> = Promise.resolve();
    const finish = (stoppedBy: ConsumeResult['stoppedBy'], err?: unknown) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      wake?.();
      void inHand.catch(() => {}).then(() => (err ? reject(err) : resolve({messages: read.count, stoppedBy})));
    };
    const onAbort = () => finish('signal');
    opts.signal?.addEventListener('abort', onAbort, {once: true});
    stream.on('error', (err) => finish('end', err));
    stream.on('readable', () => wake?.());
    stream.on('end', () => finish('end', new Error('the Kafka consumer stream ended unexpectedly')));
    if (opts.stopAtEnd) {
      // A partition whose last offsets were compacted away or are control records never delivers its
      // final offset: after a quiet spell of empty fetches the read is complete.
      stream.on('fetch', () => {
        emptyFetches++;
        if (emptyFetches >= 20 && Date.now() - lastBatchAt > 2000 && stream.readableLength === 0) finish('end');
      });
    }
    const handle = async (messages: ConsumedMessage[], leaderEpoch: number): Promise<void> => {
      const first = messages[0] as ConsumedMessage;
      const id = `${first.topic}:${first.partition}`;
      const more = await opts.onBatch(messages);
      const next = BigInt((messages.at(-1) as ConsumedMessage).offset) + 1n;
      read.count += messages.length;
      read.next.set(id, next);
      if (!ephemeral)
        await commit(consumer, {topic: first.topic, partition: first.partition, offset: next, leaderEpoch});
      if (more === false) return finish('handler');
      const end = read.pending.get(id);
      if (opts.stopAtEnd && end !== undefined && next >= end) {
        read.pending.delete(id);
        if (read.pending.size === 0) finish('end');
      }
    };
    const pump = async () => {
      while (!settled) {
        const batches = new Map<string, {messages: ConsumedMessage[]; leaderEpoch: number}>();
        let n = 0;
        while (n < READ_AHEAD) {
          const m = stream.read() as Message | null;
          if (m === null) break;
          n++;
          const key = `${m.topic}:${m.partition}`;
          let b = batches.get(key);
          if (!b) {
            b = {messages: [], leaderEpoch: m.leaderEpoch};
            batches.set(key, b);
          }
          b.leaderEpoch = m.leaderEpoch;
          b.messages.push(consumed(m));
        }
        if (n === 0) {
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = undefined;
          continue;
        }
        lastBatchAt = Date.now();
        emptyFetches = 0;
        for (const b of batches.values()) {
          if (settled) return;
          inHand = handle(b.messages, b.leaderEpoch);
          await inHand;
        }
      }
    };
    pump().catch((err) => finish('handler', err));
  });
}

/** Commits a handled batch's next offset; a partition this member lost in a rebalance keeps the new owner's. */
async function commit(
  consumer: Consumer,
  at: {topic: string; partition: number; offset: bigint; leaderEpoch: number},
): Promise<void> {
  try {
    await retryRetriable(() => consumer.commit({offsets: [at]}));
  } catch (err) {
    const id = protocolErrorId(err);
    if (id && LOST_OWNERSHIP.has(id)) return;
    throw err;
  }
}

function consumed(m: Message): ConsumedMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: String(m.offset),
    timestamp: String(m.timestamp),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: m.headerEntries.map(([key, value]) => ({key: key.toString(), value: value ?? null})),
  };
}
/** One record to produce; `partition` absent → the key decides (the Java client's murmur2 partitioner). */
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

/**
 * An idempotent producer (acks=all; the broker de-duplicates the producer's own retries), built on
 * @platformatic/kafka: it encodes records with little CPU and keeps several requests in flight with
 * idempotence (kafkajs allowed one; the produce share of a 100k-record `dlq replay` fell from ~7.7 s
 * to ~3.3 s). Keys pick partitions with the Java client's murmur2 (as Kafka Connect does).
 * A send is split into requests under message.max.bytes, pipelined, each acknowledged by all
 * in-sync replicas; a record's headers keep their order, repeated keys and null values.
 */
export async function openProducer(
  ctx: RunContext,
  clientIdSuffix = 'producer',
  opts: {failover?: boolean} = {},
): Promise<CdcProducer> {
  const {options, brokers} = clientOptions(ctx, clientIdSuffix, opts);
  const {Producer, compatibilityPartitioner} = await kafkaLibrary();
  const producer = new Producer({
    ...options,
    idempotent: true,
    acks: -1,
    partitioner: compatibilityPartitioner,
    autocreateTopics: false,
    // idempotent: a retried request is never written twice; `failover` waits for a dead leader's successor
    ...(opts.failover ? {} : {retries: 5, retryDelay: 250}),
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
  const marks = await withAdmin(ctx, (admin) => topicWatermarks(admin, [topic]));
  const starts: Record<number, string> = Object.fromEntries((marks.get(topic) ?? []).map((p) => [p.partition, p.high]));
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
  const counts = await partitionCounts(admin, [topic]);
  const count = counts.get(topic) ?? 0;
  const p = typeof partition === 'number' ? partition : partition(count);
  const [lows, highs, byTime] = await Promise.all([
    listOffsetsAt(admin, counts, EARLIEST),
    listOffsetsAt(admin, counts, LATEST),
    listOffsetsAt(admin, counts, BigInt(timestamp)),
  ]);
  const high = String(highs.get(topic)?.get(p) ?? 0n);
  const t = byTime.get(topic)?.get(p);
  return {
    partition: p,
    partitions: count,
    low: String(lows.get(topic)?.get(p) ?? 0n),
    high,
    fromTimestamp: t === undefined || t < 0n ? high : String(t),
  };
}

/** The committed offset of a group on one partition, or null. */
export async function committedOffset(
  handle: KafkaAdmin,
  groupId: string,
  topic: string,
  partition: number,
): Promise<string | null> {
  const o = (await committedOffsets(handle[ADMIN], groupId, [topic])).get(topic)?.get(partition);
  return o === undefined ? null : String(o);
}

/** Every topic of the cluster, internal ones (__consumer_offsets, __transaction_state) included. */
export async function listTopicNames(handle: KafkaAdmin): Promise<string[]> {
  return handle[ADMIN].listTopics({includeInternals: true});
}

/** Creates topics (the broker's default replication factor), waiting until each partition has a leader. */
export async function createTopics(
  handle: KafkaAdmin,
  topics: Array<{topic: string; partitions: number}>,
): Promise<void> {
  const admin = handle[ADMIN];
  if (topics.length === 0) return;
  await admin.createTopics({topics: topics.map((t) => ({topic: t.topic, partitions: t.partitions}))});
  const names = topics.map((t) => t.topic);
  await retryWhile(
    async () => {
      const layout = await topicLayout(handle, names);
      const ready = layout.filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready.length < names.length)
        throw Object.assign(new Error('partitions without a leader yet'), {canRetry: true});
    },
    {retriable: kafkaRetriable, forMs: 10_000, firstDelayMs: 50, maxDelayMs: 500},
  );
}

export async function partitionCount(handle: KafkaAdmin, topic: string): Promise<number> {
  return (await partitionCounts(handle[ADMIN], [topic])).get(topic) ?? 0;
}

/**
 * A group's committed offsets per partition (null: nothing committed): every partition of the given
 * topics, or, without topics, the partitions the group has offsets for.
 */
export async function groupOffsets(
  handle: KafkaAdmin,
  groupId: string,
  topics?: string[],
): Promise<Array<{topic: string; partitions: Array<{partition: number; offset: string | null}>}>> {
  const admin = handle[ADMIN];
  const committed = await committedOffsets(admin, groupId, topics);
  if (!topics) {
    return [...committed].map(([topic, parts]) => ({
      topic,
      partitions: [...parts].sort(([a], [b]) => a - b).map(([partition, o]) => ({partition, offset: String(o)})),
    }));
  }
  const counts = await partitionCounts(admin, topics);
  return topics.map((topic) => ({
    topic,
    partitions: Array.from({length: counts.get(topic) ?? 0}, (_, partition) => {
      const o = committed.get(topic)?.get(partition);
      return {partition, offset: o === undefined ? null : String(o)};
    }),
  }));
}

/** Partitions of each topic with their replicas and in-sync replicas (broker ids). */
export interface TopicLayout {
  topic: string;
  partitions: Array<{partition: number; leader: number; replicas: number[]; isr: number[]}>;
}

/** The partition layout of the topics (metadata request); a topic the cluster lacks is left out. */
export async function topicLayout(handle: KafkaAdmin, topics: string[]): Promise<TopicLayout[]> {
  if (topics.length === 0) return [];
  const meta = await metadataOf(handle[ADMIN], topics);
  const out: TopicLayout[] = [];
  for (const topic of topics) {
    const parts = meta.get(topic);
    if (!parts) continue;
    out.push({topic, partitions: parts.map((p, partition) => ({partition, ...p}))});
  }
  return out;
}

/** Each topic's min.insync.replicas (its own or the broker default the cluster reports for it). */
export async function topicMinIsr(handle: KafkaAdmin, topics: string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const configs = await topicConfigs(handle[ADMIN], topics, ['min.insync.replicas']);
  return new Map([...configs].map(([topic, c]) => [topic, Number(c.get('min.insync.replicas') ?? 1)]));
}

/**
 * Per partition, the first offset whose record is at or after `timestamp` (ListOffsets by time);
 * where none is, what the broker answers for it ('-1').
 */
export async function offsetsForTimestamp(
  handle: KafkaAdmin,
  topic: string,
  timestamp: number,
): Promise<Array<{partition: number; offset: string}>> {
  const admin = handle[ADMIN];
  const byTime = await listOffsetsAt(admin, await partitionCounts(admin, [topic]), BigInt(timestamp));
  return [...(byTime.get(topic) ?? [])]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => ({partition, offset: String(offset)}));
}

/** Deletes the records of each given partition below its offset (DeleteRecords). */
export async function deleteRecordsBefore(
  handle: KafkaAdmin,
  topic: string,
  partitions: Array<{partition: number; offset: string}>,
): Promise<void> {
  if (partitions.length === 0) return;
  await handle[ADMIN].deleteRecords({
    topics: [{name: topic, partitions: partitions.map((p) => ({partition: p.partition, offset: BigInt(p.offset)}))}],
  });
}

/**
 * Moves a group's committed offsets to the start of each topic, best effort per topic (a group
 * with active members, or a topic it never read, keeps what it has).
 */
export async function resetGroupToEarliest(handle: KafkaAdmin, groupId: string, topics: string[]): Promise<void> {
  const admin = handle[ADMIN];
  for (const topic of topics) {
    try {
      const marks = (await topicWatermarks(handle, [topic])).get(topic) ?? [];
      if ((await committedOffsets(admin, groupId, [topic])).size === 0) continue;
      await admin.alterConsumerGroupOffsets({
        groupId,
        topics: [{name: topic, partitionOffsets: marks.map((m) => ({partition: m.partition, offset: BigInt(m.low)}))}],
      });
    } catch {
      // best effort, as documented
    }
  }
}
