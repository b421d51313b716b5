import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {json, runCli} from '../helpers.js';
import {env, requireStack} from './stack.js';

/**
 * `dlq list --from-topic` paging on the real Kafka: a dead-letter topic of our own with four
 * partitions (records with Connect's error headers, written in batches so the partitions fill
 * unevenly). Following the next-page hint, by --after or by --offset, must give every record once,
 * in (partition, offset) order, every time.
 */

const TOPIC = `i19-dlq-paging-${process.pid}`;
const TOTAL = 200;
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: TOPIC});
let skip: string | undefined;

interface Page {
  total: number;
  offset: number;
  records: Array<{id: string; dlqPartition: number; dlqOffset: string}>;
  next: {offset: number; after?: string} | null;
}

async function walk(how: 'after' | 'offset', extra: string[] = []): Promise<string[]> {
  const ids: string[] = [];
  let next: string[] = [];
  for (let pages = 0; pages < 20; pages++) {
    const r = await runCli(['dlq', 'list', '--from-topic', TOPIC, '--limit', '30', ...extra, ...next, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const page = json<Page>(r);
    assert.equal(page.offset, ids.length, 'the page says where it starts');
    ids.push(...page.records.map((x) => x.id));
    if (ids.length >= page.total) {
      assert.equal(page.next, null, 'the last page has no next');
      return ids;
    }
    // the hint --offset always gave: the records seen so far
    next = how === 'after' ? ['--after', page.next?.after as string] : ['--offset', String(ids.length)];
  }
  throw new Error('more pages than records');
}

const position = (id: string) => id.split(':').map(Number) as [number, number];

describe('dlq list --from-topic: deterministic pages across partitions', {timeout: 240_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 4, replicationFactor: 1}], waitForLeaders: true});
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let batch = 0; batch < 8; batch++) {
      await producer.send({
        topic: TOPIC,
        messages: Array.from({length: TOTAL / 8}, (_, j) => {
          const i = batch * (TOTAL / 8) + j;
          return {
            key: `k${i}`,
            partition: (i * 7 + batch) % 4,
            value: `{"bad": ${i}`,
            headers: {
              '__connect.errors.topic': 'orders',
              '__connect.errors.partition': '0',
              '__connect.errors.offset': String(i),
              '__connect.errors.connector.name': 'orders-sink',
              '__connect.errors.stage': 'VALUE_CONVERTER',
              '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
              '__connect.errors.exception.message': `bad record ${i}`,
            },
          };
        }),
      });
    }
    await producer.disconnect();
  });
  after(async () => {
    if (skip) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [TOPIC]}).catch(() => {});
    await admin.disconnect();
  });

  it('following the next-page hint gives every record once, in (partition, offset) order, every time', async (t) => {
    if (skip) return t.skip(skip);
    const walks: string[][] = [];
    for (const how of ['after', 'offset', 'after', 'offset'] as const) {
      const ids = await walk(how);
      assert.equal(new Set(ids).size, TOTAL, `${how}: ${new Set(ids).size} distinct of ${TOTAL}`);
      assert.equal(ids.length, TOTAL);
      walks.push(ids);
    }
    const sorted = [...(walks[0] as string[])].sort((a, b) => {
      const [pa, oa] = position(a);
      const [pb, ob] = position(b);
      return pa - pb || oa - ob;
    });
    for (const ids of walks) assert.deepEqual(ids, sorted, 'the same order every time: partition, then offset');

    // filters page the same way; the text form names the next page
    const filtered = await walk('after', ['--exception', 'DataException']);
    assert.deepEqual(filtered, sorted);
    const r = await runCli(['dlq', 'list', '--from-topic', TOPIC, '--limit', '30'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`1–30 of ${TOTAL} \\(next page: --after ${sorted[29]}\\)`));

    const bad = await runCli(['dlq', 'list', '--after', '0:1'], {env});
    assert.equal(bad.code, 2, 'without --from-topic --after is a usage error');
  });
});
