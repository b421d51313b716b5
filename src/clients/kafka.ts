import type {Admin, Kafka, KafkaConfig as KafkaJsConfig, SASLOptions} from 'kafkajs';
import type {KafkaConfig} from '../config/schema.js';
import {registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';

/**
 * Kafka through kafkajs (pure JS, imported lazily): cluster facts and consumer-group lag for the
 * admin side. Consumers and producers (DLQ, events, signals) build on `kafkaFor`.
 */

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
    ssl:
      typeof config.ssl === 'boolean'
        ? config.ssl
        : config.ssl
          ? {rejectUnauthorized: !config.ssl.insecureSkipTlsVerify}
          : undefined,
    sasl,
  };
}

/** Runs `fn` with a connected admin client, mapping connection failures to exit 4. */
export async function withAdmin<T>(ctx: RunContext, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const {kafka, brokers} = await kafkaFor(ctx);
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await fn(admin);
  } catch (err) {
    throw kafkaError(err, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function clusterInfo(admin: Admin): Promise<ClusterInfo> {
  const c = await admin.describeCluster();
  return {
    clusterId: c.clusterId,
    controller: c.controller,
    brokers: c.brokers.map((b) => ({nodeId: b.nodeId, host: b.host, port: b.port})),
  };
}

/** Lag of a consumer group on every partition it has offsets for (or of the given topics). */
export async function groupLag(admin: Admin, groupId: string, topics?: string[]): Promise<GroupLag> {
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

export function kafkaError(err: unknown, brokers: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error & {name?: string};
  const connection =
    /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSNonRetriableError|KafkaJSRequestTimeoutError|KafkaJSBrokerNotFound/.test(
      e.name ?? '',
    );
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
  admin: Admin,
  topics: string[],
): Promise<Array<{topic: string; partition: number; end: string}>> {
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
export async function topicRetention(admin: Admin, topics: string[]): Promise<TopicRetention[]> {
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
