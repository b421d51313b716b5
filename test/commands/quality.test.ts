import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {json, runCli, tempConfig, tempDir} from '../helpers.js';

/**
 * The quality bar at 3 a.m.: malformed flags say what was wrong and exit 2 (never 1), destructive
 * commands refuse without --yes when there is no terminal, and bad input never reaches a system.
 * Every endpoint here is unreachable (port 9): the checks must fail before anything is contacted.
 */
const {env} = tempConfig(
  [
    'current-context: down',
    'contexts:',
    '  down:',
    '    connect: {url: "http://127.0.0.1:9"}',
    '    schemaRegistry: {url: "http://127.0.0.1:9"}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:9/target", password: "x"}',
    '    cassandra: {contactPoints: ["127.0.0.1:9"], localDataCenter: datacenter1}',
    '    reconcile:',
    '      tables: [{cassandra: demo.accounts, postgres: demo.accounts, key: [id]}]',
    '',
  ].join('\n'),
);
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');

describe('malformed flags → exit 2 with the reason', () => {
  it('keeps the reason of a rejected flag value', async () => {
    const r = await runCli(['audit', 'list', '--limit', '-5'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: --limit: Expected an integer greater than or equal to 1 but received: -5$/m);
    noStack(r.stderr);
    const j = await runCli(['audit', 'list', '--limit', '-5', '--json'], {env});
    assert.match(json<{error: {message: string}}>(j).error.message, /--limit: Expected an integer/);
  });

  it('names a missing required flag', async () => {
    const r = await runCli(['dlq', 'purge'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: Missing required flag before$/m);
  });

  it('keeps a cdcctl flag parser error on one line', async () => {
    const r = await runCli(['reconcile', '--min-age', 'banana'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: --min-age: invalid duration "banana"$/m);
    assert.doesNotMatch(r.stderr, /See more help/);
  });

  it('rejects out-of-range numbers that used to crash or give wrong answers', async () => {
    for (const args of [
      ['reconcile', 'history', '--limit', '-2'], // was exit 1: LIMIT must not be negative
      ['reconcile', 'show', 'rc-x', '--limit', '-1'],
      ['reconcile', '--workers', '1000'], // was: out of memory
      ['reconcile', '--splits', '0'], // was: nothing scanned, "100% drift, re-snapshot"
      ['reconcile', '--fetch-size', '-1'],
      ['reconcile', '--rate-limit', '-5'],
      ['reconcile', 'seed', '--rows', '-5', '--yes'], // was: "Loaded -5 rows", exit 0
      ['reconcile', 'seed', '--drift', 'banana', '--yes'], // was: silently no drift
      ['reconcile', 'seed', '--drift', '2', '--yes'],
    ]) {
      const r = await runCli(args, {env});
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      noStack(r.stderr);
    }
  });

  it('rejects an unknown erasure state instead of listing nothing', async () => {
    const r = await runCli(['gdpr', 'list', '--state', 'banana'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Expected --state=banana to be one of: requested, /);
  });
});

describe('destructive commands without a terminal', () => {
  it('reconcile seed refuses without --yes: it empties the PostgreSQL table', async () => {
    const r = await runCli(['reconcile', 'seed'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing to replace every row of PostgreSQL demo\.accounts/);
  });
});

describe('bad input never reaches a system', () => {
  it('refuses a name that would climb to another resource ("..")', async () => {
    for (const args of [
      ['connectors', 'config', 'get', '..'],
      ['connectors', 'tasks', 'list', '.'],
      ['schemas', 'versions', '..'],
    ]) {
      const r = await runCli([...args, '--timeout', '1s'], {env});
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /invalid (name|subject)/);
    }
  });

  it('CDCCTL_CONFIG naming a directory is a configuration error, not a bug', async () => {
    const r = await runCli(['connectors', 'list'], {env: {CDCCTL_CONFIG: tempDir()}});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot read the configuration file .* \(EISDIR\)/);
  });
});

describe('error output for machines', () => {
  it('--json errors are scrubbed of resolved secrets, as the text form is', async () => {
    const {env: secretEnv} = tempConfig(
      [
        'current-context: s',
        'contexts:',
        '  s:',
        '    postgres: {url: "postgres://cdc@127.0.0.1:9/${env:QA_DB}", password: "x"}',
        '',
      ].join('\n'),
    );
    const e = {...secretEnv, QA_DB: 'TopSecretDb1'};
    const text = await runCli(['store', 'status', '--timeout', '1s'], {env: e});
    assert.equal(text.code, 4, text.stderr);
    assert.ok(!text.stderr.includes('TopSecretDb1'), text.stderr);
    const j = await runCli(['store', 'status', '--timeout', '1s', '--json'], {env: e});
    assert.equal(j.code, 4, j.stderr);
    assert.equal(json<{error: {exitCode: number}}>(j).error.exitCode, 4);
    assert.ok(!j.stdout.includes('TopSecretDb1'), j.stdout);
  });

  it('--log-format json writes the error as a JSON line on stderr', async () => {
    const r = await runCli(['connectors', 'list', '--timeout', '1s', '--log-format', 'json'], {env});
    assert.equal(r.code, 4, r.stderr);
    const lines = r.stderr.trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '') as {level: string; code: string; exitCode: number; message: string};
    assert.equal(last.level, 'error');
    assert.equal(last.code, 'UNREACHABLE');
    assert.equal(last.exitCode, 4);
    assert.match(last.message, /Kafka Connect at http:\/\/127\.0\.0\.1:9 is unreachable/);
  });
});
