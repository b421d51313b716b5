// The demo's "legacy orders producer": writes orders to the Kafka topic `orders`, which the demo connector
// orders-sink (examples/connectors/orders-sink.json) writes into target.public.legacy_orders. Most of what it
// writes is poison, as legacy producers' output tends to be: truncated JSON, and JSON without the
// {"schema", "payload"} envelope the sink's JsonConverter expects. Kafka Connect's error handling
// (errors.tolerance=all) routes those records to the dead-letter topic dlq-orders with the error in
// __connect.errors.* headers: what `cdcctl dlq …` works on (`npm run demo`, examples/demo-setup.sh). It also
// creates the topic orders-retry, where `cdcctl dlq replay … --to-topic orders-retry` sends records for a retry.
//
//   node examples/dlq/legacy-orders.mjs [--brokers 127.0.0.1:9092] [--count 60]
// Prints the number of records written and of those that are poison. The records are the same on each run.
import {parseArgs} from 'node:util';
import kafkajs from 'kafkajs';

const {values} = parseArgs({
  options: {brokers: {type: 'string', default: '127.0.0.1:9092'}, count: {type: 'string', default: '60'}},
});
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, not ${values.count}`);

const schema = {
  type: 'struct',
  name: 'com.acme.Order',
  optional: false,
  fields: [
    {field: 'order_id', type: 'int64', optional: false},
    {field: 'customer_id', type: 'int64', optional: false},
    {field: 'amount', type: 'double', optional: false},
    {field: 'currency', type: 'string', optional: true},
  ],
};

/** Record i: every fifth a good one, the others alternately truncated JSON and an envelope-less object. */
function record(i) {
  const order = {order_id: 1000 + i, customer_id: 1 + (i % 7), amount: Math.round(i * 1234.5) / 100, currency: 'EUR'};
  if (i % 5 === 0) return JSON.stringify({schema, payload: order});
  if (i % 2 === 1) return JSON.stringify(order).slice(0, -7);
  return JSON.stringify(order);
}

const kafka = new kafkajs.Kafka({
  clientId: 'legacy-orders-producer',
  brokers: values.brokers.split(','),
  logLevel: kafkajs.logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  const existing = new Set(await admin.listTopics());
  const topics = ['orders', 'orders-retry'].filter((t) => !existing.has(t));
  if (topics.length) await admin.createTopics({topics: topics.map((topic) => ({topic})), waitForLeaders: true});
} finally {
  await admin.disconnect();
}
const producer = kafka.producer();
await producer.connect();
try {
  const messages = Array.from({length: count}, (_, i) => ({key: String(1000 + i), value: record(i)}));
  await producer.send({topic: 'orders', acks: -1, messages});
  const poison = messages.filter((_, i) => i % 5 !== 0).length;
  console.log(`legacy-orders: wrote ${count} records to orders, ${poison} of them poison`);
} finally {
  await producer.disconnect();
}
