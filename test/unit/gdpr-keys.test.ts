import assert from 'node:assert/strict';
import {createHmac, randomBytes} from 'node:crypto';
import {afterEach, describe, it} from 'node:test';
import {ConfigError} from '../../src/errors.js';
import type {RunContext} from '../../src/runtime.js';
import {gdprKeys} from '../../src/services/gdpr/keys.js';

const BACKUP_ENV = 'CDCCTL_TEST_GDPR_KEYS_BACKUP';
const REPORT_ENV = 'CDCCTL_TEST_GDPR_KEYS_REPORT';

function ctxWith(gdpr: Record<string, unknown>): RunContext {
  return {actor: 'me@host', contextName: 'test', config: {gdpr}} as unknown as RunContext;
}

afterEach(() => {
  delete process.env[BACKUP_ENV];
  delete process.env[REPORT_ENV];
});

describe('gdpr keys: resolved once per run, on first use', () => {
  it('resolves the backup key once: a later change of the secret does not reach the run', () => {
    const first = randomBytes(32);
    process.env[BACKUP_ENV] = first.toString('hex');
    const keys = gdprKeys(ctxWith({backupKey: `\${env:${BACKUP_ENV}}`}));
    assert.deepEqual(keys.backup(), first);
    process.env[BACKUP_ENV] = randomBytes(32).toString('hex');
    assert.deepEqual(keys.backup(), first);
    delete process.env[BACKUP_ENV];
    assert.deepEqual(keys.backup(), first);
  });

  it('resolves the report key once and pseudonymises with HMAC-SHA256 of it', () => {
    const key = 'a-report-key-of-32-characters-xx';
    process.env[REPORT_ENV] = key;
    const keys = gdprKeys(ctxWith({reportKey: `\${env:${REPORT_ENV}}`}));
    const expected = createHmac('sha256', key).update('subject-1', 'utf8').digest('hex');
    assert.equal(keys.pseudonym('subject-1'), expected);
    delete process.env[REPORT_ENV];
    assert.equal(keys.pseudonym('subject-1'), expected);
    assert.notEqual(keys.pseudonym('subject-2'), expected);
  });

  it('resolves nothing until asked: a missing key fails only where it is needed', () => {
    process.env[REPORT_ENV] = 'a-report-key-of-32-characters-xx';
    const keys = gdprKeys(ctxWith({reportKey: `\${env:${REPORT_ENV}}`}));
    assert.match(keys.pseudonym('s'), /^[0-9a-f]{64}$/);
    assert.throws(
      () => keys.backup(),
      (e: unknown) => e instanceof ConfigError && /contexts\.test\.gdpr\.backupKey is not set/.test(e.message),
    );
    const noReport = gdprKeys(ctxWith({backupKey: `\${env:${BACKUP_ENV}}`}));
    assert.throws(
      () => noReport.pseudonym('s'),
      (e: unknown) => e instanceof ConfigError && /gdpr\.reportKey is not set/.test(e.message),
    );
  });

  it('shares one resolution across a run: gdprKeys of the same context resolves nothing again', () => {
    const first = randomBytes(32);
    process.env[BACKUP_ENV] = first.toString('hex');
    const ctx = ctxWith({backupKey: `\${env:${BACKUP_ENV}}`});
    assert.deepEqual(gdprKeys(ctx).backup(), first);
    process.env[BACKUP_ENV] = randomBytes(32).toString('hex');
    assert.deepEqual(gdprKeys(ctx).backup(), first);
    assert.notDeepEqual(gdprKeys(ctxWith({backupKey: `\${env:${BACKUP_ENV}}`})).backup(), first);
  });

  it('does not keep a failed resolution: the next call tries again', () => {
    const keys = gdprKeys(ctxWith({backupKey: `\${env:${BACKUP_ENV}}`}));
    assert.throws(() => keys.backup(), ConfigError);
    const key = randomBytes(32);
    process.env[BACKUP_ENV] = key.toString('hex');
    assert.deepEqual(keys.backup(), key);
  });
});
