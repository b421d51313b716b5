import {execFile, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {createServer, request as httpRequest} from 'node:http';
import type {AddressInfo} from 'node:net';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {repoRoot, tempConfig} from '../helpers.js';

/**
 * `npm run bench:bulk [-- --connectors 120 --concurrency 8 --rounds 3]`: `pipeline pause-all` and
 * `resume-all` over N ≥ 100 connectors on the local Kafka Connect worker, against a sequential
 * `curl` loop making the same calls, in the same run; both talk to the worker directly. One more
 * pause-all/resume-all round goes through a counting proxy on loopback (not timed: the proxy adds
 * its own hop), which shows the most requests the worker ever had in flight from cdcctl.
 * Targets (issue 3): ≥ 5× faster than the loop; in-flight requests never above --concurrency.
 */

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('connectors', 120);
const CONCURRENCY = arg('concurrency', 8);
const ROUNDS = arg('rounds', 3);
const CONNECT = 'http://127.0.0.1:8083';
const prefix = `bench-bulk-${process.pid}`;
const names = Array.from({length: N}, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const dir = mkdtempSync(join(tmpdir(), 'cdcctl-bench-bulk-'));
const input = join(dir, 'empty.txt');
writeFileSync(input, '');

async function connect(method: string, path: string, body?: unknown): Promise<{status: number; body: unknown}> {
  const res = await fetch(`${CONNECT}${path}`, {
    method,
    headers: {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {status: res.status, body: text ? JSON.parse(text) : undefined};
}

async function states(): Promise<Map<string, string>> {
  const r = await connect('GET', '/connectors?expand=status');
  const out = new Map<string, string>();
  for (const [name, e] of Object.entries(r.body as Record<string, {status: {connector: {state: string}}}>)) {
    if (name.startsWith(prefix)) out.set(name, e.status.connector.state);
  }
  return out;
}

async function waitAll(state: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const s = await states();
    if (s.size === N && [...s.values()].every((v) => v === state)) return;
    if (Date.now() > deadline) throw new Error(`connectors did not all reach ${state}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A loopback HTTP proxy in front of the worker that counts requests in flight. */
async function countingProxy(): Promise<{
  url: string;
  maxInFlight: () => number;
  reset: () => void;
  close: () => void;
}> {
  let inFlight = 0;
  let max = 0;
  const server = createServer((req, res) => {
    inFlight++;
    max = Math.max(max, inFlight);
    const upstream = httpRequest(`${CONNECT}${req.url}`, {method: req.method, headers: req.headers}, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => inFlight--);
    });
    upstream.on('error', () => {
      inFlight--;
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxInFlight: () => max,
    reset: () => {
      max = 0;
    },
    close: () => server.close(),
  };
}

async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs cdcctl asynchronously: the counting proxy lives in this process and must keep serving. */
function cdcctl(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'run.js'), ...args],
      {env, encoding: 'utf8'},
      (err, stdout, stderr) => {
        if (err) reject(new Error(`cdcctl ${args.join(' ')} → exit ${err.code}\n${stderr}${stdout}`));
        else resolve();
      },
    );
  });
}

function curlLoop(verb: 'pause' | 'resume'): void {
  const script = `for n in ${names.join(' ')}; do curl -fsS -o /dev/null -X PUT ${CONNECT}/connectors/$n/${verb} || exit 1; done`;
  const r = spawnSync('bash', ['-c', script], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`curl loop failed: ${r.stderr}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const proxy = await countingProxy();
  const config = (url: string) =>
    tempConfig(
      `current-context: bench\ncontexts:\n  bench:\n    connect: {url: "${url}"}\n    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "cdc"}\n`,
    ).env;
  const env = {...process.env, ...config(CONNECT), NO_COLOR: '1'};
  const proxied = {...process.env, ...config(proxy.url), NO_COLOR: '1'};
  console.log(`Creating ${N} FileStream source connectors (paused) on ${CONNECT} …`);
  for (const name of names) {
    const r = await connect('POST', '/connectors', {
      name,
      config: {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
        file: input,
        topic: `${prefix}-t`,
        'tasks.max': '1',
      },
      initial_state: 'PAUSED',
    });
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  await waitAll('PAUSED');
  const sel = ['--selector', `${prefix}-*`, '--yes', '--concurrency', String(CONCURRENCY)];
  const t = {
    cdcPause: [] as number[],
    cdcResume: [] as number[],
    curlPause: [] as number[],
    curlResume: [] as number[],
  };
  let maxSeen = 0;
  try {
    // Start from RUNNING: resume-all --all brings every bench connector up.
    await cdcctl(env, ['pipeline', 'resume-all', '--all', ...sel]);
    await waitAll('RUNNING');
    for (let round = 0; round < ROUNDS; round++) {
      t.cdcPause.push(await timed(() => cdcctl(env, ['pipeline', 'pause-all', ...sel])));
      await waitAll('PAUSED');
      t.cdcResume.push(await timed(() => cdcctl(env, ['pipeline', 'resume-all', ...sel])));
      await waitAll('RUNNING');
      t.curlPause.push(await timed(() => curlLoop('pause')));
      await waitAll('PAUSED');
      t.curlResume.push(await timed(() => curlLoop('resume')));
      await waitAll('RUNNING');
    }
    for (const verb of ['pause-all', 'resume-all']) {
      proxy.reset();
      await cdcctl(proxied, ['pipeline', verb, ...sel]);
      maxSeen = Math.max(maxSeen, proxy.maxInFlight());
      await waitAll(verb === 'pause-all' ? 'PAUSED' : 'RUNNING');
    }
  } finally {
    proxy.close();
    console.log('Deleting the bench connectors …');
    for (const name of names) await connect('DELETE', `/connectors/${name}`);
  }
  const row = (label: string, cdc: number[], loop: number[]) =>
    `  ${label.padEnd(11)} cdcctl ${median(cdc).toFixed(0).padStart(6)} ms   curl loop ${median(loop).toFixed(0).padStart(6)} ms   ${(median(loop) / median(cdc)).toFixed(1)}× faster`;
  console.log(
    `\nBulk control of ${N} connectors, median of ${ROUNDS} rounds, --concurrency ${CONCURRENCY} (process start included), load ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(row('pause-all', t.cdcPause, t.curlPause));
  console.log(row('resume-all', t.cdcResume, t.curlResume));
  const worst = Math.min(median(t.curlPause) / median(t.cdcPause), median(t.curlResume) / median(t.cdcResume));
  console.log('Targets:');
  console.log(`  ${worst >= 5 ? 'MET ' : 'MISS'}  ≥ 5× faster than a sequential curl loop: worst ${worst.toFixed(1)}×`);
  console.log(
    `  ${maxSeen <= CONCURRENCY ? 'MET ' : 'MISS'}  requests in flight ≤ --concurrency ${CONCURRENCY}: max seen ${maxSeen}`,
  );
}

await main();
