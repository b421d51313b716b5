/**
 * The tuning rules of `cdcctl tune`, in one table: each rule names the connectors it applies to, the
 * observations it needs (metrics below, read from Prometheus over the window; the replication slot's lag,
 * read from PostgreSQL), its condition, the config change it recommends (computed from what was observed),
 * why (the observation, with its figures) and the effect to expect. Pure: no I/O here, so each rule is
 * unit-tested on Prometheus answers recorded from the real stack (test/fixtures/tune/).
 *
 * The metrics come from Kafka Connect's JMX MBeans through the Prometheus JMX exporter (the local stack's
 * examples/stack/conf/connect-jmx-exporter.yaml names them): `connector`/`task` labels on Connect's task,
 * consumer and producer metrics; Debezium's streaming metrics labelled by `server` (the connector's
 * topic.prefix).
 */

export type ConnectorKind = 'source' | 'sink';

/** How a metric is keyed: by the connector's name, or by Debezium's `server` label (its topic.prefix). */
export type MetricScope = 'connector' | 'server';

export interface MetricDef {
  scope: MetricScope;
  unit: string;
  /** PromQL over the window `w` (e.g. "5m") for the connectors matched by `sel` (a label matcher list); one sample per connector (or server). */
  promql: (sel: string, w: string, step: string) => string;
}

/** `(expr >= 0)` drops Kafka's NaN ("no data yet") samples before they poison an average. */
const over = (fn: string, metric: string, sel: string, w: string, step: string, by: string) =>
  `${fn === 'last' ? 'max' : 'avg'} by (${by}) (${fn}_over_time((${metric}{${sel}} >= 0)[${w}:${step}]))`;

export const METRICS = {
  /** Records written to Kafka per second (source tasks, summed). */
  sourceWriteRate: {
    scope: 'connector',
    unit: 'records/s',
    promql: (sel, w) => `sum by (connector) (rate(kafka_connect_source_task_source_record_write{${sel}}[${w}]))`,
  },
  /** Records put into the sink per second (sink tasks, summed). */
  sinkSendRate: {
    scope: 'connector',
    unit: 'records/s',
    promql: (sel, w) => `sum by (connector) (rate(kafka_connect_sink_task_sink_record_send{${sel}}[${w}]))`,
  },
  /** Records per batch (per put for a sink, per poll for a source), averaged over tasks and window. */
  batchSizeAvg: {
    scope: 'connector',
    unit: 'records',
    promql: (sel, w, step) => over('avg', 'kafka_connect_connector_task_batch_size_avg', sel, w, step, 'connector'),
  },
  putBatchAvgMs: {
    scope: 'connector',
    unit: 'ms',
    promql: (sel, w, step) => over('avg', 'kafka_connect_sink_task_put_batch_avg_time_ms', sel, w, step, 'connector'),
  },
  /** Consumer lag of a sink: the largest partition lag per task, summed over tasks, averaged over the window. */
  consumerLagAvg: {
    scope: 'connector',
    unit: 'records',
    promql: (sel, w, step) =>
      `avg_over_time((sum by (connector) (kafka_consumer_records_lag_max{${sel}} >= 0))[${w}:${step}])`,
  },
  /** Partitions assigned to the sink's tasks (their sum at the fullest moment of the window). */
  sinkPartitions: {
    scope: 'connector',
    unit: 'partitions',
    promql: (sel, w, step) =>
      `max_over_time((sum by (connector) (kafka_connect_sink_task_partition_count{${sel}}))[${w}:${step}])`,
  },
  producerBatchBytes: {
    scope: 'connector',
    unit: 'bytes',
    promql: (sel, w, step) => over('avg', 'kafka_producer_batch_size_avg', sel, w, step, 'connector'),
  },
  /** Compressed ÷ uncompressed size of the producer's batches (1 = not compressed). */
  producerCompressionRate: {
    scope: 'connector',
    unit: 'ratio',
    promql: (sel, w, step) => over('avg', 'kafka_producer_compression_rate_avg', sel, w, step, 'connector'),
  },
  producerRequestLatencyMs: {
    scope: 'connector',
    unit: 'ms',
    promql: (sel, w, step) => over('avg', 'kafka_producer_request_latency_avg', sel, w, step, 'connector'),
  },
  producerRecordsPerRequest: {
    scope: 'connector',
    unit: 'records',
    promql: (sel, w, step) => over('avg', 'kafka_producer_records_per_request_avg', sel, w, step, 'connector'),
  },
  producerSendRate: {
    scope: 'connector',
    unit: 'records/s',
    promql: (sel, w, step) =>
      `sum by (connector) (${over('avg', 'kafka_producer_record_send_rate', sel, w, step, 'connector, task')})`,
  },
  /** Debezium: the smallest free space of the queue between the log reader and Connect's poll(). */
  queueRemainingMin: {
    scope: 'server',
    unit: 'records',
    promql: (sel, w, step) =>
      `min by (server) (min_over_time((debezium_postgres_queueremainingcapacity{context="streaming",${sel}})[${w}:${step}]))`,
  },
  queueTotal: {
    scope: 'server',
    unit: 'records',
    promql: (sel, w, step) =>
      `max by (server) (max_over_time((debezium_postgres_queuetotalcapacity{context="streaming",${sel}})[${w}:${step}]))`,
  },
  /** Debezium: how far behind the source's commit time the events were (ms), averaged over the window. */
  behindSourceAvgMs: {
    scope: 'server',
    unit: 'ms',
    promql: (sel, w, step) =>
      over('avg', 'debezium_postgres_millisecondsbehindsource', `context="streaming",${sel}`, w, step, 'server'),
  },
  behindSourceMaxMs: {
    scope: 'server',
    unit: 'ms',
    promql: (sel, w, step) =>
      over('max', 'debezium_postgres_millisecondsbehindsource', `context="streaming",${sel}`, w, step, 'server'),
  },
  /** Debezium: change events seen per second. */
  eventsRate: {
    scope: 'server',
    unit: 'events/s',
    promql: (sel, w) =>
      `sum by (server) (rate(debezium_postgres_totalnumberofeventsseen{context="streaming",${sel}}[${w}]))`,
  },
} satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** What `tune` knows of one connector over the window. */
export interface Observations {
  connector: string;
  kind: ConnectorKind;
  connectorClass: string;
  config: Record<string, string>;
  windowSeconds: number;
  /** Metrics observed (absent: no sample in the window). */
  metrics: Partial<Record<MetricKey, number>>;
  /** PostgreSQL source: the replication slot's lag (bytes of WAL not yet confirmed by the connector). */
  slotLagBytes?: number;
}

export interface Recommendation {
  rule: string;
  connector: string;
  title: string;
  /** Config key → recommended value. */
  change: Record<string, string>;
  /** Config key → value now (absent: not set, the default applies). */
  current: Record<string, string | null>;
  /** The observation that justifies it, with its figures. */
  observation: string;
  expectedEffect: string;
}

export interface RuleDef {
  id: string;
  title: string;
  /** Which connectors it applies to. */
  appliesTo: {kind: ConnectorKind; classes?: RegExp; describe: string};
  needs: MetricKey[];
  /** The recommendation, or undefined when the rule does not fire. */
  evaluate: (o: Observations) => Omit<Recommendation, 'rule' | 'connector' | 'title' | 'current'> | undefined;
}

const DEBEZIUM_PG = /^io\.debezium\.connector\.postgresql\.PostgresConnector$/;
const DEBEZIUM_SOURCE = /^io\.debezium\.connector\./;
const JDBC_SINK = /^io\.debezium\.connector\.jdbc\.JdbcSinkConnector$/;

/** A sink is behind when its consumers lag at least this many records on average over the window. */
export const LAG_RECORDS_MIN = 1000;
/** A source is behind when its events trail the database's commit time by this much (ms). */
export const BEHIND_MS_MIN = 5000;
/** Replication slot lag (bytes) worth a heartbeat when the captured tables are idle. */
export const SLOT_LAG_BYTES_MIN = 16 * 1024 * 1024;

const num = (config: Record<string, string>, key: string, fallback: number): number => {
  const v = Number(config[key]);
  return config[key] !== undefined && Number.isFinite(v) ? v : fallback;
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: 0});
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** Connect's and the plugins' defaults for the keys the rules read. */
export const DEFAULTS = {
  'batch.size': 500, // Debezium JDBC sink
  'consumer.override.max.poll.records': 500, // Kafka consumer max.poll.records
  'max.batch.size': 2048, // Debezium
  'max.queue.size': 8192, // Debezium
  'tasks.max': 1,
} as const;

export const RULES: RuleDef[] = [
  {
    id: 'sink-batch-size',
    title: 'JDBC sink writes each put in many small batches',
    appliesTo: {kind: 'sink', classes: JDBC_SINK, describe: 'Debezium JDBC sink'},
    needs: ['consumerLagAvg', 'batchSizeAvg', 'sinkSendRate'],
    evaluate: (o) => {
      const lag = o.metrics.consumerLagAvg;
      const perPut = o.metrics.batchSizeAvg;
      const batch = num(o.config, 'batch.size', DEFAULTS['batch.size']);
      if (lag === undefined || perPut === undefined || lag < LAG_RECORDS_MIN || perPut < batch * 1.5) return undefined;
      const maxPoll = num(
        o.config,
        'consumer.override.max.poll.records',
        DEFAULTS['consumer.override.max.poll.records'],
      );
      const next = Math.max(DEFAULTS['batch.size'], maxPoll);
      return {
        change: {'batch.size': String(next)},
        observation: `each put() hands the sink ${fmt(perPut, 1)} records on average but batch.size=${batch} writes them in ~${fmt(Math.ceil(perPut / batch))} JDBC batches; consumer lag ${fmt(lag)} records, ${fmt(o.metrics.sinkSendRate ?? 0, 1)} records/s written`,
        expectedEffect: `one JDBC batch (one round trip and commit) per put instead of ~${fmt(Math.ceil(perPut / batch))}: higher throughput, the lag drains`,
      };
    },
  },
  {
    id: 'sink-max-poll-records',
    title: "every put is capped by the consumer's max.poll.records",
    appliesTo: {kind: 'sink', describe: 'any sink'},
    needs: ['consumerLagAvg', 'batchSizeAvg'],
    evaluate: (o) => {
      const lag = o.metrics.consumerLagAvg;
      const perPut = o.metrics.batchSizeAvg;
      const cap = num(o.config, 'consumer.override.max.poll.records', DEFAULTS['consumer.override.max.poll.records']);
      if (lag === undefined || perPut === undefined || lag < LAG_RECORDS_MIN || perPut < cap * 0.9) return undefined;
      const next = clamp(cap * 4, 500, 5000);
      if (next <= cap) return undefined;
      const change: Record<string, string> = {'consumer.override.max.poll.records': String(next)};
      // the JDBC sink flushes at batch.size: keep one put one batch
      if (JDBC_SINK.test(o.connectorClass) && num(o.config, 'batch.size', DEFAULTS['batch.size']) < next)
        change['batch.size'] = String(next);
      return {
        change,
        observation: `puts carry ${fmt(perPut, 1)} records on average against max.poll.records=${cap} (full batches) while the consumers lag ${fmt(lag)} records`,
        expectedEffect: `up to ${next} records per put: fewer, larger writes; throughput up while there is a backlog`,
      };
    },
  },
  {
    id: 'sink-tasks-partitions',
    title: 'fewer sink tasks than partitions while lagging',
    appliesTo: {kind: 'sink', describe: 'any sink'},
    needs: ['consumerLagAvg', 'sinkPartitions'],
    evaluate: (o) => {
      const lag = o.metrics.consumerLagAvg;
      const partitions = o.metrics.sinkPartitions;
      const tasks = num(o.config, 'tasks.max', DEFAULTS['tasks.max']);
      if (lag === undefined || partitions === undefined || lag < LAG_RECORDS_MIN || tasks >= partitions)
        return undefined;
      const next = Math.min(partitions, 8);
      return {
        change: {'tasks.max': String(next)},
        observation: `${fmt(partitions)} partitions are consumed by tasks.max=${tasks} task(s) while the consumers lag ${fmt(lag)} records`,
        expectedEffect: `${next} tasks consume the partitions in parallel (as far as the worker's CPUs and the target allow): throughput up, lag down`,
      };
    },
  },
  {
    id: 'source-max-batch-size',
    title: "Debezium's queue fills: poll() drains too few events at a time",
    appliesTo: {kind: 'source', classes: DEBEZIUM_SOURCE, describe: 'Debezium sources'},
    needs: ['batchSizeAvg', 'queueRemainingMin', 'queueTotal', 'behindSourceMaxMs'],
    evaluate: (o) => {
      const perPoll = o.metrics.batchSizeAvg;
      const free = o.metrics.queueRemainingMin;
      const total = o.metrics.queueTotal ?? num(o.config, 'max.queue.size', DEFAULTS['max.queue.size']);
      const behind = o.metrics.behindSourceMaxMs;
      const batch = num(o.config, 'max.batch.size', DEFAULTS['max.batch.size']);
      if (perPoll === undefined || perPoll < batch * 0.9) return undefined;
      const queueFull = free !== undefined && free <= total * 0.1;
      const late = behind !== undefined && behind >= BEHIND_MS_MIN;
      if (!queueFull && !late) return undefined;
      const next = Math.max(DEFAULTS['max.batch.size'], batch * 4);
      const change: Record<string, string> = {'max.batch.size': String(next)};
      if (total <= next) change['max.queue.size'] = String(next * 4);
      const why = [
        queueFull ? `its queue had ${fmt(free!)} of ${fmt(total)} places free at the fullest` : undefined,
        late ? `events trailed the database by up to ${fmt(behind! / 1000, 1)} s` : undefined,
      ].filter(Boolean);
      return {
        change,
        observation: `every poll returns a full batch (${fmt(perPoll, 1)} records, max.batch.size=${batch}) and ${why.join(', and ')}`,
        expectedEffect: `up to ${next} events per poll: the queue drains faster, events reach Kafka sooner (less time behind the source)`,
      };
    },
  },
  {
    id: 'producer-linger',
    title: "the source's producer sends many small requests",
    appliesTo: {kind: 'source', describe: 'any source'},
    // the rate of the window (Prometheus), not the producer's own record-send-rate: Kafka averages that over its
    // last minute, so a burst that ended long ago still shows in it (recorded: 383/s against 20/s written)
    needs: ['sourceWriteRate', 'producerRecordsPerRequest'],
    evaluate: (o) => {
      const rate = o.metrics.sourceWriteRate;
      const perRequest = o.metrics.producerRecordsPerRequest;
      const linger = num(o.config, 'producer.override.linger.ms', 0);
      if (rate === undefined || perRequest === undefined || rate < 100 || perRequest >= 10 || linger >= 10)
        return undefined;
      return {
        change: {'producer.override.linger.ms': '20'},
        observation: `${fmt(rate, 1)} records/s leave in requests of ${fmt(perRequest, 1)} record(s) on average (linger.ms=${o.config['producer.override.linger.ms'] ?? "the worker's default"})`,
        expectedEffect:
          'the producer waits up to 20 ms to fill a batch: fewer, larger requests (less broker and network load) for ≤ 20 ms more latency',
      };
    },
  },
  {
    id: 'producer-compression',
    title: "the source's producer does not compress",
    appliesTo: {kind: 'source', describe: 'any source'},
    needs: ['producerCompressionRate', 'producerBatchBytes'],
    evaluate: (o) => {
      const ratio = o.metrics.producerCompressionRate;
      const bytes = o.metrics.producerBatchBytes;
      const type = o.config['producer.override.compression.type'] ?? 'none';
      if (ratio === undefined || bytes === undefined || ratio < 0.99 || bytes < 1024 || type !== 'none')
        return undefined;
      return {
        change: {'producer.override.compression.type': 'lz4'},
        observation: `batches of ${fmt(bytes)} bytes on average leave uncompressed (compression rate ${fmt(ratio, 2)})`,
        expectedEffect:
          'lz4-compressed batches (JSON change events typically shrink 3–5×): fewer bytes to the broker, on disk and to the sinks, for little CPU',
      };
    },
  },
  {
    id: 'pg-slot-heartbeat',
    title: 'the replication slot retains WAL while the captured tables are idle',
    appliesTo: {kind: 'source', classes: DEBEZIUM_PG, describe: 'Debezium PostgreSQL source'},
    needs: ['eventsRate'],
    evaluate: (o) => {
      const lag = o.slotLagBytes;
      const rate = o.metrics.eventsRate ?? 0;
      const hb = num(o.config, 'heartbeat.interval.ms', 0);
      if (lag === undefined || lag < SLOT_LAG_BYTES_MIN || rate >= 0.1 || hb > 0) return undefined;
      return {
        change: {'heartbeat.interval.ms': '10000'},
        observation: `slot.name=${o.config['slot.name'] ?? 'debezium'} is ${fmt(lag / 1048576, 1)} MiB behind the WAL while the connector saw ${fmt(rate, 2)} events/s (no heartbeat)`,
        expectedEffect:
          'a heartbeat every 10 s lets the connector confirm its position while its tables are idle: the slot stops retaining WAL written by other databases/tables',
      };
    },
  },
];

/** The rule of an id (undefined if none). */
export function ruleById(id: string): RuleDef | undefined {
  return RULES.find((r) => r.id === id);
}

export function ruleApplies(rule: RuleDef, o: Pick<Observations, 'kind' | 'connectorClass'>): boolean {
  return rule.appliesTo.kind === o.kind && (!rule.appliesTo.classes || rule.appliesTo.classes.test(o.connectorClass));
}

/** Every rule that applies to the connector and fires on its observations. */
export function evaluateRules(o: Observations, rules: RuleDef[] = RULES): Recommendation[] {
  const out: Recommendation[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, o)) continue;
    const r = rule.evaluate(o);
    if (!r) continue;
    const current = Object.fromEntries(Object.keys(r.change).map((k) => [k, o.config[k] ?? null]));
    out.push({rule: rule.id, connector: o.connector, title: rule.title, current, ...r});
  }
  return out;
}
