import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {
  REDACTED,
  redact,
  redactUrl,
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
