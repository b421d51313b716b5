import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {json, repoRoot, runCli} from '../helpers.js';
import {requireStack, sql, stackConfig} from './stack.js';

/**
 * `dlq sync` killed mid-read loses no record and stores none twice: it writes one batch while it
 * fetches the next, and commits a batch's offsets only once the batch is stored. Killed while a
 * batch is in hand (not yet stored) or just after one is stored (not yet committed), a resumed sync
 * ends with every record of the topic in the store exactly once.
 */

const P = `i20s${process.pid}`;
const PARTITIONS = 3;
const PER_PARTITION = 40;
const OPS = `cdc_ops_dlqsync_${process.pid}`;
const {env} = stackConfig([], {opsSchema: OPS});
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: P});

let skip: string | undefined;

function crashChild(args: string[]): Promise<{signal: string | null; stderr: string}> {
  return new Promise((resolve) => {
    const p = execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'test/integration/dlq-sync-crash-child.ts'), ...args],
      {env: {...process.env, ...env}, cwd: repoRoot, timeout: 120_000},
      (error, _stdout, stderr) => resolve({signal: error?.signal ?? null, stderr: String(stderr)}),
    );
    p.stdin?.end();
  });
}

/** Stored rows of the topic: how many, and how many distinct (partition, offset). */
async function stored(topic: string): Promise<{rows: number; distinct: number}> {
  const res = await sql<{rows: number; distinct: number}>(
    'target',
    `SELECT count(*)::int AS rows, count(DISTINCT (dlq_partition, dlq_offset))::int AS "distinct"
       FROM ${OPS}._cdc_dlq_records WHERE dlq_topic = $1`,
    [topic],
  );
  return res[0] ?? {rows: 0, distinct: 0};
}

describe('dlq sync killed mid-read', {timeout: 300_000}, () => {
  const topics: string[] = [];
  before(async () => {
    skip = await requireStack();
  });
  after(async () => {
    if (skip) return;
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics}).catch(() => {});
    await admin.deleteGroups(topics.map((t) => `${t}-sync`)).catch(() => {});
    await admin.disconnect();
  });

  for (const mode of ['before-store', 'after-store'] as const) {
    it(`resumes with every record stored exactly once (killed ${mode} of the 2nd batch)`, async (t) => {
      if (skip) return t.skip(skip);
      const topic = `${P}.${mode}.dlq`;
      topics.push(topic);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [{topic, numPartitions: PARTITIONS, replicationFactor: 1}],
        waitForLeaders: true,
      });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      // One batch per partition at least: partitions are handed over one at a time.
      for (let p = 0; p < PARTITIONS; p++) {
        await producer.send({
          topic,
          messages: Array.from({length: PER_PARTITION}, (_, i) => ({
            partition: p,
            key: `${p}-${i}`,
            value: JSON.stringify({id: i}),
            headers: {'__connect.errors.topic': `${P}.orders`, '__connect.errors.stage': 'VALUE_CONVERTER'},
          })),
        });
      }
      await producer.disconnect();
      const total = PARTITIONS * PER_PARTITION;

      const killed = await crashChild([topic, `${topic}-sync`, '2', mode]);
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      const afterCrash = await stored(topic);
      assert.ok(afterCrash.rows >= PER_PARTITION && afterCrash.rows < total, JSON.stringify(afterCrash));

      const resumed = json<{read: number; inserted: number}>(
        await runCli(['dlq', 'sync', '--topic', topic, '--group', `${topic}-sync`, '--json'], {env}),
      );
      assert.deepEqual(await stored(topic), {rows: total, distinct: total});
      assert.equal(resumed.inserted, total - afterCrash.rows);
      // Killed after storing, before committing: the stored batch is read again, and stored once.
      if (mode === 'after-store') assert.ok(resumed.read > resumed.inserted, JSON.stringify(resumed));
      const again = json<{read: number}>(
        await runCli(['dlq', 'sync', '--topic', topic, '--group', `${topic}-sync`, '--json'], {env}),
      );
      assert.equal(again.read, 0);
    });
  }
});
