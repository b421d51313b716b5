import assert from 'node:assert/strict';
import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {eventually, json, runCli, tempConfig, tempDir} from '../helpers.js';

/**
 * Deterministic range queries: history written with `promtool tsdb create-blocks-from openmetrics`
 * into a TSDB this test owns, served by a private Prometheus on a free loopback port (the shared
 * Prometheus is never restarted), stopped at the end.
 */
function which(bin: string): boolean {
  try {
    execFileSync('which', [bin], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}
const skip =
  which('promtool') && which('prometheus')
    ? undefined
    : 'promtool/prometheus not installed (stack.sh fetch installs them)';
if (skip && process.env.CI) throw new Error(skip);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as {port: number}).port;
      srv.close(() => resolve(port));
    });
  });
}

const T0 = 1_700_000_000;
let prom: ChildProcess | undefined;
let promUrl = '';
let env: Record<string, string> = {};

describe('metrics over a fixed history (private Prometheus)', {skip}, () => {
  before(async () => {
    const dir = tempDir('cdcctl-prom-');
    const lines = ['# HELP cdc_fixed Fixed test series', '# TYPE cdc_fixed gauge'];
    for (let i = 0; i < 60; i++) lines.push(`cdc_fixed{connector="src"} ${i * 2} ${T0 + i * 60}`);
    for (let i = 0; i < 60; i++) lines.push(`cdc_fixed{connector="sink"} ${i} ${T0 + i * 60}`);
    lines.push('# EOF');
    writeFileSync(join(dir, 'fixed.om'), `${lines.join('\n')}\n`);
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'fixed.om'), join(dir, 'data')], {
      stdio: 'pipe',
    });
    writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 1m}\n');
    const port = await freePort();
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--storage.tsdb.retention.time=100y',
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      {stdio: 'ignore'},
    );
    promUrl = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${promUrl}/-/ready`)).ok, 20_000);
    env = tempConfig(
      [
        'current-context: hist',
        'contexts:',
        '  hist:',
        `    prometheus: {url: "http://127.0.0.1:${port}"}`,
        '    metrics:',
        '      queries:',
        '        src-growth: {query: "sum(delta(cdc_fixed{connector=\\"src\\"}[10m]))", unit: rows, description: "test entry"}',
        '',
      ].join('\n'),
    ).env;
  });
  after(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom?.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
  });

  it('range query returns the exact history (json, csv, table)', async () => {
    const args = [
      'metrics',
      'range',
      'cdc_fixed{connector="src"}',
      '--start',
      String(T0),
      '--end',
      String(T0 + 300),
      '--step',
      '60s',
    ];
    let r = await runCli([...args, '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const data = json<{series: Array<{labels: Record<string, string>; values: Array<[number, number]>}>}>(r);
    assert.equal(data.series.length, 1);
    assert.deepEqual(
      data.series[0]?.values,
      [0, 1, 2, 3, 4, 5].map((i) => [T0 + i * 60, i * 2]),
    );
    r = await runCli([...args, '-o', 'csv'], {env});
    assert.equal(r.code, 0, r.stderr);
    const csv = r.stdout.trim().split('\n');
    assert.equal(csv[0], 'time,"cdc_fixed{connector=""src""}"');
    assert.equal(csv[1], '2023-11-14T22:13:20.000Z,0');
    assert.equal(csv[6], '2023-11-14T22:18:20.000Z,10');
    r = await runCli([...args, '-o', 'chart'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /min 0 {2}max 10 {2}last 10/);
  });

  it('instant query at a fixed time, two series', async () => {
    const r = await runCli(['metrics', 'query', 'cdc_fixed', '--time', String(T0 + 3540), '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const got = json<{series: Array<{labels: Record<string, string>; value: number}>}>(r)
      .series.map((s) => [s.labels.connector, s.value])
      .sort();
    assert.deepEqual(got, [
      ['sink', 59],
      ['src', 118],
    ]);
  });

  it('named query from the context catalog, and bad PromQL exits 2', async () => {
    let r = await runCli(['metrics', 'list', '--json'], {env});
    const names = json<Array<{name: string; source: string}>>(r).map((e) => `${e.name}:${e.source}`);
    assert.ok(names.includes('src-growth:config') && names.includes('latency-p95:built-in'), names.join(' '));
    r = await runCli(
      [
        'metrics',
        'show',
        'src-growth',
        '--start',
        String(T0 + 600),
        '--end',
        String(T0 + 1200),
        '--step',
        '5m',
        '--json',
      ],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const m = json<{
      current: {series: Array<{value: number}>};
      range: {series: Array<{values: Array<[number, number]>}>};
    }>(r);
    // delta over 10 minutes of a gauge growing 2 per minute (extrapolated by Prometheus): 20
    assert.equal(m.current.series[0]?.value, 20);
    assert.deepEqual(
      m.range.series[0]?.values.map(([, v]) => v),
      [20, 20, 20],
    );
    r = await runCli(['metrics', 'query', 'sum(cdc_fixed'], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /parse error/);
    r = await runCli(['metrics', 'show', 'nope'], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Known: /);
  });

  it('NaN and ±Inf keep the string form Prometheus answers with (query and range --json)', async () => {
    // 0/0, 2/0, -2/0 … at T0, T0+60, T0+120 (the src series is 0, 2, 4 there)
    const promql = '(cdc_fixed{connector="src"} / 0) or (-cdc_fixed{connector="sink"} / 0)';
    const raw = async (path: string, params: Record<string, string>) => {
      const res = await fetch(`${promUrl}/api/v1/${path}?${new URLSearchParams({query: promql, ...params})}`);
      const body = (await res.json()) as {
        data: {result: Array<{metric: {connector: string}; value?: unknown; values?: unknown}>};
      };
      return Object.fromEntries(body.data.result.map((s) => [s.metric.connector, s.value ?? s.values]));
    };
    let r = await runCli(['metrics', 'query', promql, '--time', String(T0 + 60), '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const instant = json<{series: Array<{labels: {connector: string}; value: unknown}>}>(r);
    const expectedNow = await raw('query', {time: String(T0 + 60)});
    assert.deepEqual(
      Object.fromEntries(instant.series.map((s) => [s.labels.connector, s.value])),
      Object.fromEntries(Object.entries(expectedNow).map(([k, v]) => [k, (v as [number, string])[1]])),
    );
    assert.deepEqual(instant.series.map((s) => s.value).sort(), ['+Inf', '-Inf']);
    const window = {start: String(T0), end: String(T0 + 120), step: '60'};
    r = await runCli(
      ['metrics', 'range', promql, '--start', window.start, '--end', window.end, '--step', '60s', '--json'],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const range = json<{series: Array<{labels: {connector: string}; values: Array<[number, unknown]>}>}>(r);
    const expected = await raw('query_range', window);
    assert.deepEqual(
      Object.fromEntries(range.series.map((s) => [s.labels.connector, s.values])),
      expected,
      'every value as Prometheus wrote it: NaN, +Inf, -Inf as strings, finite values as numbers',
    );
    assert.deepEqual(
      range.series.find((s) => s.labels.connector === 'src')?.values.map(([, v]) => v),
      ['NaN', '+Inf', '+Inf'],
    );
    r = await runCli(
      ['metrics', 'range', promql, '--start', window.start, '--end', window.end, '--step', '60s', '-o', 'csv'],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const cells = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .flatMap((line) => line.split(',').slice(1));
    assert.deepEqual([...new Set(cells)].sort(), ['+Inf', '-Inf', 'NaN'], 'csv writes them as Prometheus does too');
  });

  it('dashboard: exit 5 when some panels failed, the failure itself when all did', async () => {
    const withBroken = tempConfig(
      [
        'current-context: hist',
        'contexts:',
        '  hist:',
        `    prometheus: {url: "${promUrl}"}`,
        '    metrics: {queries: {broken: {query: "sum((", description: "a bad query"}}}',
        '',
      ].join('\n'),
    ).env;
    let r = await runCli(['metrics', 'dashboard', '--json'], {env: withBroken});
    assert.equal(r.code, 5, r.stderr);
    const d = json<{failed: number; rows: Array<{name: string; error?: string; errorCode?: string; trend: unknown[]}>}>(
      r,
    );
    assert.equal(d.failed, 1);
    const broken = d.rows.find((row) => row.name === 'broken');
    assert.match(broken?.error ?? '', /parse error/);
    assert.equal(broken?.errorCode, 'PROMQL_BAD_DATA');
    assert.ok(
      d.rows.filter((row) => !row.error).every((row) => row.trend.every((v) => v === null || typeof v === 'number')),
      'a step without data is null in the trend',
    );
    r = await runCli(['metrics', 'dashboard'], {env});
    assert.equal(r.code, 0, r.stderr);
    const dead = tempConfig(
      ['current-context: d', 'contexts:', '  d:', '    prometheus: {url: "http://127.0.0.1:9"}', ''].join('\n'),
    ).env;
    r = await runCli(['metrics', 'dashboard'], {env: dead});
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      // Prometheus down is the whole screen's failure, said once (not once per panel)
      /^Error: Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable/,
    );
    r = await runCli(['metrics', 'dashboard', '--json'], {env: dead});
    assert.equal(r.code, 4);
    assert.equal(json<{error: {exitCode: number}}>(r).error.exitCode, 4);
  });
});
