import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {createHmac, timingSafeEqual} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTlsServer} from 'node:https';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import pg from 'pg';
import {type CliResult, eventually, json, runCli, startCli, tempConfig, tempDir} from '../helpers.js';
import {PG, sql} from './stack.js';

/**
 * Webhooks against real receivers written here (fast, slow, 500-then-200, 429 with Retry-After,
 * 400, a receiver that never answers, a refused port, TLS with a CA made by openssl), real Kafka and
 * PostgreSQL, and the built CLI: `webhooks serve` processes started, signalled and killed as an
 * operator would. Every signature is checked with the verifier below, written from the Standard
 * Webhooks specification and sharing no code with cdcctl.
 */

const ID = `i24wh${process.pid}`;
const SCHEMA = `${ID}_ops`;
const TOPIC = `${ID}-orders`;
const dir = tempDir('i24wh-');
let skip: string | undefined;
let cfg: {path: string; env: Record<string, string>};
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: ID});

// ---------------------------------------------------------------------------------------------
// An independent Standard Webhooks verifier

function verifyStandardWebhook(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  assert.ok(secret.startsWith('whsec_'));
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sig.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    const got = Buffer.from(b64 ?? '', 'base64');
    return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
  });
}

// ---------------------------------------------------------------------------------------------
// Receivers

interface Received {
  path: string;
  id: string;
  at: number;
  body: string;
  valid: boolean;
  json: {type: string; version: number; data: Record<string, unknown>};
}

const received: Received[] = [];
const secrets = new Map<string, string>(); // path → secret
const seen = new Map<string, number>(); // path|id → times

function receiver(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = String(req.headers['webhook-id']);
    const key = `${url.pathname}|${id}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const secret = secrets.get(url.pathname.split('/')[1] ?? '') ?? '';
    received.push({
      path: url.pathname,
      id,
      at: Date.now(),
      body,
      valid: verifyStandardWebhook(secret, req.headers, body),
      json: JSON.parse(body),
    });
    const mode = url.pathname.split('/')[2];
    if (mode === 'slow') return void setTimeout(() => res.end('ok'), 1500);
    if (mode === 'flaky' && n === 1) return void res.writeHead(500).end('try again');
    if (mode === 'limited' && n === 1) return void res.writeHead(429, {'retry-after': '2'}).end('slow down');
    if (mode === 'bad') return void res.writeHead(400).end('no thanks');
    if (mode === 'always500') return void res.writeHead(503).end('down');
    if (mode === 'hang') return; // never answers
    res.end('ok');
  });
}

let plain: Server;
let tls: Server;
let plainUrl = '';
let tlsUrl = '';
let refusedUrl = '';

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

function makeCa(): {ca: string; key: string; cert: string} {
  const o = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'});
  o(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=i24wh test CA',
  );
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  o(
    'x509',
    '-req',
    '-in',
    'srv.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'srv.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    ca: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'srv.key'), 'utf8'),
    cert: readFileSync(join(dir, 'srv.pem'), 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------

const cli = (args: string[]): Promise<CliResult> => runCli(args, {env: cfg.env});

async function add(name: string, args: string[]): Promise<string> {
  const r = await cli(['webhooks', 'add', name, '--secret-ref', 'generated', '--json', ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const secret = json<{secret: string}>(r).secret;
  secrets.set(name, secret);
  return secret;
}

let produced = 0;
interface Row {
  i: number;
  op: string;
  qty: number;
}
const rows: Row[] = [];

async function produce(n: number): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  const msgs = [];
  for (let j = 0; j < n; j++) {
    const i = produced + j;
    const row = {i, op: ['c', 'u', 'd', 'r'][i % 4] as string, qty: (i * 7) % 23};
    rows.push(row);
    msgs.push({
      key: JSON.stringify({id: i % 50}),
      value: JSON.stringify({
        op: row.op,
        before: row.op === 'c' ? null : {id: i % 50, qty: 0},
        after: row.op === 'd' ? null : {id: i % 50, qty: row.qty, i},
        source: {db: 'inv', schema: 'public', table: 'orders'},
        ts_ms: Date.now(),
      }),
    });
  }
  await p.send({topic: TOPIC, messages: msgs});
  produced += n;
  await p.disconnect();
}

function serve(extra: string[] = []) {
  return startCli(
    [
      'webhooks',
      'serve',
      '--port',
      '0',
      '--from-beginning',
      '--group',
      `${ID}-g`,
      '--watch-interval',
      '0',
      '--retry-base',
      '300ms',
      '--retry-max',
      '2s',
      '--max-attempts',
      '4',
      ...extra,
    ],
    {env: cfg.env},
  );
}

async function stop(s: ReturnType<typeof serve>): Promise<CliResult> {
  s.child.kill('SIGTERM');
  return s.done;
}

const byPath = (p: string) => received.filter((r) => r.path === p);

before(async () => {
  try {
    const c = new pg.Client({...PG, database: 'target'});
    await c.connect();
    await c.end();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 3}]});
    await admin.disconnect();
  } catch (err) {
    skip = `Kafka or PostgreSQL of the local stack is not reachable: ${(err as Error).message}`;
    if (process.env.CI) throw new Error(skip);
    return;
  }
  plain = createServer(receiver);
  const {ca, key, cert} = makeCa();
  tls = createTlsServer({key, cert}, receiver);
  plainUrl = `http://127.0.0.1:${await listen(plain)}`;
  tlsUrl = `https://127.0.0.1:${await listen(tls)}`;
  const gone = createServer();
  refusedUrl = `http://127.0.0.1:${await listen(gone)}`;
  await new Promise((r) => gone.close(r));
  cfg = tempConfig(
    [
      'current-context: local',
      'contexts:',
      '  local:',
      '    kafka: {brokers: ["127.0.0.1:9092"]}',
      `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${SCHEMA}}`,
      `    webhooks: {tls: {ca: "${ca}"}, dlqGrowthThreshold: 3}`,
      '',
    ].join('\n'),
  );
  cfg.env.CDC_PG_PASSWORD = PG.password;
});

after(async () => {
  plain?.closeAllConnections();
  plain?.close();
  tls?.close();
  if (skip) return;
  await sql('target', `DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`).catch(() => {});
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({topics: [TOPIC]}).catch(() => {});
  await admin.deleteGroups([`${ID}-g`]).catch(() => {});
  await admin.disconnect();
});

describe('webhooks', {concurrency: false}, () => {
  it('delivers exactly the change events its filter selects, signed per the specification', async (t) => {
    if (skip) return t.skip(skip);
    await add('sel', [
      '--url',
      `${plainUrl}/sel/fast`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--op',
      'c,u',
      '--filter',
      'after.qty > 10 && after.qty <= 20',
    ]);
    await add('tls', [
      '--url',
      `${tlsUrl}/tls/fast`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--filter',
      'after.i == 3',
    ]);
    await produce(200);
    const want = rows
      .filter((r) => (r.op === 'c' || r.op === 'u') && r.qty > 10 && r.qty <= 20)
      .map((r) => r.i)
      .sort((a, b) => a - b);
    const s = serve();
    try {
      await eventually(
        async () => byPath('/sel/fast').length >= want.length && byPath('/tls/fast').length >= 1,
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1500)); // nothing more may come
    } finally {
      const r = await stop(s);
      assert.equal(r.code, 0, r.stderr);
    }
    const got = byPath('/sel/fast');
    assert.deepEqual(
      got.map((g) => (g.json.data.after as {i: number}).i).sort((a, b) => a - b),
      want,
    );
    assert.ok(
      got.every((g) => g.valid),
      'every signature verifies',
    );
    assert.equal(new Set(got.map((g) => g.id)).size, got.length, 'no webhook-id twice');
    assert.ok(got.every((g) => g.json.type === 'change' && g.json.version === 1));
    const viaTls = byPath('/tls/fast');
    assert.equal(viaTls.length, 1);
    assert.ok(viaTls[0]?.valid);
    // a tampered body does not verify
    const one = got[0] as Received;
    assert.equal(
      verifyStandardWebhook(
        secrets.get('sel') as string,
        {
          'webhook-id': one.id,
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAA',
        },
        one.body,
      ),
      false,
    );
    // and cdcctl's own verifier agrees with ours on a real delivery
    await cli(['webhooks', 'pause', 'sel']);
    await cli(['webhooks', 'pause', 'tls']);
  });

  it('retries 5xx, 429 (after Retry-After), timeouts and refused connections; never other 4xx; disables after N', async (t) => {
    if (skip) return t.skip(skip);
    const before = produced;
    const f = `after.i == ${before}`;
    await add('flaky', ['--url', `${plainUrl}/flaky/flaky`, '--events', 'change', '--topic', TOPIC, '--filter', f]);
    await add('limited', [
      '--url',
      `${plainUrl}/limited/limited`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--filter',
      f,
    ]);
    await add('bad', ['--url', `${plainUrl}/bad/bad`, '--events', 'change', '--topic', TOPIC, '--filter', f]);
    await add('hang', [
      '--url',
      `${plainUrl}/hang/hang`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--filter',
      f,
      '--timeout',
      '400ms',
    ]);
    await add('down', [
      '--url',
      `${plainUrl}/down/always500`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--op',
      'c,u,d,r',
      '--disable-after',
      '3',
    ]);
    await add('refused', ['--url', `${refusedUrl}/refused`, '--events', 'change', '--topic', TOPIC, '--filter', f]);
    await add('watch', ['--url', `${plainUrl}/watch/fast`, '--events', 'webhook.disabled']);
    await produce(4);
    const s = serve();
    try {
      await eventually(
        async () => {
          const h = json<{subscriptions: Array<{name: string; state: string; delivered: number; failed: number}>}>(
            await cli(['webhooks', 'health', '--json']),
          );
          const st = Object.fromEntries(h.subscriptions.map((x) => [x.name, x]));
          return (
            st.flaky?.delivered === 1 &&
            st.limited?.delivered === 1 &&
            st.bad?.failed === 1 &&
            st.hang?.failed === 1 &&
            st.refused?.failed === 1 &&
            st.down?.state === 'disabled' &&
            byPath('/watch/fast').length >= 1
          );
        },
        60_000,
        500,
      );
    } finally {
      const r = await stop(s);
      assert.equal(r.code, 0, r.stderr);
    }
    const flaky = byPath('/flaky/flaky');
    assert.equal(flaky.length, 2);
    assert.equal(flaky[0]?.id, flaky[1]?.id, 'a retry keeps its webhook-id');
    const gap = (flaky[1]?.at ?? 0) - (flaky[0]?.at ?? 0);
    assert.ok(gap >= 150 && gap < 2000, `first retry after base/2..base (+ polling), was ${gap} ms`);
    const limited = byPath('/limited/limited');
    assert.equal(limited.length, 2);
    assert.ok((limited[1]?.at ?? 0) - (limited[0]?.at ?? 0) >= 1900, 'Retry-After: 2 honoured');
    assert.equal(byPath('/bad/bad').length, 1, 'a 400 is not retried');
    assert.equal(byPath('/hang/hang').length, 4, 'a timeout is retried up to --max-attempts');
    // refused: four attempts, backoff doubling (300ms·2^n with jitter in [½, 1])
    const d = json<{deliveries: Array<{status: string; attempts: number; error: string}>}>(
      await cli(['webhooks', 'deliveries', 'refused', '--json']),
    );
    assert.equal(d.deliveries[0]?.status, 'failed');
    assert.equal(d.deliveries[0]?.attempts, 4);
    assert.match(d.deliveries[0]?.error ?? '', /ECONNREFUSED/);
    const down = json<{state: string; consecutiveFailures: number}>(await cli(['webhooks', 'show', 'down', '--json']));
    assert.equal(down.state, 'disabled');
    assert.ok(down.consecutiveFailures >= 3);
    const w = byPath('/watch/fast')[0] as Received;
    assert.equal(w.json.type, 'webhook.disabled');
    assert.equal(w.json.data.subscription, 'down');
    assert.ok(w.valid);
    const health = await cli(['webhooks', 'health']);
    assert.equal(health.code, 3, 'a disabled subscription is "not OK"');
    // redeliver the 400: same webhook-id again
    const failed = json<{deliveries: Array<{id: string; webhookId: string}>}>(
      await cli(['webhooks', 'deliveries', 'bad', '--failed', '--json']),
    );
    const rd = await cli(['webhooks', 'redeliver', failed.deliveries[0]?.id ?? '', '--json']);
    assert.equal(rd.code, 0, rd.stderr);
    assert.equal(json<{queued: Array<{webhookId: string}>}>(rd).queued[0]?.webhookId, failed.deliveries[0]?.webhookId);
    for (const n of ['flaky', 'limited', 'bad', 'hang', 'down', 'refused', 'watch']) {
      assert.equal((await cli(['webhooks', 'remove', n, '--yes'])).code, 0);
    }
  });

  it('a serve killed with SIGKILL mid-delivery loses nothing; two serve processes never double-deliver', async (t) => {
    if (skip) return t.skip(skip);
    await add('slow', [
      '--url',
      `${plainUrl}/slow/slow`,
      '--events',
      'change',
      '--topic',
      TOPIC,
      '--filter',
      `after.i >= ${produced}`,
      '--timeout',
      '5s',
    ]);
    await produce(60);
    const expected = rows.filter((r) => r.i >= produced - 60 && r.op !== 'd').length;
    const first = serve(['--lease', '6s', '--concurrency', '8']);
    await eventually(async () => byPath('/slow/slow').length >= 8, 60_000, 50);
    first.child.kill('SIGKILL');
    await first.done;
    const cut = byPath('/slow/slow').length;
    t.diagnostic(`killed with ${cut} received`);
    const a = serve(['--lease', '6s', '--concurrency', '8']);
    const b = serve(['--lease', '6s', '--concurrency', '8']);
    try {
      await eventually(async () => new Set(byPath('/slow/slow').map((r) => r.id)).size >= expected, 90_000, 250);
      t.diagnostic(`all ${expected} delivered`);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      const [ra, rb] = await Promise.all([stop(a), stop(b)]);
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(rb.code, 0, rb.stderr);
    }
    const got = byPath('/slow/slow');
    const ids = new Set(got.map((r) => r.id));
    assert.equal(ids.size, expected, 'every event delivered');
    const twice = got.length - ids.size;
    assert.ok(twice <= cut, `at most the in-flight ones of the killed process again (${twice} of ${cut})`);
    assert.ok(got.every((r) => r.valid));
    // after the crash only: the second pair delivered each message once
    const after = got.slice(cut);
    assert.equal(
      new Set(after.map((r) => r.id)).size,
      after.length,
      'the two live processes never delivered one message twice',
    );
  });

  it('jobs lists the serve processes: cancel drains one (exit 0), a killed one is lost', async (t) => {
    if (skip) return t.skip(skip);
    type ServeJob = {id: string; target: string; state: string; status: string; cancellable: boolean};
    const serveJobs = async (extra: string[] = []) =>
      json<{jobs: ServeJob[]}>(await cli(['jobs', 'list', '--kind', 'webhook-serve', '--json', ...extra])).jobs;
    // stderr is collected from the start: a process may be listening before the other one is
    const spawnServe = () => {
      const s = startCli(['webhooks', 'serve', '--port', '0', '--no-changes', '--watch-interval', '0'], {
        env: cfg.env,
      });
      let log = '';
      s.child.stderr?.on('data', (d: Buffer) => {
        log += d;
      });
      const url = eventually(async () => /listening on (http:\/\/\S+)/.exec(log)?.[1], 30_000, 50);
      return {...s, url, log: () => log};
    };
    const [a, b] = [spawnServe(), spawnServe()];
    const [urlA, urlB] = await Promise.all([a.url, b.url]);
    const running = await serveJobs(['--running']);
    const ja = running.find((j) => j.target === urlA);
    const jb = running.find((j) => j.target === urlB);
    assert.ok(ja && jb, `both processes listed: ${JSON.stringify(running)}`);
    assert.ok(ja.cancellable && ja.state === 'running' && ja.status === 'serving');

    const cancel = await cli(['jobs', 'cancel', ja.id, '--reason', 'rolling restart', '--yes', '--json']);
    assert.equal(cancel.code, 0, cancel.stderr);
    const da = await a.done;
    assert.equal(da.code, 0, da.stderr);
    assert.match(a.log(), /stopped \(cancelled by .* \(rolling restart\)\)/);
    const shown = json<ServeJob & {details: {server: {stopReason: string}}}>(
      await cli(['jobs', 'show', ja.id, '--json']),
    );
    assert.equal(shown.state, 'cancelled');
    assert.match(shown.details.server.stopReason, /^cancelled by .* \(rolling restart\)$/);

    b.child.kill('SIGKILL');
    await b.done;
    const owner = jb.id.slice('webhook-serve:'.length);
    // it stopped beating without a word: once its last beat is old enough, it is lost
    await sql(
      'target',
      `UPDATE "${SCHEMA}".webhook_servers SET beat_at = now() - interval '1 minute' WHERE owner = $1`,
      [owner],
    );
    const lost = (await serveJobs(['--failed'])).find((j) => j.id === jb.id);
    assert.equal(lost?.status, 'lost');
    assert.equal((await cli(['jobs', 'cancel', jb.id, '--yes'])).code, 3, 'nothing to cancel');
  });

  it('announces recorded domain facts once: reconcile drift found and resolved, erasures, DLQ growth', async (t) => {
    if (skip) return t.skip(skip);
    await add('domain', ['--url', `${plainUrl}/domain/fast`, '--events', 'reconcile.*,gdpr.*,dlq.growth']);
    const s = startCli(['webhooks', 'serve', '--port', '0', '--no-changes', '--watch-interval', '500ms'], {
      env: cfg.env,
    });
    let log = '';
    s.child.stderr?.on('data', (d: Buffer) => {
      log += d;
    });
    try {
      await eventually(async () => /listening on/.test(log), 30_000, 50);
      await new Promise((r) => setTimeout(r, 1500)); // the first pass sets the watermarks at "now"
      const q = (text: string, values: unknown[] = []) => sql('target', text.replaceAll('$S', `"${SCHEMA}"`), values);
      const run = async (runId: string, status: string, missing: number) => {
        await q(`INSERT INTO $S.reconcile_runs (run_id, context, actor) VALUES ($1, 'local', 'test')`, [runId]);
        await q(
          `INSERT INTO $S.reconcile_tables (run_id, table_name, shard, status, fingerprint, buckets, splits, finished_at, missing)
           VALUES ($1, 'inv.orders', 0, $2, 'f', 16, 1, clock_timestamp(), $3)`,
          [runId, status, missing],
        );
      };
      await run(`${ID}-r1`, 'drift', 2);
      await new Promise((r) => setTimeout(r, 50));
      await run(`${ID}-r2`, 'clean', 0);
      await run(`${ID}-r3`, 'clean', 0); // clean after clean: nothing to announce
      await q(
        `INSERT INTO $S.gdpr_requests (request_id, context, subject_hmac, state, on_failure, deadline_at, actor, tool_version, config_hash, host)
         VALUES ($1, 'local', 'abc123', 'verified', 'retry', now() + interval '30 days', 'test', '0', 'h', 'x'),
                ($2, 'local', 'def456', 'needs_operator', 'retry', now() + interval '30 days', 'test', '0', 'h', 'x')`,
        [`${ID}-g1`, `${ID}-g2`],
      );
      await q(
        `INSERT INTO $S._cdc_dlq_records (dlq_topic, dlq_partition, dlq_offset, connector)
         SELECT 'dlq-x', 0, g, 'sink-x' FROM generate_series(1, 4) g`,
      );
      await eventually(async () => byPath('/domain/fast').length >= 5, 30_000, 200);
      await new Promise((r) => setTimeout(r, 2000)); // later passes add nothing
    } finally {
      assert.equal((await stop(s)).code, 0);
    }
    const got = byPath('/domain/fast');
    assert.deepEqual(got.map((g) => g.json.type).sort(), [
      'dlq.growth',
      'gdpr.erasure_completed',
      'gdpr.erasure_failed',
      'reconcile.drift_found',
      'reconcile.drift_resolved',
    ]);
    assert.ok(got.every((g) => g.valid));
    const drift = got.find((g) => g.json.type === 'reconcile.drift_found') as Received;
    assert.equal(drift.json.data.runId, `${ID}-r1`);
    assert.equal(drift.json.data.missing, 2);
    const erased = got.find((g) => g.json.type === 'gdpr.erasure_completed') as Received;
    assert.equal(erased.json.data.subject, 'hmac:abc123', 'the subject only as its pseudonym');
    assert.equal((got.find((g) => g.json.type === 'dlq.growth') as Received).json.data.grew, 4);
  });

  it('API keys: required once they exist, scoped by role, revoked at once; refused start beyond loopback without keys', async (t) => {
    if (skip) return t.skip(skip);
    const open = await runCli(['webhooks', 'serve', '--host', '0.0.0.0', '--port', '0', '--no-changes'], {
      env: cfg.env,
    });
    assert.equal(open.code, 2);
    assert.match(open.stderr, /without API keys/);
    const viewer = json<{key: string}>(
      await cli(['auth', 'keys', 'create', `${ID}-v`, '--role', 'viewer', '--json']),
    ).key;
    const operator = json<{key: string}>(
      await cli(['auth', 'keys', 'create', `${ID}-o`, '--role', 'operator', '--expires', '1h', '--json']),
    ).key;
    await add('alerts', ['--url', `${plainUrl}/alerts/fast`, '--events', 'alert.*']);
    const s = startCli(['webhooks', 'serve', '--port', '0', '--no-changes', '--watch-interval', '0'], {env: cfg.env});
    let log = '';
    s.child.stderr?.on('data', (d: Buffer) => {
      log += d;
    });
    let base = '';
    try {
      base = await eventually(async () => /listening on (http:\/\/\S+)/.exec(log)?.[1], 30_000, 50);
      assert.equal((await fetch(`${base}/health`)).status, 401);
      assert.equal((await fetch(`${base}/health`, {headers: {authorization: `Bearer ${viewer}`}})).status, 200);
      const metrics = await (await fetch(`${base}/metrics`, {headers: {'x-api-key': viewer}})).text();
      assert.match(metrics, /cdc_webhook_deliveries_total\{result="delivered"\}/);
      assert.match(metrics, /cdc_webhook_queue_depth\{state="due"\}/);
      const alert = {
        version: '4',
        status: 'firing',
        receiver: 'cdcctl',
        alerts: [
          {
            status: 'firing',
            labels: {alertname: 'CdcLag', severity: 'page'},
            annotations: {summary: 'lag'},
            startsAt: new Date().toISOString(),
            fingerprint: 'abc',
          },
        ],
      };
      const post = (key: string) =>
        fetch(`${base}/alertmanager`, {
          method: 'POST',
          headers: {authorization: `Bearer ${key}`, 'content-type': 'application/json'},
          body: JSON.stringify(alert),
        });
      assert.equal((await post(viewer)).status, 403, 'a viewer may not post alerts');
      assert.equal((await post(operator)).status, 200);
      await eventually(async () => byPath('/alerts/fast').length === 1, 20_000);
      const a = byPath('/alerts/fast')[0] as Received;
      assert.equal(a.json.type, 'alert.firing');
      assert.equal(a.json.data.alertname, 'CdcLag');
      assert.ok(a.valid);
      assert.equal((await cli(['auth', 'keys', 'revoke', `${ID}-v`, '--yes'])).code, 0);
      assert.equal((await fetch(`${base}/health`, {headers: {authorization: `Bearer ${viewer}`}})).status, 401);
      const list = json<Array<{name: string; revokedAt: string | null}>>(
        await cli(['auth', 'keys', 'list', '--all', '--json']),
      );
      assert.ok(list.some((k) => k.name === `${ID}-v` && k.revokedAt));
      assert.ok(!JSON.stringify(list).includes(viewer.slice(-20)), 'the key itself is never listed');
    } finally {
      assert.equal((await stop(s)).code, 0);
    }
  });

  it('refuses URLs with credentials, other schemes, and private targets outside local contexts', async (t) => {
    if (skip) return t.skip(skip);
    const r1 = await cli([
      'webhooks',
      'add',
      'x1',
      '--url',
      'http://u:p@127.0.0.1:1/x',
      '--events',
      'alert.firing',
      '--secret-ref',
      'generated',
    ]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /credentials/);
    const r2 = await cli([
      'webhooks',
      'add',
      'x2',
      '--url',
      'file:///etc/passwd',
      '--events',
      'alert.firing',
      '--secret-ref',
      'generated',
    ]);
    assert.equal(r2.code, 2);
    const r3 = await cli([
      'webhooks',
      'add',
      'x3',
      '--url',
      `${plainUrl}/x`,
      '--events',
      'alert.firing',
      '--secret-ref',
      'plain-secret-value-that-is-long',
    ]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /reference/);
    // a context that is not local: loopback and private receivers are refused (names resolved too)
    const remote = tempConfig(
      [
        'current-context: prod',
        'contexts:',
        '  prod:',
        '    connect: {url: "http://connect.example.invalid:8083"}',
        `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${SCHEMA}}`,
        '    audit: optional',
        '',
      ].join('\n'),
    );
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost:9/x',
      'http://10.1.2.3/x',
      'http://[::1]:9/x',
      'http://169.254.169.254/latest',
    ]) {
      const r = await runCli(
        ['webhooks', 'add', 'ssrf', '--url', url, '--events', 'alert.firing', '--secret-ref', 'generated'],
        {env: {...remote.env, CDC_PG_PASSWORD: PG.password}},
      );
      assert.equal(r.code, 2, `${url}: ${r.stderr}`);
      assert.match(r.stderr, /non-public address/);
    }
  });
});
