import assert from 'node:assert/strict';
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {json, runCli, tempConfig, tempDir} from '../helpers.js';

/** The config topic and the bad-input contract, through the built binary as a user runs it. */

describe('cdcctl config', () => {
  it('creates, lists, switches, shows (redacted) and deletes contexts', async () => {
    const {path, env} = tempConfig('# my contexts\n');
    let r = await runCli(
      [
        'config',
        'set-context',
        'dev',
        '--connect-url',
        'http://127.0.0.1:8083',
        '--kafka-brokers',
        '127.0.0.1:9092',
        '--postgres-url',
        'postgres://cdc@127.0.0.1:5433/target',
        '--postgres-password',
        '${env:DEV_PG}',
      ],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(
      [
        'config',
        'set-context',
        'prod',
        '--connect-url',
        'https://connect.prod:8083',
        '--set',
        'connect.auth.type=basic',
        '--set',
        'connect.auth.username=ops',
        '--set',
        'connect.auth.password=plain-pass-123',
      ],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Created context "prod"/);
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the config file may hold credentials');
    assert.match(readFileSync(path, 'utf8'), /# my contexts/, 'comments are kept');

    r = await runCli(['config', 'get-contexts', '--json'], {env});
    const contexts = json<Array<{name: string; current: boolean}>>(r);
    assert.deepEqual(
      contexts.map((c) => [c.name, c.current]),
      [
        ['dev', true],
        ['prod', false],
      ],
    );

    r = await runCli(['config', 'use-context', 'prod'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['config', 'current-context'], {env});
    assert.equal(r.stdout.trim(), 'prod');
    r = await runCli(['config', 'current-context'], {env: {...env, CDCCTL_CONTEXT: 'dev'}});
    assert.equal(r.stdout.trim(), 'dev', 'CDCCTL_CONTEXT overrides current-context');

    r = await runCli(['config', 'view'], {env});
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.includes('plain-pass-123'), 'literal secrets are redacted');
    assert.match(r.stdout, /password: "?\*{8}"?/);
    assert.match(r.stdout, /\$\{env:DEV_PG\}/, 'references are shown as written');

    r = await runCli(['config', 'delete-context', 'prod'], {env});
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['config', 'get-contexts', '-o', 'json'], {env});
    assert.deepEqual(
      json<Array<{name: string}>>(r).map((c) => c.name),
      ['dev'],
    );
  });

  it('validate: exit 0 when every reference resolves, 2 naming the missing variable otherwise', async () => {
    const {env} = tempConfig(
      'current-context: a\ncontexts:\n  a:\n    postgres: {url: "postgres://x@h/db", password: "${env:CDCCTL_T_PW}"}\n',
    );
    let r = await runCli(['config', 'validate'], {env: {...env, CDCCTL_T_PW: 'the-secret-value'}});
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('the-secret-value'));
    r = await runCli(['config', 'validate', '--json'], {env});
    assert.equal(r.code, 2);
    const report = json<{valid: boolean; issues: Array<{path: string; message: string}>}>(r);
    assert.equal(report.valid, false);
    assert.equal(report.issues[0]?.path, 'contexts.a.postgres.password');
    assert.match(report.issues[0]?.message ?? '', /CDCCTL_T_PW is not set/);
  });

  it('validate lists every schema problem with its key path', async () => {
    const {path, env} = tempConfig('contexts:\n  a:\n    connect: {url: ftp://x}\n    kafka: {brokers: []}\n');
    const r = await runCli(['config', 'validate', '--json'], {env});
    assert.equal(r.code, 2);
    const report = json<{issues: Array<{file: string; path: string}>}>(r);
    assert.deepEqual(report.issues.map((i) => i.path).sort(), ['contexts.a.connect.url', 'contexts.a.kafka.brokers']);
    assert.ok(report.issues.every((i) => i.file === path));
  });
});

describe('project configuration', () => {
  it('finds a .cdcctlrc.yaml from the working directory up (cosmiconfig, module cdcctl)', async () => {
    const dir = tempDir('cdcctl-project-');
    writeFileSync(
      join(dir, '.cdcctlrc.yaml'),
      'current-context: proj\ncontexts:\n  proj: {connect: {url: "http://127.0.0.1:8083"}}\n',
    );
    const sub = join(dir, 'a', 'b');
    mkdirSync(sub, {recursive: true});
    const r = await runCli(['config', 'current-context'], {cwd: sub});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'proj');
  });
});

describe('validated-configuration cache', () => {
  it('validates a changed file, skips an unchanged one, keeps only a marker, and reads the same either way', async () => {
    const cache = tempDir('cdcctl-cache-test-');
    const yaml = [
      'current-context: a',
      'contexts:',
      '  a:',
      '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "literal-pw-4711"}',
      '    gdpr: {postgres: [{schema: public, table: customers, column: email}]}',
      '    connect: {url: "http://127.0.0.1:8083"}',
      '',
    ].join('\n');
    const {path, env: cfgEnv} = tempConfig(yaml);
    const env = {...cfgEnv, XDG_CACHE_HOME: cache};
    const markers = () => readdirSync(join(cache, 'cdcctl', 'valid-config'));
    const first = await runCli(['config', 'view', '--json'], {env});
    assert.equal(first.code, 0, first.stderr);
    assert.equal(markers().length, 1);
    const marker = join(cache, 'cdcctl', 'valid-config', markers()[0]!);
    assert.equal(readFileSync(marker, 'utf8'), '', 'a marker holds nothing of the configuration');
    const again = await runCli(['config', 'view', '--json'], {env});
    assert.equal(again.stdout, first.stdout, 'a skipped validation reads the same configuration');
    assert.equal(markers().length, 1);

    writeFileSync(path, yaml.replace('http://127.0.0.1:8083', 'not a url'));
    const changed = await runCli(['config', 'view', '--json'], {env});
    assert.equal(changed.code, 2, 'a changed file is validated again');
    assert.match(changed.stdout, /contexts\.a\.connect\.url/);
    assert.equal(markers().length, 1, 'an invalid file leaves no marker');
  });
});

describe('bad input', () => {
  it('malformed config → exit 2 naming the file and the key', async () => {
    const {path, env} = tempConfig('current-context: a\ncontexts:\n  a:\n    connect: {url: 8083}\n');
    const r = await runCli(['connectors', 'list'], {env});
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(path), r.stderr);
    assert.match(r.stderr, /contexts\.a\.connect\.url/);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace without --verbose');
  });

  it('invalid YAML → exit 2 with line and column', async () => {
    const {env} = tempConfig('contexts:\n  a: {connect: [\n');
    const r = await runCli(['connectors', 'list'], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config\.yaml:\d+:\d+: invalid YAML/);
  });

  it('unknown context → exit 2 listing the known ones', async () => {
    const {env} = tempConfig('contexts:\n  alpha: {}\n  beta: {}\n');
    const r = await runCli(['connectors', 'list', '--context', 'gamma'], {env});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown context "gamma"/);
    assert.match(r.stderr, /Known contexts: alpha, beta/);
    const j = await runCli(['connectors', 'list', '--context', 'gamma', '--json'], {env});
    assert.equal(j.code, 2);
    assert.deepEqual(json<{error: {details: {known: string[]}}}>(j).error.details.known, ['alpha', 'beta']);
  });

  it('never takes a missing argument from piped stdin (a `while read` loop keeps its input)', async () => {
    const {path, env} = tempConfig('current-context: alpha\ncontexts:\n  alpha: {}\n  beta: {}\n');
    const r = await runCli(['config', 'use-context'], {env, input: 'beta\n'});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Missing 1 required arg/);
    assert.match(readFileSync(path, 'utf8'), /current-context: alpha/);
  });

  it('a service down → exit 4 naming service and URL, within the configured timeout', async () => {
    const {env} = tempConfig('current-context: a\ncontexts:\n  a: {connect: {url: "http://127.0.0.1:9"}}\n');
    const r = await runCli(['connectors', 'list', '--timeout', '2s'], {env});
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /Kafka Connect at http:\/\/127\.0\.0\.1:9 is unreachable/);
    assert.match(r.stderr, /Hint: /);
    assert.ok(r.ms < 2000 + 3000, `took ${r.ms} ms`);
    const s = await runCli(['pipeline', 'status', '--json', '--timeout', '2s'], {env});
    assert.equal(s.code, 4);
    assert.equal(json<{verdict: string}>(s).verdict, 'down');
  });

  it('a secret reference to a missing variable → exit 2 naming it, the value never printed', async () => {
    const {env} = tempConfig(
      'current-context: a\ncontexts:\n  a:\n    connect:\n      url: "http://127.0.0.1:9"\n      auth: {type: bearer, token: "${env:CDCCTL_T_TOKEN}"}\n',
    );
    const r = await runCli(['connectors', 'list'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CDCCTL_T_TOKEN is not set/);
    // With the variable set, the token is used but never shown, even in the --verbose trace.
    const v = await runCli(['connectors', 'list', '--verbose', '--timeout', '1s'], {
      env: {...env, CDCCTL_T_TOKEN: 'tok-abcdef-123'},
    });
    assert.equal(v.code, 4);
    assert.ok(!`${v.stdout}${v.stderr}`.includes('tok-abcdef-123'));
  });

  it('unknown flags and bad flag values → exit 2 with a one-line error', async () => {
    let r = await runCli(['connectors', 'list', '--frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Error: Nonexistent flag: --frobnicate/m);
    r = await runCli(['connectors', 'list', '--timeout', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid duration "soon"/);
    r = await runCli(['connectors', 'list', '-o', 'xml']);
    assert.equal(r.code, 2);
  });

  it('--version and --help work without any configuration', async () => {
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^cdcctl\/\d+\.\d+\.\d+/);
    const h = await runCli(['pipeline', 'status', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /EXIT CODES/);
    assert.match(h.stdout, /EXAMPLES/);
  });
});
