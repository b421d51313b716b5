import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {json, repoRoot, runCli, tempConfig} from '../helpers.js';

/**
 * Exit codes at the edges: numbers and durations too large for what they feed (a SQL bigint, a
 * timer, a Date) are usage errors (exit 2) before anything is contacted — every endpoint here is
 * unreachable (port 9) — and a check that fails early is a one-line error, not a crash.
 */
const {env} = tempConfig(
  [
    'current-context: down',
    'contexts:',
    '  down:',
    '    connect: {url: "http://127.0.0.1:9"}',
    '    prometheus: {url: "http://127.0.0.1:9"}',
    '    alertmanager: {url: "http://127.0.0.1:9"}',
    '    kafka: {brokers: ["127.0.0.1:9"]}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:9/target", password: "x"}',
    '',
  ].join('\n'),
);
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
const HUGE = '99999999999999999999';

describe('values too large for what they feed → exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['audit', 'list', '--limit', HUGE], /--limit: Expected an integer less than or equal to 9007199254740991/],
    [['reconcile', 'history', '--limit', HUGE], /--limit: Expected an integer less than or equal to/],
    [['dlq', 'list', '--offset', HUGE], /--offset: Expected an integer less than or equal to/],
    [['events', 'tail', 'x', '--max', HUGE], /--max: Expected an integer less than or equal to/],
    [['connectors', 'list', '--timeout', '99999999999h'], /--timeout: duration "99999999999h" is too long/],
    [['connectors', 'list', '--timeout', '597h'], /--timeout: duration "597h" is too long/], // > 24.8 days: setTimeout fires at once
    [['connectors', 'pause', 'x', '--wait', '--wait-timeout', '99999999999h'], /duration "99999999999h" is too long/],
    [['dlq', 'list', '--since', '99999999999d'], /duration "99999999999d" is too long/],
    [['dlq', 'list', '--since', '3000000d'], /--since 3000000d is out of range: dates run from year 1 to 9999/],
    [['dlq', 'list', '--until', '99999999999999999999h'], /duration "99999999999999999999h" is too long/],
    [['audit', 'list', '--since', '99999999999d'], /duration "99999999999d" is too long/],
    [['metrics', 'query', 'up', '--time', '99999999999999999'], /time 99999999999999999 is out of range/],
    [['metrics', 'range', 'up', '--since', '99999999999d'], /duration "99999999999d" is too long/],
    [['alerts', 'silence', 'add', 'a=b', '-c', 'x', '--duration', '99999999999h'], /too long/],
    [['alerts', 'fire', '--duration', '80000000h', '--yes'], /the end of the alert \(--duration\) is out of range/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await runCli(args, {env});
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^Error: /m);
      noStack(r.stderr);
    });
  }

  it('every integer flag is bounded: commands use integerFlag, never oclif’s unbounded Flags.integer', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, {withFileTypes: true})) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          p.endsWith('.ts') &&
          /Flags\.integer\(/.test(readFileSync(p, 'utf8')) &&
          !p.endsWith('src/cli/flags/common.ts')
        )
          offenders.push(p);
      }
    };
    walk(join(repoRoot, 'src'));
    assert.deepEqual(offenders, []);
  });
});

describe('a check that fails early', () => {
  it('pipeline status with a password reference that does not resolve: one line naming the key, exit 2', async () => {
    const unresolved = tempConfig(
      [
        'current-context: c',
        'contexts:',
        '  c:',
        '    connect: {url: "http://127.0.0.1:9"}',
        '    postgres: {url: "postgres://cdc@127.0.0.1:9/target", password: "${env:CDCCTL_TEST_NO_SUCH_VAR}"}',
        '',
      ].join('\n'),
    );
    const r = await runCli(['pipeline', 'status'], {env: unresolved.env});
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^Error: contexts\.c\.postgres\.password: the environment variable CDCCTL_TEST_NO_SUCH_VAR is not set$/m,
    );
    noStack(r.stderr);
    const j = await runCli(['pipeline', 'status', '--json'], {env: unresolved.env});
    assert.equal(j.code, 2);
    assert.equal(json<{error: {code: string}}>(j).error.code, 'CONFIG');
  });
});
