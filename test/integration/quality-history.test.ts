import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {promisify} from 'node:util';
import kafkajs from 'kafkajs';
import {json, runCli} from '../helpers.js';
import {requireStack, sql, stackConfig} from './stack.js';

/**
 * Quality results over several runs on the real stack: change since the last run and anomaly against
 * the trailing runs, `quality history` sparklines, `quality report` in every format (the HTML page
 * opened in headless Chromium, screenshot taken), metrics on the Pushgateway, the failure alert in
 * Alertmanager, `quality rules [validate]`, and `quality validate` on change events in Kafka.
 */

const ID = `i25qh_${randomBytes(3).toString('hex')}`;
const OPS = `${ID}_ops`;
const TABLE = `${ID}.t`;
const TOPIC = `${ID}ev.${ID}.t`;
const SUBJECT = `${ID}.t-value`;
const REGISTRY = 'http://127.0.0.1:8080/apis/ccompat/v7';
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: ID});
const exec = promisify(execFile);

let cfg: {path: string; env: Record<string, string>};
let skip: string | undefined;

interface CheckOut {
  check: string;
  status: string;
  metric: number | null;
  reasons: string[];
  changePercent?: number;
}
const checksOf = (stdout: string) =>
  new Map(
    (JSON.parse(stdout) as {tables: Array<{checks: CheckOut[]}>}).tables
      .flatMap((t) => t.checks)
      .map((c) => [c.check, c]),
  );

const lines = [
  'quality:',
  '  tables:',
  `    - table: ${TABLE}`,
  '      checks:',
  '        - {type: row_count, change: {fail: 20}, anomaly: {warn: 3, fail: 6}}',
  '        - {type: pattern, column: email, format: email}',
  '        - {type: values_in_set, column: status, values: [active, closed]}',
  '        - {type: length, column: email, max: 40}',
];

/** Chromium as the brief prescribes: headless, no sandbox, nothing fetched, a fresh profile. */
async function chromium(args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'i25q-chromium-'));
  const {stdout} = await exec(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    {timeout: 90_000, maxBuffer: 64 * 1024 * 1024},
  );
  return stdout;
}

describe('quality: history, anomaly, reports, metrics, alerts, rules and event validation', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cfg = stackConfig(lines, {opsSchema: OPS});
    await sql(
      'target',
      `CREATE SCHEMA ${ID}; CREATE TABLE ${ID}.t (id int PRIMARY KEY, email text, status text);
       INSERT INTO ${ID}.t SELECT i, 'u' || i || '@example.org', 'active' FROM generate_series(1, 100) i`,
    );
  });
  after(async () => {
    if (skip) return;
    await fetch(`${REGISTRY}/subjects/${SUBJECT}`, {method: 'DELETE'}).catch(() => {});
    await fetch(`${REGISTRY}/subjects/${SUBJECT}?permanent=true`, {method: 'DELETE'}).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${ID} CASCADE; DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    for (const check of ['row_count', 'format_email', 'values_in_set_status', 'length_email'])
      await fetch(`http://127.0.0.1:9091/metrics/job/cdc_quality/table/${TABLE}/check/${check}`, {
        method: 'DELETE',
      }).catch(() => {});
    await fetch('http://127.0.0.1:9093/api/v2/alerts', {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify([
        {
          labels: {alertname: 'CdcQualityRunFailed', table: TABLE, severity: 'warning'},
          endsAt: new Date().toISOString(),
        },
      ]),
    }).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [TOPIC]}).catch(() => {});
    await admin.disconnect();
  });

  it('judges change since the last run and deviation from the trailing runs', async (t) => {
    if (skip) return t.skip(skip);
    const counts = [100, 101, 99, 100, 101];
    for (const [i, n] of counts.entries()) {
      await sql('target', `DELETE FROM ${ID}.t WHERE id > $1`, [n]);
      await sql(
        'target',
        `INSERT INTO ${ID}.t SELECT i, 'u' || i || '@example.org', 'active' FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`,
        [n],
      );
      const r = await runCli(['quality', 'run', '--json', '--no-alert', '--no-push'], {env: cfg.env});
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const rc = checksOf(r.stdout).get('row_count') as CheckOut;
      assert.equal(rc.metric, n);
      if (i === 0) assert.equal(rc.changePercent, undefined);
      else
        assert.equal(
          Math.round((rc.changePercent as number) * 100) / 100,
          Math.round(((n - (counts[i - 1] as number)) / (counts[i - 1] as number)) * 10000) / 100,
        );
      if (i < 3) assert.match(rc.reasons.join(' '), /at least 3 needed/);
    }
    // a jump: +98% since the last run, far outside the trailing runs' spread
    await sql(
      'target',
      `INSERT INTO ${ID}.t SELECT i, 'u' || i || '@example.org', 'active' FROM generate_series(102, 200) i`,
    );
    const r = await runCli(['quality', 'run', '--json', '--no-push'], {env: cfg.env});
    assert.equal(r.code, 3, r.stderr);
    const rc = checksOf(r.stdout).get('row_count') as CheckOut;
    assert.equal(rc.status, 'fail');
    assert.match(rc.reasons.join(' '), /changed 98\.02% since the last run \(101 → 200\), limit 20%/);
    assert.match(rc.reasons.join(' '), /anomaly, [0-9.]+σ from the last 5 runs/);
  });

  it('posts the failure alert to Alertmanager', async (t) => {
    if (skip) return t.skip(skip);
    const q = encodeURIComponent(`table="${TABLE}"`);
    const res = await fetch(
      `http://127.0.0.1:9093/api/v2/alerts?filter=alertname%3D%22CdcQualityRunFailed%22&filter=${q}`,
    );
    const alerts = (await res.json()) as Array<{annotations: Record<string, string>; status: {state: string}}>;
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]?.annotations.summary ?? '', /1 data-quality check\(s\) failing/);
    // a run of another, passing check of the table does not resolve it
    const r = await runCli(['quality', 'run', '--check', 'format_email', '--no-push'], {env: cfg.env});
    assert.equal(r.code, 0, r.stderr);
    const still = await fetch(
      `http://127.0.0.1:9093/api/v2/alerts?filter=alertname%3D%22CdcQualityRunFailed%22&filter=${q}`,
    );
    assert.equal(((await still.json()) as unknown[]).length, 1);
  });

  it('pushes cdc_quality_check_status and cdc_quality_metric to the Pushgateway', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `UPDATE ${ID}.t SET email = 'bad' WHERE id = 1`);
    const r = await runCli(
      ['quality', 'run', '--json', '--no-alert', '--check', 'row_count', '--check', 'format_email'],
      {
        env: cfg.env,
      },
    ).finally(() => sql('target', `UPDATE ${ID}.t SET email = 'u1@example.org' WHERE id = 1`));
    assert.equal(r.code, 3);
    const text = await (await fetch('http://127.0.0.1:9091/metrics')).text();
    const mine = text.split('\n').filter((l) => l.includes(`table="${TABLE}"`));
    const find = (name: string, label: string) =>
      mine
        .find((l) => l.startsWith(`${name}{`) && l.includes(label))
        ?.split(' ')
        .pop();
    // 200 → 200: no change, and within 3σ of the trailing runs (the jump is among them now)
    assert.equal(find('cdc_quality_check_status', 'check="row_count"'), '0');
    assert.equal(find('cdc_quality_check_status', 'check="format_email"'), '2');
    assert.equal(find('cdc_quality_metric', 'metric="row_count"'), '200');
  });

  it('quality history: a sparkline per check over the runs', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['quality', 'history', '--table', TABLE, '-o', 'wide'], {env: cfg.env});
    assert.equal(r.code, 0, r.stderr);
    const row = r.stdout.split('\n').find((l) => l.includes(' row_count ')) ?? '';
    // 100 101 99 100 101 200 200: low, low, lowest, low, low, top, top
    assert.match(row, / 7 +▁▁▁▁▁██ /);
    assert.match(row, / pppppfp$/);
    const j = json<{series: Array<{check: string; points: unknown[]}>; runs: unknown[]}>(
      await runCli(['quality', 'history', '--table', TABLE, '--check', 'row_count', '--json'], {env: cfg.env}),
    );
    assert.deepEqual(
      j.series.map((s) => [s.check, s.points.length]),
      [['row_count', 7]],
    );
  });

  it('quality report: csv and json', async (t) => {
    if (skip) return t.skip(skip);
    const csv = await runCli(['quality', 'report', '--format', 'csv', '--table', TABLE], {env: cfg.env});
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trim().split('\n');
    assert.equal(rows[0], 'run_id,checked_at,table,check,type,status,metric,reasons');
    // 6 full runs of 4 checks, 1 run of 1 (the alert test), 1 run of 2 (the metrics test)
    assert.equal(rows.length, 1 + 6 * 4 + 1 + 2);
    const rep = json<{series: unknown[]}>(await runCli(['quality', 'report', '--format', 'json'], {env: cfg.env}));
    assert.equal(rep.series.length, 4);
  });

  it('quality report --format html: a self-contained page that renders in headless Chromium', async (t) => {
    if (skip) return t.skip(skip);
    if (!existsSync('/usr/bin/chromium')) {
      if (process.env.CI) throw new Error('chromium is not installed (apt-get install chromium)');
      return t.skip('chromium is not installed');
    }
    const dir = mkdtempSync(join(tmpdir(), 'i25q-report-'));
    const page = join(dir, 'quality.html');
    const r = await runCli(['quality', 'report', '--format', 'html', '--out', page], {env: cfg.env});
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(page, 'utf8');
    // self-contained: nothing to fetch
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=|url\(/i);
    const dom = await chromium(['--dump-dom', `file://${page}`]);
    assert.equal((dom.match(/<div class="card"/g) ?? []).length, 4);
    assert.match(dom, new RegExp(`<h2>${TABLE}</h2>`));
    assert.equal((dom.match(/<polyline/g) ?? []).length, 4);
    assert.match(dom, /data-check="format_email" data-status="fail"/);
    assert.match(dom, /data-check="row_count" data-status="pass"/);
    const shot = join(dir, 'quality.png');
    await chromium(['--window-size=1280,1400', '--hide-scrollbars', `--screenshot=${shot}`, `file://${page}`]);
    const png = readFileSync(shot);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes`);
    process.stderr.write(`# quality report screenshot: ${shot}\n`);
  });

  it('quality rules and rules validate (context, -f file, problems)', async (t) => {
    if (skip) return t.skip(skip);
    const rules = json<Array<{name: string; checks: Array<{name: string}>}>>(
      await runCli(['quality', 'rules', '--json'], {env: cfg.env}),
    );
    assert.deepEqual(
      rules[0]?.checks.map((c) => c.name),
      ['row_count', 'format_email', 'values_in_set_status', 'length_email'],
    );
    const ok = await runCli(['quality', 'rules', 'validate'], {env: cfg.env});
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /1 table\(s\), 4 check\(s\): valid/);
    const dir = mkdtempSync(join(tmpdir(), 'i25q-rules-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `tables:\n  - table: ${TABLE}\n    checks:\n      - {type: missing, column: nope}\n      - {type: sql, query: "SELECT FROM WHERE"}\n`,
    );
    const r = await runCli(['quality', 'rules', 'validate', '-f', bad], {env: cfg.env});
    assert.equal(r.code, 2);
    assert.match(r.stdout, /no column nope/);
    assert.match(r.stdout, /query does not plan/);
    const shape = join(dir, 'shape.yaml');
    writeFileSync(
      shape,
      `tables:\n  - table: ${TABLE}\n    checks:\n      - {type: range, column: "x; DROP TABLE t"}\n`,
    );
    const s = await runCli(['quality', 'rules', 'validate', '-f', shape], {env: cfg.env});
    assert.equal(s.code, 2);
    assert.match(s.stderr, /tables\.0\.checks\.0\.column: an identifier/);
  });

  it("schema check against the registry subject's latest schema (a Debezium envelope)", async (t) => {
    if (skip) return t.skip(skip);
    const register = async (fields: string[]) => {
      const row = {
        type: 'record',
        name: 'Value',
        fields: fields.map((f) => ({name: f, type: ['null', 'string'], default: null})),
      };
      const envelope = {
        type: 'record',
        name: 'Envelope',
        fields: [
          {name: 'before', type: ['null', row], default: null},
          {name: 'after', type: ['null', 'Value'], default: null},
          {name: 'op', type: 'string'},
        ],
      };
      const res = await fetch(`${REGISTRY}/subjects/${SUBJECT}/versions`, {
        method: 'POST',
        headers: {'content-type': 'application/vnd.schemaregistry.v1+json'},
        body: JSON.stringify({schema: JSON.stringify(envelope)}),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const dir = mkdtempSync(join(tmpdir(), 'i25q-registry-'));
    const file = join(dir, 'checks.yaml');
    writeFileSync(file, `tables:\n  - table: ${TABLE}\n    checks:\n      - {type: schema, subject: ${SUBJECT}}\n`);
    const reg = stackConfig([...lines, `schemaRegistry: {url: "${REGISTRY}"}`], {opsSchema: OPS});
    const args = ['quality', 'run', '-f', file, '--json', '--no-push', '--no-alert', '--no-store'];
    await register(['id', 'email', 'status']);
    const ok = await runCli(args, {env: reg.env});
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    await register(['id', 'email', 'status', 'phone']);
    const bad = await runCli(args, {env: reg.env});
    assert.equal(bad.code, 3, bad.stderr);
    const c = checksOf(bad.stdout).get('schema') as CheckOut;
    assert.equal(c.metric, 1);
    assert.match(c.reasons.join(' '), /column phone is missing/);
    assert.match(c.reasons.join(' '), new RegExp(`${SUBJECT} v2`));
  });

  it('quality validate: violating change events, with partition and offset', async (t) => {
    if (skip) return t.skip(skip);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: TOPIC, numPartitions: 1}], waitForLeaders: true});
    await admin.disconnect();
    const ev = (id: number, after: Record<string, unknown> | null, op: string) => ({
      key: JSON.stringify({id}),
      value: JSON.stringify({before: null, after, op, source: {schema: ID, table: 't'}, ts_ms: Date.now()}),
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [
        ev(1, {id: 1, email: 'a@example.org', status: 'active'}, 'c'),
        ev(2, {id: 2, email: 'b@example.org', status: 'closed'}, 'c'),
        ev(3, {id: 3, email: 'not-an-email', status: 'active'}, 'c'),
        ev(4, {id: 4, email: 'd@example.org', status: 'frozen'}, 'u'),
        ev(2, null, 'd'),
      ],
    });
    await producer.disconnect();
    const r = await runCli(['quality', 'validate', '--topic', TOPIC, '--from-beginning', '--json'], {env: cfg.env});
    assert.equal(r.code, 3, r.stderr);
    const out = json<{
      scanned: number;
      judged: number;
      violations: Array<{offset: string; partition: number; check: string; value: unknown}>;
    }>(r);
    assert.equal(out.scanned, 5);
    assert.equal(out.judged, 4);
    assert.deepEqual(
      out.violations.map((v) => [v.partition, v.offset, v.check, v.value]),
      [
        [0, '2', 'format_email', 'not-an-email'],
        [0, '3', 'values_in_set_status', 'frozen'],
      ],
    );
    const good = await runCli(['quality', 'validate', '--topic', TOPIC, '--from-beginning', '--max-events', '2'], {
      env: cfg.env,
    });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /2 event\(s\) checked, 0 violation\(s\)/);
  });
});
