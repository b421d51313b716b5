import kafkajs from 'kafkajs';
import {connectRaw, deleteConnectors, sql} from './stack.js';

/**
 * The `cdcctl tune` scenarios on the real stack (used by tune.test.ts and test/fixtures/tune/record.ts):
 * a topic of its own with several partitions, filled with Connect JSON records (schemas on), and a JDBC
 * sink of its own writing them to a table of its own in the 5433 `target` database — made slow on
 * purpose (batch.size=1, one task for all partitions). Never the demo connectors.
 */

export const kafka = new kafkajs.Kafka({
  brokers: ['127.0.0.1:9092'],
  logLevel: kafkajs.logLevel.NOTHING,
  clientId: 'tune-load',
});

const keySchema = {type: 'struct', optional: false, fields: [{field: 'id', type: 'int64', optional: false}]};
const valueSchema = {
  type: 'struct',
  optional: false,
  fields: [
    {field: 'id', type: 'int64', optional: false},
    {field: 'name', type: 'string', optional: true},
    {field: 'qty', type: 'int32', optional: true},
  ],
};

export function record(id: number): {key: string; value: string} {
  return {
    key: JSON.stringify({schema: keySchema, payload: {id}}),
    value: JSON.stringify({schema: valueSchema, payload: {id, name: `item-${id}`, qty: id % 97}}),
  };
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{topic, numPartitions: partitions, replicationFactor: 1}],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({topics: [topic]}).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

/** Produces records with ids [from, from + count) in batches of 500. */
export async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < count; i += 500) {
      const n = Math.min(500, count - i);
      await producer.send({topic, messages: Array.from({length: n}, (_, j) => record(from + i + j))});
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * A steady load: `perSecond` records a second (in 10 sends of a tenth each) until stopped. Returns the
 * stopper, which resolves to the number of records produced.
 */
export function steadyLoad(topic: string, from: number, perSecond: number): () => Promise<number> {
  const producer = kafka.producer();
  let stop = false;
  let next = from;
  const running = (async () => {
    await producer.connect();
    const per = Math.max(1, Math.round(perSecond / 10));
    while (!stop) {
      const started = Date.now();
      await producer.send({topic, messages: Array.from({length: per}, (_, j) => record(next + j))});
      next += per;
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
    await producer.disconnect();
  })();
  return async () => {
    stop = true;
    await running;
    return next - from;
  };
}

export function sinkConfig(
  topic: string,
  table: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': '1',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5433/target',
    'connection.username': 'cdc',
    'connection.password': 'cdc',
    topics: topic,
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'basic',
    'collection.name.format': table,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
    'batch.size': '1',
    ...overrides,
  };
}

export async function createSink(name: string, config: Record<string, string>): Promise<void> {
  const r = await connectRaw('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  if (r.status >= 300) throw new Error(`creating ${name}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Waits until the connector and all its tasks are RUNNING. */
export async function waitRunning(name: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await connectRaw('GET', `/connectors/${encodeURIComponent(name)}/status`);
    const s = r.body as {connector?: {state: string}; tasks?: Array<{state: string}>} | undefined;
    if (s?.connector?.state === 'RUNNING' && (s.tasks?.length ?? 0) > 0 && s.tasks!.every((t) => t.state === 'RUNNING'))
      return;
    if (Date.now() > end) throw new Error(`${name} not RUNNING after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

export async function cleanUp(connectors: string[], topic: string, table: string): Promise<void> {
  await deleteConnectors(connectors).catch(() => {});
  await deleteTopic(topic).catch(() => {});
  await sql('target', `DROP TABLE IF EXISTS public."${table}"`).catch(() => {});
}
