import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {REDACTED, resolveSecretString, resolveSecrets, scrubKnownSecrets} from '../../src/config/secrets.js';
import {vaultReferenceProblem} from '../../src/config/vault.js';
import {CdcError} from '../../src/errors.js';
import {fetchVaultSecrets, type SecretsRun} from '../../src/services/secrets/vault.js';
import {type FakeVault, startFakeVault} from '../fake-vault.js';

/**
 * ${vault:…} references against a server on loopback that answers like Vault's HTTP API (real HTTP,
 * no mocked client): what is sent, what each documented answer becomes, and that a failed read fails
 * only where its reference is used, with that key path and the exit code of its cause.
 */

const TOKEN = 'hvs.unit-test-token-0123456789';
let vault: FakeVault;

function run(extra: Record<string, unknown> = {}): SecretsRun {
  return {
    contextName: 'unit',
    userAgent: 'cdcctl-test',
    timeoutMs: 3000,
    config: {vault: {address: vault.address, token: '${env:CDCCTL_TEST_VAULT_TOKEN}', ...extra}},
  };
}

/** The error `fn` throws, asserted to be a CdcError. */
function failure(fn: () => unknown): CdcError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CdcError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

describe('${vault:…} references (KV v2 over HTTP)', () => {
  before(async () => {
    vault = await startFakeVault(TOKEN);
    process.env.CDCCTL_TEST_VAULT_TOKEN = TOKEN;
    vault.secrets.set('secret/data/cdc/pg', {password: 'pg-from-vault', username: 'cdc-user', port: 5433});
    vault.secrets.set('team-a/secret/data/cdc/connect', {token: 'connect-token-ns'});
  });
  after(async () => {
    await vault.close();
  });

  it('reads each secret path once, with the token, and resolves keys of any scalar type', async () => {
    const config = {
      postgres: {password: '${vault:secret/data/cdc/pg#password}'},
      cassandra: {username: 'x-${vault:secret/data/cdc/pg#username}', port: '${vault:secret/data/cdc/pg#port}'},
    };
    await fetchVaultSecrets(run(), config);
    await fetchVaultSecrets(run(), config); // already read: no second request
    const reads = vault.requests.filter((r) => r.url === '/v1/secret/data/cdc/pg');
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.method, 'GET');
    assert.equal(reads[0]!.headers['x-vault-token'], TOKEN);
    assert.equal(reads[0]!.headers['x-vault-namespace'], undefined);
    assert.deepEqual(resolveSecrets(config, 'contexts.unit'), {
      postgres: {password: 'pg-from-vault'},
      cassandra: {username: 'x-cdc-user', port: '5433'},
    });
  });

  it('sends the namespace and reads the secret inside it', async () => {
    await fetchVaultSecrets(run({namespace: 'team-a'}), {t: '${vault:secret/data/cdc/connect#token}'});
    const read = vault.requests.find((r) => r.url === '/v1/secret/data/cdc/connect');
    assert.equal(read?.headers['x-vault-namespace'], 'team-a');
    assert.equal(resolveSecretString('${vault:secret/data/cdc/connect#token}', 'k'), 'connect-token-ns');
  });

  it('does not share a read between contexts with different tokens (one token cannot vouch for another)', async () => {
    vault.secrets.set('secret/data/shared', {k: 'shared-value'});
    const ref = '${vault:secret/data/shared#k}';
    await fetchVaultSecrets(run(), ref);
    assert.equal(resolveSecretString(ref, 'k'), 'shared-value');
    process.env.CDCCTL_TEST_VAULT_TOKEN_3 = 'hvs.another-token-without-rights';
    await fetchVaultSecrets(run({token: '${env:CDCCTL_TEST_VAULT_TOKEN_3}'}), ref);
    assert.match(failure(() => resolveSecretString(ref, 'k')).message, /Vault denied reading secret\/data\/shared/);
  });

  it('scrubs the values it resolves, and only those (a user name beside a password is not hidden everywhere)', async () => {
    vault.secrets.set('secret/data/scrub', {password: 'scrub-me-please', username: 'visible-user'});
    await fetchVaultSecrets(run(), '${vault:secret/data/scrub#password}');
    assert.equal(scrubKnownSecrets('pw=scrub-me-please user=visible-user'), 'pw=scrub-me-please user=visible-user');
    resolveSecretString('${vault:secret/data/scrub#password}', 'k');
    assert.equal(scrubKnownSecrets('pw=scrub-me-please user=visible-user'), `pw=${REDACTED} user=visible-user`);
  });

  const cases: Array<{what: string; ref: string; exit: number; message: RegExp; setup?: Record<string, unknown>}> = [
    {
      what: 'a missing key',
      ref: 'secret/data/cdc/pg#nope',
      exit: 2,
      message: /secret\/data\/cdc\/pg has no key "nope"/,
    },
    {
      what: 'no secret at the path (404)',
      ref: 'secret/data/absent#k',
      exit: 2,
      message: /Vault has no secret at secret\/data\/absent/,
    },
    {
      what: 'a deleted latest version (404 with metadata)',
      ref: 'secret/data/deleted#k',
      exit: 2,
      message: /latest version \(3\) of the Vault secret secret\/data\/deleted was deleted at 2026-12-02/,
    },
    {
      what: 'a token without permission (403)',
      ref: 'secret/data/cdc/denied#password',
      exit: 2,
      message: /Vault denied reading secret\/data\/cdc\/denied \(permission denied\)/,
      setup: {token: 'hvs.wrong-token-for-this-test'},
    },
    {
      what: 'an HTML page (200)',
      ref: 'secret/data/html#k',
      exit: 4,
      message: /answered 200 with an HTML page/,
    },
    {what: 'a KV v1-shaped answer', ref: 'kv1/data/app#password', exit: 4, message: /a JSON document of another shape/},
    {
      what: 'a sealed Vault (503)',
      ref: 'secret/data/sealed#k',
      exit: 4,
      message: /Vault answered 503 .*: Vault is sealed/,
    },
    {
      what: 'an unreachable Vault',
      ref: 'secret/data/cdc/elsewhere#password',
      exit: 4,
      message: /Vault at http:\/\/127\.0\.0\.1:1\/v1 is unreachable .*connection refused/,
      setup: {address: 'http://127.0.0.1:1'},
    },
  ];
  for (const c of cases) {
    it(`${c.what}: the read does not fail, the use does — naming the key path, exit ${c.exit}`, async () => {
      const setup = {...c.setup};
      if (typeof setup.token === 'string') {
        process.env.CDCCTL_TEST_VAULT_TOKEN_2 = setup.token;
        setup.token = '${env:CDCCTL_TEST_VAULT_TOKEN_2}';
      }
      const value = `\${vault:${c.ref}}`;
      await fetchVaultSecrets(run(setup), {connect: {auth: {token: value}}});
      const err = failure(() => resolveSecretString(value, 'contexts.unit.connect.auth.token'));
      assert.equal(err.exitCode, c.exit, err.message);
      assert.match(err.message, /^contexts\.unit\.connect\.auth\.token: /);
      assert.match(err.message, c.message);
      assert.ok(err.hint, 'says what to try');
      assert.doesNotMatch(`${err.message} ${err.hint} ${JSON.stringify(err.details)}`, /hvs\./, 'no token');
    });
  }

  it('without an address or a token, a use says where to set them (exit 2)', async () => {
    const noAddress: SecretsRun = {contextName: 'bare', userAgent: 't', config: {}};
    const saved = {addr: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN, home: process.env.HOME};
    delete process.env.VAULT_ADDR;
    try {
      await fetchVaultSecrets(noAddress, '${vault:secret/data/x#k}');
      const err = failure(() => resolveSecretString('${vault:secret/data/x#k}', 'contexts.bare.postgres.password'));
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /^contexts\.bare\.postgres\.password: no Vault address/);
      assert.match(err.hint ?? '', /contexts\.bare\.vault\.address.*VAULT_ADDR/);

      delete process.env.VAULT_TOKEN;
      process.env.HOME = '/nonexistent-home-for-cdcctl-test';
      const noToken: SecretsRun = {contextName: 'notoken', userAgent: 't', config: {vault: {address: vault.address}}};
      await fetchVaultSecrets(noToken, '${vault:secret/data/y#k}');
      const err2 = failure(() =>
        resolveSecretString('${vault:secret/data/y#k}', 'contexts.notoken.kafka.sasl.password'),
      );
      assert.equal(err2.exitCode, 2);
      assert.match(err2.message, /no Vault token/);
      assert.match(err2.hint ?? '', /VAULT_TOKEN.*contexts\.notoken\.vault\.token.*vault login/);
    } finally {
      for (const [k, v] of [
        ['VAULT_ADDR', saved.addr],
        ['VAULT_TOKEN', saved.token],
        ['HOME', saved.home],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('takes the address, namespace and token from the environment the vault CLI reads', async () => {
    vault.secrets.set('team-b/secret/data/from-env', {k: 'env-configured'});
    const saved = {...process.env};
    Object.assign(process.env, {VAULT_ADDR: vault.address, VAULT_TOKEN: TOKEN, VAULT_NAMESPACE: 'team-b'});
    try {
      await fetchVaultSecrets({contextName: 'env', userAgent: 't', config: {}}, '${vault:secret/data/from-env#k}');
      assert.equal(resolveSecretString('${vault:secret/data/from-env#k}', 'k'), 'env-configured');
    } finally {
      for (const k of ['VAULT_ADDR', 'VAULT_TOKEN', 'VAULT_NAMESPACE'])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  });

  it('talks TLS: verifies Vault with the CA file (vault.tls.ca), refuses an unknown certificate (exit 4)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-vault-tls-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-keyout',
          key,
          '-out',
          cert,
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        {stdio: 'ignore'},
      );
    } catch {
      return t.skip('openssl is not available to make a certificate');
    }
    const https = await startFakeVault(TOKEN, {key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8')});
    try {
      https.secrets.set('secret/data/tls', {k: 'over-tls'});
      const ref = '${vault:secret/data/tls#k}';
      await fetchVaultSecrets(run({address: https.address, tls: {ca: cert}}), ref);
      assert.equal(resolveSecretString(ref, 'k'), 'over-tls');
      assert.equal(https.requests.length, 1);

      https.secrets.set('secret/data/tls-untrusted', {k: 'x'});
      const untrusted = '${vault:secret/data/tls-untrusted#k}';
      await fetchVaultSecrets(run({address: https.address}), untrusted);
      const err = failure(() => resolveSecretString(untrusted, 'contexts.unit.postgres.password'));
      assert.equal(err.exitCode, 4, err.message);
      assert.match(err.message, /^contexts\.unit\.postgres\.password: Vault at https:.* is unreachable .*TLS error/);

      const missingCa = '${vault:secret/data/tls-missing-ca#k}';
      await fetchVaultSecrets(run({address: https.address, tls: {ca: join(dir, 'absent.pem')}}), missingCa);
      const err2 = failure(() => resolveSecretString(missingCa, 'k'));
      assert.equal(err2.exitCode, 2);
      assert.ok(
        err2.message.includes(`contexts.unit.vault.tls.ca: cannot read ${join(dir, 'absent.pem')} (ENOENT)`),
        err2.message,
      );
    } finally {
      await https.close();
    }
  });

  it('accepts only KV v2 API paths with a key, and says what was probably meant', () => {
    assert.equal(vaultReferenceProblem('secret/data/cdc/pg#password'), undefined);
    assert.equal(vaultReferenceProblem('team/kv/data/app/db#password'), undefined);
    assert.match(vaultReferenceProblem('secret/cdc/pg#password') ?? '', /did you mean secret\/data\/cdc\/pg\?/);
    assert.match(vaultReferenceProblem('secret/data/cdc/pg') ?? '', /names no key/);
    assert.match(vaultReferenceProblem('secret/data/#k') ?? '', /empty/);
    assert.match(vaultReferenceProblem('secret/data/../sys/x#k') ?? '', /"\.\."/);
    assert.match(vaultReferenceProblem('data/x#k') ?? '', /not a KV v2 API path/);
  });
});
