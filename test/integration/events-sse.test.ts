import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, repoRoot} from '../helpers.js';
import {env, requireStack} from './stack.js';

/**
 * `events sse --from-beginning` on the real Kafka: a topic of three partitions of our own with
 * history written before the server starts, clients connecting late, live events written while
 * they read, and a client that drops and reconnects with Last-Event-ID. Every client must get
 * every record exactly once.
 */

const TOPIC = `i19sse-${process.pid}`;
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: TOPIC});
let skip: string | undefined;
let written = 0;

async function produce(count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let done = 0; done < count; ) {
    const n = Math.min(500, count - done);
    await producer.send({
      topic: TOPIC,
      messages: Array.from({length: n}, (_, j) => {
        const i = written + done + j;
        return {key: `k${i}`, value: JSON.stringify({i})};
      }),
    });
    done += n;
  }
  written += count;
  await producer.disconnect();
}

interface Frame {
  id: string;
  position: string;
  i: number;
  valueFormat: string;
}

/** Reads SSE frames until `enough` says so (or the deadline passes), then closes the connection. */
async function read(
  url: string,
  enough: (frames: Frame[]) => boolean,
  headers: Record<string, string> = {},
  whileConnected?: () => Promise<void>,
): Promise<Frame[]> {
  const ac = new AbortController();
  const res = await fetch(url, {signal: ac.signal, headers});
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let text = '';
  const side = whileConnected?.();
  const deadline = Date.now() + 90_000;
  try {
    while (!enough(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out with ${frames.length} events`);
      const {value, done} = await reader.read();
      if (done) throw new Error(`the server closed the stream after ${frames.length} events`);
      text += decoder.decode(value, {stream: true});
      const blocks = text.split('\n\n');
      text = blocks.pop() ?? '';
      for (const b of blocks) {
        if (!b.includes('event: change')) continue;
        const id = /^id: (.*)$/m.exec(b)?.[1] ?? '';
        const ev = JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? 'null') as {
          partition: number;
          offset: string;
          after: {i: number};
          valueFormat: string;
        };
        frames.push({id, position: `${ev.partition}:${ev.offset}`, i: ev.after.i, valueFormat: ev.valueFormat});
      }
    }
  } finally {
    ac.abort();
    await side;
  }
  return frames;
}

function assertExactlyOnce(frames: Frame[], total: number, what: string): void {
  const positions = new Set(frames.map((f) => f.position));
  assert.equal(positions.size, frames.length, `${what}: no record twice`);
  const values = new Set(frames.map((f) => f.i));
  assert.equal(values.size, total, `${what}: ${values.size} distinct of ${total}`);
  assert.equal(Math.max(...values), total - 1);
}

describe('events sse: history per client, live, and Last-Event-ID on the real Kafka', {timeout: 300_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 3, replicationFactor: 1}], waitForLeaders: true});
    await admin.disconnect();
  });
  after(async () => {
    if (skip) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [TOPIC]}).catch(() => {});
    await admin.disconnect();
  });

  it('every client gets the whole history and the live events once; a reconnect resumes exactly', async (t) => {
    if (skip) return t.skip(skip);
    await produce(3000);
    const sse = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'run.js'), 'events', 'sse', TOPIC, '--from-beginning', '--port', '0'],
      {
        env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env},
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    sse.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => sse.on('exit', (code) => r(code)));
    try {
      const url = await eventually(
        async () => /serving .* on (http:\/\/127\.0\.0\.1:\d+\/events)/.exec(stderr)?.[1],
        60_000,
        200,
      );
      // connects late (the server has been up a while), and live events arrive while it reads
      await new Promise((r) => setTimeout(r, 1500));
      const late = await read(
        url,
        (f) => f.length >= 3300,
        {},
        () => produce(300),
      );
      assertExactlyOnce(late, 3300, 'a client connecting after the start');
      assert.ok(late.every((f) => f.valueFormat === 'json'));

      // a second one, later still, gets the same
      const later = await read(url, (f) => f.length >= 3300);
      assertExactlyOnce(later, 3300, 'a second late client');

      // drop after 1,000 events, write more, reconnect with the last id: the rest, nothing twice
      const first = await read(url, (f) => f.length >= 1000);
      const lastId = first.at(-1)?.id as string;
      assert.equal(lastId.split(',').length, 3, `the id covers every partition: ${lastId}`);
      await produce(200);
      const rest = await read(url, (f) => first.length + f.length >= 3500, {'Last-Event-ID': lastId});
      assertExactlyOnce([...first, ...rest], 3500, 'a reconnect with Last-Event-ID');
      const again = await read(`${url}?lastEventId=${encodeURIComponent(lastId)}`, (f) => f.length >= rest.length);
      assert.deepEqual(
        again.map((f) => f.position).sort(),
        rest.map((f) => f.position).sort(),
        'the query parameter resumes the same way',
      );

      const bad = await fetch(url, {headers: {'Last-Event-ID': 'other-topic:0:5'}});
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /does not serve/);
    } finally {
      sse.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /stopped: \d+ client\(s\) served/);
  });
});
