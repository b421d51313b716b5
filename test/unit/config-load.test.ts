import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, it} from 'node:test';
import {selectContext} from '../../src/config/context.js';
import {loadConfig} from '../../src/config/load.js';
import {parseConfigFile} from '../../src/config/validate.js';
import {ConfigError} from '../../src/errors.js';
import {tempDir} from '../helpers.js';

const saved = {...process.env};
afterEach(() => {
  process.env = {...saved};
});

describe('configuration loading', () => {
  it('validates with zod and names the file, key path and expectation', () => {
    assert.throws(
      () => parseConfigFile('/x/config.yaml', 'contexts:\n  prod:\n    connect: {url: "not a url"}\n'),
      (err: unknown) =>
        err instanceof ConfigError && /\/x\/config\.yaml: contexts\.prod\.connect\.url: .*URL/.test(err.message),
    );
    assert.throws(
      () => parseConfigFile('/x/c.yaml', 'contexts:\n  prod:\n    conect: {url: "http://a"}\n'),
      /contexts\.prod: unknown key\(s\) conect/,
    );
  });

  it('refuses two reconcile table pairs under one name (results, metrics and locks go by name)', () => {
    const yaml = [
      'contexts:',
      '  prod:',
      '    reconcile:',
      '      tables:',
      '        - {name: t1, cassandra: ks.a, postgres: public.a, key: [id]}',
      '        - {cassandra: ks.t1, postgres: public.b, key: [id]}',
      '        - {name: t1, cassandra: ks.c, postgres: public.c, key: [id]}',
      '',
    ].join('\n');
    assert.throws(
      () => parseConfigFile('/x/c.yaml', yaml),
      /contexts\.prod\.reconcile\.tables\.2\.name: a second table pair named t1/,
    );
  });

  it('refuses every malformed or unknown secret reference, in any string, naming the key path', () => {
    const issues = (yaml: string) => {
      try {
        parseConfigFile('/x/c.yaml', yaml);
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return ((err.details?.issues as Array<{path: string; message: string}> | undefined) ?? []).map(
          (i) => `${i.path}: ${i.message}`,
        );
      }
    };
    const found = issues(
      [
        'contexts:',
        '  prod:',
        '    connect: {url: "http://a", auth: {type: bearer, token: "${foo:bar}"}}',
        '    prometheus: {url: "http://p", headers: {X-Api-Key: "k-${vault:secret/cdc/prom#key}"}}',
        '    postgres: {url: "postgres://u@h/db", password: "${file:relative/pw}"}',
        '    kafka: {brokers: ["k:9092"], sasl: {mechanism: plain, username: "${env:}", password: "${Env:PW}"}}',
        '    cassandra: {contactPoints: ["c"], localDataCenter: dc, password: "${vault:secret/data/c}"}',
        '    metrics: {queries: {lag: {query: "sum(x)", description: "$${foo:literal} is fine"}}}',
        '',
      ].join('\n'),
    );
    assert.deepEqual(found, [
      'contexts.prod.connect.auth.token: unknown secret reference scheme "foo" in ${foo:…}: write ${env:NAME}, ${file:/absolute/path} or ${vault:<mount>/data/<path>#<key>} (or $${…} for a literal ${…})',
      'contexts.prod.prometheus.headers.X-Api-Key: ${vault:secret/cdc/prom#key} is not a KV v2 API path (did you mean secret/data/cdc/prom?): write ${vault:<mount>/data/<path>#<key>}, e.g. ${vault:secret/data/cdc/postgres#password}',
      'contexts.prod.postgres.password: ${file:relative/pw} must name an absolute path',
      'contexts.prod.kafka.sasl.username: ${env:} must name an environment variable',
      'contexts.prod.kafka.sasl.password: unknown secret reference scheme "Env" in ${Env:…}: write ${env:NAME}, ${file:/absolute/path} or ${vault:<mount>/data/<path>#<key>} (or $${…} for a literal ${…})',
      'contexts.prod.cassandra.password: ${vault:secret/data/c} names no key: write ${vault:<mount>/data/<path>#<key>}, e.g. ${vault:secret/data/cdc/postgres#password}',
    ]);
    assert.deepEqual(
      issues('contexts:\n  ok:\n    postgres: {url: "postgres://u@h/db", password: "${vault:kv/data/pg#pw}"}\n'),
      [],
    );
    assert.deepEqual(
      issues('contexts:\n  v:\n    vault: {token: "${vault:kv/data/t#t}", tls: {ca: "${vault:kv/data/ca#path}"}}\n'),
      [
        'contexts.v.vault.token: an ${env:…} or ${file:…} reference: Vault cannot hold its own settings',
        'contexts.v.vault.tls.ca: an ${env:…} or ${file:…} reference: Vault cannot hold its own settings',
      ],
    );
  });

  it('refuses relative TLS files (they would depend on the working directory), naming the key path', () => {
    const yaml = [
      'contexts:',
      '  prod:',
      '    connect: {url: "https://a", tls: {ca: "certs/ca.pem", cert: "/abs/c.pem", key: "${env:KEY_PATH}"}}',
      '    kafka: {brokers: ["k:9092"], ssl: {ca: "ca.pem"}}',
      '    vault: {address: "https://vault:8200", tls: {ca: "~/vault-ca.pem"}}',
      '',
    ].join('\n');
    assert.throws(
      () => parseConfigFile('/x/c.yaml', yaml),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^\/x\/c\.yaml: contexts\.prod\.connect\.tls\.ca: an absolute path/);
        const paths = ((err.details?.issues as Array<{path: string}> | undefined) ?? []).map((i) => i.path);
        assert.deepEqual(paths, [
          'contexts.prod.connect.tls.ca',
          'contexts.prod.kafka.ssl.ca',
          'contexts.prod.vault.tls.ca',
        ]);
        return true;
      },
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    assert.throws(() => parseConfigFile('/x/c.yaml', 'contexts:\n  a: [\n'), /\/x\/c\.yaml:\d+:\d+: invalid YAML/);
  });

  it('merges the user file over a project file found by cosmiconfig', async () => {
    const xdg = tempDir();
    const project = tempDir();
    process.env.XDG_CONFIG_HOME = xdg;
    delete process.env.CDCCTL_CONFIG;
    const {mkdirSync} = await import('node:fs');
    mkdirSync(join(xdg, 'cdcctl'));
    writeFileSync(
      join(xdg, 'cdcctl', 'config.yaml'),
      'current-context: mine\ncontexts:\n  mine: {connect: {url: "http://user:8083"}}\n  shared: {connect: {url: "http://user-wins:8083"}}\n',
    );
    writeFileSync(join(project, 'package.json'), '{"name":"p"}');
    writeFileSync(
      join(project, '.cdcctlrc.yaml'),
      'current-context: shared\ncontexts:\n  shared: {connect: {url: "http://project:8083"}}\n  team: {connect: {url: "http://team:8083"}}\n',
    );
    const config = await loadConfig(project);
    assert.equal(config.currentContext, 'mine');
    assert.deepEqual([...config.contexts.keys()].sort(), ['mine', 'shared', 'team']);
    assert.equal(config.contexts.get('shared')?.config.connect?.url, 'http://user-wins:8083');
    assert.equal(config.contexts.get('team')?.source, join(project, '.cdcctlrc.yaml'));
  });

  it('falls back to a built-in local context when no file exists', async () => {
    process.env.XDG_CONFIG_HOME = tempDir();
    delete process.env.CDCCTL_CONFIG;
    const config = await loadConfig(tempDir());
    assert.equal(selectContext(config).name, 'local');
    assert.equal(config.contexts.get('local')?.source, 'built-in');
  });

  it('refuses an unknown context and lists the known ones', async () => {
    process.env.XDG_CONFIG_HOME = tempDir();
    const config = await loadConfig(tempDir());
    assert.throws(
      () => selectContext(config, 'prod'),
      (err: unknown) =>
        err instanceof ConfigError && err.exitCode === 2 && /Known contexts: local/.test(err.hint ?? ''),
    );
  });
});
