import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {Agent, createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import {repoRoot} from '../helpers.js';
import {quantile, type Target} from './lib.js';

/**
 * `npm run bench:webhooks` — `webhooks serve` delivering change events to a local receiver that
 * answers at once:
 *   1. one process, N change events (default 100k) already in a topic: deliveries/s;
 *   2. two processes, the same on a fresh topic and group: deliveries/s and the ratio to (1);
 *   3. one process following a topic written at 1,000 events/s for 15 s: latency from the Kafka
 *      record's timestamp to its arrival at the receiver (p50/p95/p99).
 * Baseline in the same run: the receiver driven by a bare keep-alive HTTP client from this process
 * (no Kafka, no queue, no signing): the ceiling of plain POSTs on this machine.
 * Loopback only; topics, groups and the store schema carry a unique prefix and are removed at the end.
 */

const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 100_000);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
const RATE_SECONDS = Number(process.env.BENCH_WEBHOOK_RATE_SECONDS ?? 15);
const P = `benchwh${process.pid}`;
const SCHEMA = `${P}_ops`;
const PG = {host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc', database: 'target'};
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: P});

interface Receipt {
  at: number;
  kafkaTs: number;
  id: string;
}
const receipts = new Map<string, Receipt[]>();

const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '/';
    const list = receipts.get(path) ?? [];
    receipts.set(path, list);
    if (path !== '/baseline') {
      const body = Buffer.concat(chunks).toString();
      const ts = /"timestamp":"([^"]+)"/.exec(body)?.[1];
      list.push({at: Date.now(), kafkaTs: ts ? Date.parse(ts) : 0, id: String(req.headers['webhook-id'])});
    } else list.push({at: Date.now(), kafkaTs: 0, id: ''});
    res.end();
  });
});

async function produce(topic: string, n: number): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  for (let i = 0; i < n; i += 1000) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      messages.push({
        key: JSON.stringify({id: j}),
        value: JSON.stringify({
          op: 'u',
          before: {id: j, qty: 1},
          after: {id: j, qty: 2, note: 'benchmark row'},
          source: {db: 'inv', schema: 'public', table: 'orders'},
          ts_ms: Date.now(),
        }),
      });
    }
    await p.send({topic, messages});
  }
  await p.disconnect();
}

async function produceAtRate(topic: string, perSecond: number, seconds: number): Promise<number> {
  const p = kafka.producer();
  await p.connect();
  let sent = 0;
  const started = Date.now();
  const tickMs = 20;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
    const messages = [];
    for (; sent < due; sent++) {
      messages.push({
        key: JSON.stringify({id: sent}),
        value: JSON.stringify({
          op: 'c',
          before: null,
          after: {id: sent},
          source: {db: 'inv', schema: 'public', table: 'orders'},
          ts_ms: Date.now(),
        }),
      });
    }
    if (messages.length) await p.send({topic, messages, acks: 1});
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await p.disconnect();
  return sent;
}

const bin = join(repoRoot, 'bin', 'run.js');
let env: NodeJS.ProcessEnv;

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], {env, encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`cdcctl ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function serve(group: string, extra: string[] = []): ChildProcess {
  const child = spawn(
    process.execPath,
    [bin, 'webhooks', 'serve', '--port', '0', '--group', group, '--watch-interval', '0', ...extra],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on('data', (d: Buffer) => {
    const t = d.toString();
    if (/warn|error/i.test(t)) process.stderr.write(`[serve ${child.pid}] ${t}`);
  });
  return child;
}

function stop(c: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (c.exitCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGTERM');
  });
}

async function waitFor(path: string, n: number, timeoutMs: number): Promise<Receipt[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const l = receipts.get(path) ?? [];
    if (new Set(l.map((r) => r.id)).size >= n) return l;
    if (Date.now() > deadline) throw new Error(`${path}: ${l.length} of ${n} delivered within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Deliveries per second between the first and the last arrival. */
function rateOf(list: Receipt[]): {perSecond: number; seconds: number} {
  const first = list[0]?.at ?? 0;
  const last = list.at(-1)?.at ?? 0;
  const seconds = Math.max(0.001, (last - first) / 1000);
  return {perSecond: list.length / seconds, seconds};
}

async function baseline(url: string, n: number): Promise<number> {
  const agent = new Agent({keepAlive: true, maxSockets: 128});
  const body = JSON.stringify({type: 'change', data: {after: {id: 1, qty: 2, note: 'benchmark row'}}});
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)},
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('socket', (sock) => sock.setNoDelay(true));
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all(Array.from({length: 128}, worker));
  agent.destroy();
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'benchwh-'));
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'current-context: local',
      'contexts:',
      '  local:',
      '    kafka: {brokers: ["127.0.0.1:9092"]}',
      `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "cdc", opsSchema: ${SCHEMA}}`,
      '',
    ].join('\n'),
  );
  env = {...process.env, CDCCTL_CONFIG: join(dir, 'config.yaml'), NO_COLOR: '1'};
  const topics = [`${P}-one`, `${P}-two`, `${P}-rate`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({topics: topics.map((topic) => ({topic, numPartitions: 6}))});
  const targets: Target[] = [];
  try {
    console.log(`webhooks benchmark: ${N.toLocaleString()} change events per run, receiver at ${base}`);
    const baseN = Math.min(N, 50_000);
    const ceiling = await baseline(`${base}/baseline`, baseN);
    console.log(`  baseline: bare keep-alive POSTs from one process: ${ceiling.toFixed(0)}/s (${baseN} requests)`);

    for (const [i, t] of topics.entries()) {
      cli([
        'webhooks',
        'add',
        `bench-${i}`,
        '--url',
        `${base}/s${i}`,
        '--events',
        'change',
        '--topic',
        t,
        '--secret-ref',
        'generated',
        '--disable-after',
        '100000',
      ]);
    }

    // 1. one process
    await produce(topics[0] as string, N);
    const t1 = Date.now();
    const one = serve(`${P}-g1`, ['--from-beginning']);
    const r1 = await waitFor('/s0', N, 30 * 60_000);
    const wall1 = (Date.now() - t1) / 1000;
    await stop(one);
    const rate1 = rateOf(r1);
    console.log(
      `  one process: ${rate1.perSecond.toFixed(0)} deliveries/s (first→last ${rate1.seconds.toFixed(1)} s; ${(N / wall1).toFixed(0)}/s including start-up, ${wall1.toFixed(1)} s)`,
    );
    targets.push({
      name: 'one process ≥ 5,000 deliveries/s',
      ok: rate1.perSecond >= 5000,
      detail: `${rate1.perSecond.toFixed(0)}/s, ${((rate1.perSecond / ceiling) * 100).toFixed(0)}% of the bare-POST baseline`,
    });

    // 2. two processes (the first subscription goes: its topic is not read again)
    cli(['webhooks', 'remove', 'bench-0', '--yes']);
    await produce(topics[1] as string, N);
    const t2 = Date.now();
    const a = serve(`${P}-g2`, ['--from-beginning']);
    const b = serve(`${P}-g2`, ['--from-beginning']);
    const r2 = await waitFor('/s1', N, 30 * 60_000);
    const wall2 = (Date.now() - t2) / 1000;
    await Promise.all([stop(a), stop(b)]);
    const rate2 = rateOf(r2);
    const dupes = r2.length - new Set(r2.map((r) => r.id)).size;
    console.log(
      `  two processes: ${rate2.perSecond.toFixed(0)} deliveries/s (first→last ${rate2.seconds.toFixed(1)} s; ${(N / wall2).toFixed(0)}/s including start-up); delivered twice: ${dupes}`,
    );
    targets.push({
      name: 'two processes ≥ 1.8× one',
      ok: rate2.perSecond >= 1.8 * rate1.perSecond,
      detail: `${(rate2.perSecond / rate1.perSecond).toFixed(2)}×`,
    });
    targets.push({name: 'two processes deliver nothing twice', ok: dupes === 0, detail: `${dupes}`});

    // 3. latency at a steady rate
    cli(['webhooks', 'remove', 'bench-1', '--yes']);
    const follow = serve(`${P}-g3`);
    await new Promise((r) => setTimeout(r, 5000)); // joined the group, at the end of the topic
    const sent = await produceAtRate(topics[2] as string, RATE, RATE_SECONDS);
    const r3 = await waitFor('/s2', sent, 120_000);
    await stop(follow);
    const lat = r3.map((r) => r.at - r.kafkaTs).sort((x, y) => x - y);
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(lat, q));
    console.log(
      `  latency at ${RATE}/s for ${RATE_SECONDS} s (${sent} events, Kafka timestamp → receiver): p50 ${p50?.toFixed(0)} ms, p95 ${p95?.toFixed(0)} ms, p99 ${p99?.toFixed(0)} ms, max ${lat.at(-1)} ms`,
    );
    targets.push({
      name: `queue latency p95 ≤ 200 ms at ${RATE}/s`,
      ok: (p95 ?? Infinity) <= 200,
      detail: `${p95?.toFixed(0)} ms`,
    });

    console.log('Targets:');
    for (const t of targets) console.log(`  ${t.ok ? 'MET ' : 'MISS'}  ${t.name}: ${t.detail}`);
  } finally {
    await admin.deleteTopics({topics}).catch(() => {});
    await admin.deleteGroups([`${P}-g1`, `${P}-g2`, `${P}-g3`]).catch(() => {});
    await admin.disconnect();
    const c = new pg.Client(PG);
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => {});
    await c.end();
    receiver.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
