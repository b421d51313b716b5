import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {buildDashboard} from '../../examples/grafana/generate.js';
import {createLogger} from '../../src/log.js';
import {formatAge} from '../../src/output/alerts.js';
import {sparkline} from '../../src/output/chart.js';
import type {RunContext} from '../../src/runtime.js';
import {buildSilence, isLocalContext} from '../../src/services/alerts/alerts.js';
import {formatMatcher, parseMatcher, parseMatchers} from '../../src/services/alerts/matchers.js';
import {BUILTIN_QUERIES} from '../../src/services/metrics/catalog.js';
import {rangeWindow, sumByStep} from '../../src/services/metrics/query.js';
import {repoRoot} from '../helpers.js';

const ctx = (config: RunContext['config'] = {}): RunContext => ({
  contextName: 't',
  config,
  log: createLogger({format: 'text', verbose: false}),
  userAgent: 'test',
  actor: 'ops@host',
});

describe('amtool matchers', () => {
  it('parses the four operators, quotes, and a bare alert name', () => {
    assert.deepEqual(parseMatcher('connector=~"pg-.*"'), {
      name: 'connector',
      value: 'pg-.*',
      isRegex: true,
      isEqual: true,
    });
    assert.deepEqual(parseMatcher('severity!=info'), {name: 'severity', value: 'info', isRegex: false, isEqual: false});
    assert.deepEqual(parseMatchers(['ConnectorDown', 'env!~"dev|test"']).map(formatMatcher), [
      'alertname="ConnectorDown"',
      'env!~"dev|test"',
    ]);
    assert.throws(() => parseMatcher('nope'), /bad matcher/);
    assert.throws(() => parseMatcher('a=~"("'), /bad regex/);
  });
});

describe('silences and test alerts', () => {
  it('needs a comment and an end after the start; the author is the actor', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const s = buildSilence(ctx(), {matchers: [parseMatcher('a=b')], durationMs: 7_200_000, comment: 'why'}, now);
    assert.deepEqual([s.createdBy, s.endsAt], ['ops@host', '2026-01-01T02:00:00.000Z']);
    assert.throws(() => buildSilence(ctx(), {matchers: [parseMatcher('a=b')], comment: ' '}, now), /comment/);
    assert.throws(() => buildSilence(ctx(), {matchers: [], comment: 'x'}, now), /matcher/);
  });
  it('local means a loopback Alertmanager unless the context says otherwise', () => {
    assert.equal(isLocalContext(ctx({alertmanager: {url: 'http://127.0.0.1:9093'}})), true);
    assert.equal(isLocalContext(ctx({alertmanager: {url: 'https://am.prod:9093'}})), false);
    assert.equal(isLocalContext(ctx({alertmanager: {url: 'https://am.prod:9093'}, alerts: {local: true}})), true);
  });
  it('formats ages', () => {
    assert.deepEqual([formatAge(5), formatAge(125), formatAge(3700), formatAge(90_000)], ['5s', '2m', '1h1m', '1d1h']);
  });
});

describe('metrics', () => {
  it('builds windows with a default step of about 60 points', () => {
    assert.deepEqual(rangeWindow({since: '1h'}, 10_000), {start: 6400, end: 10_000, step: 60});
    assert.deepEqual(rangeWindow({start: '100', end: '400', step: '1m'}), {start: 100, end: 400, step: 60});
    assert.equal(rangeWindow({since: '2d', end: '200000'}).start, 200_000 - 172_800);
    assert.throws(() => rangeWindow({start: '10', end: '5'}), /before/);
    assert.throws(() => rangeWindow({since: '30d', step: '1s'}), /too many points/);
  });
  it('sums series per step and draws sparklines', () => {
    const w = {start: 0, end: 20, step: 10};
    const r = {
      query: 'x',
      start: '',
      end: '',
      step: 10,
      warnings: [],
      series: [
        {
          labels: {a: '1'},
          values: [
            [0, 1],
            [10, 2],
          ] as Array<[number, number]>,
        },
        {
          labels: {a: '2'},
          values: [
            [10, 3],
            [20, 4],
          ] as Array<[number, number]>,
        },
      ],
    };
    assert.deepEqual(sumByStep(r, w), [1, 5, 4]);
    assert.deepEqual(sumByStep({...r, series: [{labels: {}, values: [[10, Number.NaN]]}]}, w), [null, null, null]);
    assert.equal(sparkline([0, 7, Number.NaN, 3.5]), '▁█ ▅');
    assert.equal(sparkline([0, null, 7]), '▁ █');
  });
  it('the committed Grafana dashboard is generated from the catalog', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'examples/grafana/cdc-overview.json'), 'utf8'));
    assert.deepEqual(committed, buildDashboard());
    const exprs = (committed.panels as Array<{targets: Array<{expr: string}>}>).map((p) => p.targets[0]?.expr);
    assert.deepEqual(
      exprs,
      Object.values(BUILTIN_QUERIES).map((q) => q.query),
    );
  });
});
