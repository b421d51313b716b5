import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {type FakeVault, startFakeVault} from '../fake-vault.js';
import {type CliResult, json, runCli, scriptedServer, tempConfig} from '../helpers.js';
import {requireStack} from './stack.js';

/**
 * `${vault:…}` references end to end, the way a user meets them: the built CLI, a server on
 * loopback answering like Vault's HTTP API (Vault cannot run here), and the real stack — the Kafka
 * Connect auth token and the PostgreSQL password come from Vault. Plus the configuration mistakes a
 * newcomer makes: an unknown reference scheme, a relative or missing TLS CA file, a secret that does
 * not resolve — each an error naming the key path.
 */

const TOKEN = `hvs.cmd-test-${process.pid}`;
const CONNECT_TOKEN = `connect-token-from-vault-${process.pid}`;
let vault: FakeVault;
let capture: Awaited<ReturnType<typeof scriptedServer>>;
let config: {path: string; env: Record<string, string>};
let skip: string | undefined;

function cli(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, {env: {...config.env, VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN, ...extra}});
}

function assertNoSecret(r: CliResult): void {
  for (const secret of [TOKEN, CONNECT_TOKEN]) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `${secret} leaked:\n${r.stdout}\n${r.stderr}`);
  }
}

describe('${vault:…} references and configuration checks, through the CLI', () => {
  before(async () => {
    skip = await requireStack();
    vault = await startFakeVault(TOKEN);
    vault.secrets.set('secret/data/cdc/connect', {token: CONNECT_TOKEN});
    vault.secrets.set('secret/data/cdc/pg', {password: 'cdc', username: 'cdc'});
    capture = await scriptedServer([{status: 200, body: {}}]);
    const connectFromVault = 'auth: {type: bearer, token: "${vault:secret/data/cdc/connect#token}"}';
    config = tempConfig(
      [
        'current-context: v',
        'contexts:',
        '  v:',
        `    connect: {url: "http://127.0.0.1:8083", ${connectFromVault}}`,
        '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "${vault:secret/data/cdc/pg#password}"}',
        '  capture:',
        `    connect: {url: "${capture.url}", ${connectFromVault}}`,
        '  missing:',
        '    connect: {url: "http://127.0.0.1:8083", auth: {type: bearer, token: "${vault:secret/data/cdc/connect#tokn}"}}',
        '  down:',
        `    connect: {url: "http://127.0.0.1:8083", ${connectFromVault}}`,
        '    vault: {address: "http://127.0.0.1:1"}',
        '  envmiss:',
        '    connect: {url: "http://127.0.0.1:8083", auth: {type: bearer, token: "${env:CDCCTL_ABSENT_TOKEN}"}}',
        '  nocafile:',
        `    connect: {url: "https://127.0.0.1:8083", tls: {ca: "/nonexistent/cdcctl-${process.pid}/ca.pem"}}`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await vault?.close();
    await capture?.close();
  });

  it('config validate reads Vault: OK when every reference resolves, never printing a value', async () => {
    const r = await cli(['config', 'validate', '--context', 'v', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{valid: boolean}>(r).valid, true);
    assertNoSecret(r);
    const read = vault.requests.find((q) => q.url === '/v1/secret/data/cdc/connect');
    assert.equal(read?.headers['x-vault-token'], TOKEN);
  });

  it('config validate: a missing key is exit 2 naming the key path; an unreachable Vault is exit 4', async () => {
    const missing = await cli(['config', 'validate', '--context', 'missing']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      missing.stderr,
      /: contexts\.missing\.connect\.auth\.token: the Vault secret secret\/data\/cdc\/connect has no key "tokn"/,
    );
    const down = await cli(['config', 'validate', '--context', 'down', '--json']);
    assert.equal(down.code, 4, down.stderr);
    const issues = json<{issues: Array<{path: string; message: string; unreachable?: boolean}>}>(down).issues;
    assert.deepEqual(
      issues.map((i) => [i.path, i.unreachable]),
      [['contexts.down.connect.auth.token', true]],
    );
    assert.match(issues[0]!.message, /Vault at http:\/\/127\.0\.0\.1:1\/v1 is unreachable/);
    for (const r of [missing, down]) assertNoSecret(r);
  });

  it('a real command sends the token read from Vault, once, and the stack answers', async (t) => {
    const captured = await cli(['connectors', 'list', '--context', 'capture', '--json']);
    assert.equal(captured.code, 0, captured.stderr);
    assert.deepEqual(
      capture.requests.map((q) => q.headers.authorization),
      [`Bearer ${CONNECT_TOKEN}`],
    );
    assertNoSecret(captured);
    if (skip) return t.skip(skip);
    // the Connect token and the PostgreSQL password both come from Vault (Connect ignores auth here)
    const before = vault.requests.length;
    const status = await cli(['pipeline', 'status', '--json', '--verbose']);
    assert.ok([0, 3].includes(status.code), status.stderr);
    const doc = json<{workers: Array<{reachable: boolean}>; databases: Array<{name: string; reachable: boolean}>}>(
      status,
    );
    assert.equal(doc.workers[0]?.reachable, true);
    assert.deepEqual(
      doc.databases.map((d) => [d.name, d.reachable]),
      [['postgres', true]],
    );
    const paths = vault.requests.slice(before).map((q) => q.url);
    assert.deepEqual(paths.sort(), ['/v1/secret/data/cdc/connect', '/v1/secret/data/cdc/pg'], 'each secret read once');
    assert.match(status.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/v1\/secret\/data\/cdc\/connect/, 'traced');
    assertNoSecret(status);
  });

  it('a command that uses an unreadable reference fails there: exit 2 for a missing key, 4 for Vault down', async () => {
    const missing = await cli(['connectors', 'list', '--context', 'missing']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      missing.stderr,
      /^Error: contexts\.missing\.connect\.auth\.token: the Vault secret .* has no key "tokn"/m,
    );
    assert.match(missing.stderr, /Hint: Its keys: token\./);
    const down = await cli(['connectors', 'list', '--context', 'down']);
    assert.equal(down.code, 4, down.stderr);
    assert.match(down.stderr, /contexts\.down\.connect\.auth\.token: Vault at .* is unreachable/);
    const noToken = await cli(['connectors', 'list', '--context', 'capture'], {
      VAULT_TOKEN: undefined,
      HOME: '/nonexistent',
    });
    assert.equal(noToken.code, 2, noToken.stderr);
    assert.match(noToken.stderr, /contexts\.capture\.connect\.auth\.token: no Vault token/);
    for (const r of [missing, down, noToken]) assertNoSecret(r);
  });

  it('endpoint secret and TLS errors name the key path and the file', async () => {
    const env = await cli(['connectors', 'list', '--context', 'envmiss']);
    assert.equal(env.code, 2, env.stderr);
    assert.match(
      env.stderr,
      /^Error: contexts\.envmiss\.connect\.auth\.token: the environment variable CDCCTL_ABSENT_TOKEN is not set/m,
    );
    const ca = `/nonexistent/cdcctl-${process.pid}/ca.pem`;
    const runtime = await cli(['connectors', 'list', '--context', 'nocafile']);
    assert.equal(runtime.code, 2, runtime.stderr);
    assert.ok(runtime.stderr.includes(`contexts.nocafile.connect.tls.ca: cannot read ${ca} (ENOENT)`), runtime.stderr);
    const validate = await cli(['config', 'validate', '--context', 'nocafile']);
    assert.equal(validate.code, 2, validate.stderr);
    assert.ok(
      validate.stderr.includes(`${config.path}: contexts.nocafile.connect.tls.ca: cannot read ${ca} (ENOENT)`),
      validate.stderr,
    );
  });

  it('an unknown reference scheme or a relative TLS file is invalid configuration for every command', async () => {
    const bad = tempConfig(
      [
        'current-context: n',
        'contexts:',
        '  n:',
        '    connect: {url: "https://127.0.0.1:8083", auth: {type: bearer, token: "${vaul:secret/data/x#t}"}, tls: {ca: "ca.pem"}}',
        '',
      ].join('\n'),
    );
    const validate = await runCli(['config', 'validate'], {env: bad.env});
    assert.equal(validate.code, 2, validate.stderr);
    for (const line of [
      `${bad.path}: contexts.n.connect.tls.ca: an absolute path (a relative one would depend on the directory cdcctl runs in)`,
      `${bad.path}: contexts.n.connect.auth.token: unknown secret reference scheme "vaul" in \${vaul:…}`,
    ])
      assert.ok(validate.stderr.includes(line), validate.stderr);
    const listed = await runCli(['config', 'validate', '--json'], {env: bad.env});
    assert.deepEqual(
      json<{issues: Array<{path: string}>}>(listed).issues.map((i) => i.path),
      ['contexts.n.connect.tls.ca', 'contexts.n.connect.auth.token'],
    );
    const run = await runCli(['connectors', 'list'], {env: bad.env});
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /contexts\.n\.connect\.tls\.ca: an absolute path .*\(and 1 more problem\(s\)\)/);
  });
});
