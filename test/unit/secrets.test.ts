import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {
  couldBeWrittenAs,
  hasSecretReference,
  isSecretKey,
  REDACTED,
  redact,
  redactUrl,
  redactValue,
  resolveSecretString,
  resolveSecrets,
  scrubKnownSecrets,
} from '../../src/config/secrets.js';
import {ConfigError} from '../../src/errors.js';

describe('secret references', () => {
  it('resolves ${env:NAME} and ${file:/path} inside strings', () => {
    process.env.CDCCTL_TEST_SECRET = 's3cr3t-value';
    const dir = mkdtempSync(join(tmpdir(), 'sec-'));
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    assert.equal(resolveSecretString('a ${env:CDCCTL_TEST_SECRET} b', 'k'), 'a s3cr3t-value b');
    assert.equal(resolveSecretString(`\${file:${join(dir, 'pw')}}`, 'k'), 'from-file');
    assert.deepEqual(resolveSecrets({x: ['${env:CDCCTL_TEST_SECRET}'], n: 1}, 'root'), {x: ['s3cr3t-value'], n: 1});
  });

  it('treats ${vault:…} as a reference everywhere: shown under secret keys, a hole when comparing, never resolved into output', () => {
    const ref = '${vault:secret/data/cdc/connect#token}';
    assert.equal(hasSecretReference(ref), true);
    assert.equal(hasSecretReference(`$${ref}`), false);
    assert.equal(redactValue('connection.password', ref), ref);
    assert.equal(redactValue('connection.password', `x${ref}`), REDACTED);
    assert.deepEqual(redact({auth: {token: ref}}), {auth: {token: ref}});
    // not read in this process: the literal parts must match, the hole takes any value (and is then scrubbed)
    assert.equal(couldBeWrittenAs('Bearer vault-held-abc', `Bearer ${ref}`, 'k'), true);
    assert.equal(couldBeWrittenAs('Basic vault-held-abc', `Bearer ${ref}`, 'k'), false);
    assert.equal(scrubKnownSecrets('got vault-held-abc'), `got ${REDACTED}`);
    assert.equal(
      resolveSecretString(`$${ref}`, 'k'),
      ref,
      '$${vault:…} passes a Connect config-provider reference through',
    );
  });

  it('keeps $${…} as a literal reference for Kafka Connect config providers', () => {
    assert.equal(resolveSecretString('$${file:/etc/secrets.properties:pw}', 'k'), '${file:/etc/secrets.properties:pw}');
  });

  it('names the missing variable and where it is used, never a value', () => {
    delete process.env.CDCCTL_TEST_MISSING;
    assert.throws(
      () => resolveSecretString('${env:CDCCTL_TEST_MISSING}', 'contexts.prod.postgres.password'),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.exitCode === 2 &&
        err.message.includes('CDCCTL_TEST_MISSING') &&
        err.message.includes('contexts.prod.postgres.password'),
    );
  });

  it('rejects relative and unreadable file references', () => {
    assert.throws(() => resolveSecretString('${file:relative/path}', 'k'), /absolute path/);
    assert.throws(() => resolveSecretString('${file:/nonexistent/cdcctl}', 'k'), /ENOENT/);
  });

  it('redacts literal secrets but shows references and hides URL passwords', () => {
    const out = redact({
      password: 'hunter22',
      token: '${env:TOKEN}',
      url: 'postgres://cdc:pw@db:5432/x',
      headers: {Authorization: 'Bearer abc'},
      name: 'visible',
    });
    assert.deepEqual(out, {
      password: REDACTED,
      token: '${env:TOKEN}',
      url: `postgres://cdc:${REDACTED}@db:5432/x`,
      headers: {Authorization: REDACTED},
      name: 'visible',
    });
    assert.equal(redactUrl('http://u:p@h:1/x'), `http://u:${REDACTED}@h:1/x`);
  });

  it('hides passwords in JDBC-style URLs and secret query parameters (connector configs)', () => {
    assert.equal(redactUrl('jdbc:postgresql://u:UrlSecret2@h:5432/db'), `jdbc:postgresql://u:${REDACTED}@h:5432/db`);
    assert.equal(
      redactUrl('jdbc:postgresql://h:5432/db?user=u&password=Qs3cret&ssl=true'),
      `jdbc:postgresql://h:5432/db?user=u&password=${REDACTED}&ssl=true`,
    );
    assert.equal(
      redactUrl('jdbc:sqlserver://h;user=u;password=Semi3cret;encrypt=true'),
      `jdbc:sqlserver://h;user=u;password=${REDACTED};encrypt=true`,
    );
    assert.equal(redactUrl('see mongodb://u:pw9@a,b/x'), `see mongodb://u:${REDACTED}@a,b/x`);
    assert.deepEqual(redact({'connection.url': 'jdbc:mysql://u:Mys3cret@h/db?sslpassword=k3y'}), {
      'connection.url': `jdbc:mysql://u:${REDACTED}@h/db?sslpassword=${REDACTED}`,
    });
    assert.equal(redactUrl('http://h:1/path?page=2'), 'http://h:1/path?page=2');
  });

  it('scrubs resolved secrets from any later text', () => {
    process.env.CDCCTL_TEST_SCRUB = 'very-secret-42';
    resolveSecretString('${env:CDCCTL_TEST_SCRUB}', 'k');
    assert.equal(
      scrubKnownSecrets('server said: bad password very-secret-42'),
      `server said: bad password ${REDACTED}`,
    );
  });
});

describe('the one secret-key rule and value redactor', () => {
  it('treats Kafka, Connect, Debezium, JDBC and cdcctl credential keys as secrets', () => {
    for (const key of [
      'connection.password',
      'database.password',
      'ssl.key.password',
      'ssl.keystore.password',
      'producer.override.ssl.truststore.password',
      'ssl.keystore.key',
      'sasl.jaas.config',
      'database.history.producer.sasl.jaas.config',
      'value.converter.basic.auth.user.info',
      'key.converter.basic.auth.user.info',
      'schema.registry.basic.auth.user.info',
      'bearer.auth.token',
      'value.converter.bearer.auth.token',
      'gcp.credentials.json',
      'aws.secret.access.key',
      'client.secret',
      'api.key',
      'private.key',
      'passphrase',
      'database.pwd',
      'Authorization',
      'backupKey',
      'reportKey',
      'hmacKey',
      'password',
      'token',
    ]) {
      assert.ok(isSecretKey(key), `${key} is a secret key`);
    }
  });

  it('does not mask keys that only name a kind or place of credential, nor key/key.converter', () => {
    for (const key of [
      'key',
      'key.converter',
      'key.converter.schemas.enable',
      'transforms.unwrap.key',
      'message.key.columns',
      'basic.auth.credentials.source',
      'value.converter.basic.auth.credentials.source',
      'sasl.oauthbearer.token.endpoint.url',
      'ssl.keystore.type',
      'ssl.keystore.location',
      'sasl.mechanism',
      'connection.user',
      'connection.url',
      'tasks.max',
      'subject-stdin',
    ]) {
      assert.ok(!isSecretKey(key), `${key} is not a secret key`);
    }
  });

  it('redactValue: masks secret keys (not bare references), removes URL credentials and known secrets', () => {
    assert.equal(redactValue('value.converter.basic.auth.user.info', 'u:p4ss'), REDACTED);
    assert.equal(redactValue('sasl.jaas.config', '${file:/run/jaas}'), '${file:/run/jaas}');
    assert.equal(redactValue('sasl.jaas.config', 'x ${file:/run/jaas}'), REDACTED);
    assert.equal(redactValue('url', 'http://u:UrlPw9@h:1/x'), `http://u:${REDACTED}@h:1/x`);
    assert.equal(
      redactValue('connection.url', 'jdbc:postgresql://h/db?password=Qp9&x=1'),
      `jdbc:postgresql://h/db?password=${REDACTED}&x=1`,
    );
    assert.equal(redactValue('u', 'https://h/x?access_token=abcd'), `https://h/x?access_token=${REDACTED}`);
    assert.equal(redactUrl('http://u:p@ss@h/x'), `http://u:${REDACTED}@h/x`, 'an @ inside the password');
    process.env.CDCCTL_TEST_NOTE = 'note-secret-77';
    resolveSecretString('${env:CDCCTL_TEST_NOTE}', 'k');
    assert.equal(redactValue('note', 'a-note-secret-77-b'), `a-${REDACTED}-b`);
    assert.equal(redactValue('note', 'prefix-${env:CDCCTL_TEST_NOTE}'), 'prefix-${env:CDCCTL_TEST_NOTE}');
  });

  it('couldBeWrittenAs: a resolvable reference must resolve to the value; otherwise the literal parts must match', () => {
    process.env.CDCCTL_TEST_W = 'resolved-w';
    assert.ok(couldBeWrittenAs('p-resolved-w-s', 'p-${env:CDCCTL_TEST_W}-s', 'k'));
    assert.ok(!couldBeWrittenAs('p-other-s', 'p-${env:CDCCTL_TEST_W}-s', 'k'));
    delete process.env.CDCCTL_TEST_UNSET;
    assert.ok(couldBeWrittenAs('p-fill-in-here-s', 'p-${env:CDCCTL_TEST_UNSET}-s', 'k'));
    assert.ok(!couldBeWrittenAs('q-fill-s', 'p-${env:CDCCTL_TEST_UNSET}-s', 'k'));
    assert.equal(scrubKnownSecrets('x fill-in-here y'), `x ${REDACTED} y`, 'the fill is a known secret now');
    assert.ok(couldBeWrittenAs('anything', REDACTED, 'k'));
    assert.ok(couldBeWrittenAs('${file:/x}', '$${file:/x}', 'k'), 'an escaped reference is literal');
  });
});
