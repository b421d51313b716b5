import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {auditMode, isLocalContext} from '../../src/config/audit-mode.js';
import {REDACTED} from '../../src/config/secrets.js';
import type {Identity} from '../../src/services/access/identity.js';
import {patternGrants, requiredPermission} from '../../src/services/access/permissions.js';
import {decide} from '../../src/services/access/policy.js';
import {resultOf} from '../../src/services/audit/guard.js';
import {redactArgv} from '../../src/services/audit/redact-args.js';
import {storableConfig} from '../../src/services/connectors/config-history.js';
import {comparable} from '../../src/services/history/versions.js';
import {type AuditEntry, canonicalJson, GENESIS_HASH, recordHash} from '../../src/store/audit-record.js';

const os = (subject: string): Identity => ({kind: 'os', subject, actor: `${subject}@h`, host: 'h', groups: []});
const jwt = (subject: string, groups: string[] = [], claims: Record<string, unknown> = {}): Identity => ({
  kind: 'jwt',
  subject,
  actor: `jwt:${subject}`,
  host: 'h',
  issuer: 'https://issuer',
  groups,
  claims: {sub: subject, ...claims},
});

describe('permissions', () => {
  it('derives <topic>:read / <topic>:write from the command id, honours declared ones, leaves config unguarded', () => {
    assert.equal(requiredPermission('connectors:pause', undefined, true), 'connectors:write');
    assert.equal(requiredPermission('dlq:list', undefined, false), 'dlq:read');
    assert.equal(requiredPermission('pipeline:pause-all', 'pipeline:control', true), 'pipeline:control');
    assert.equal(requiredPermission('auth:whoami', null, false), null);
    assert.equal(requiredPermission('config:set-context', undefined, false), null);
  });

  it('matches wildcards per part', () => {
    assert.ok(patternGrants('*', 'gdpr:erase'));
    assert.ok(patternGrants('*:read', 'audit:read'));
    assert.ok(patternGrants('connectors:*', 'connectors:write'));
    assert.ok(patternGrants('connectors', 'connectors:write'));
    assert.ok(!patternGrants('*:write', 'gdpr:erase'));
    assert.ok(!patternGrants('connectors:read', 'connectors:write'));
  });
});

describe('access decisions', () => {
  const access = {
    roles: {deployer: ['connectors:write', 'connectors:read']},
    bindings: [
      {roles: ['admin'], users: ['alice']},
      {roles: ['viewer'], subjects: ['repo:org/app:ref:refs/heads/main']},
      {roles: ['operator'], groups: ['sre']},
      {roles: ['deployer'], claims: {repository: 'org/app', environment: ['prod', 'staging']}},
    ],
  };

  it('allows everything without a policy, and says so', () => {
    const d = decide(undefined, os('bob'), 'gdpr:erase');
    assert.equal(d.allowed, true);
    assert.equal(d.policy, false);
    assert.match(d.reason, /no access policy/);
  });

  it('binds OS users, token subjects, groups and claims to roles', () => {
    assert.equal(decide(access, os('alice'), 'gdpr:erase').allowed, true);
    assert.equal(decide(access, os('bob'), 'connectors:read').allowed, false);
    const viewer = jwt('repo:org/app:ref:refs/heads/main');
    assert.equal(decide(access, viewer, 'connectors:read').allowed, true);
    assert.equal(decide(access, viewer, 'connectors:write').allowed, false);
    assert.deepEqual(decide(access, jwt('x', ['sre']), 'pipeline:control').grantedBy, ['operator']);
    assert.equal(decide(access, jwt('x', ['sre']), 'gdpr:erase').allowed, false, 'operators may not erase');
    const deployer = jwt('y', [], {repository: 'org/app', environment: 'staging'});
    assert.deepEqual(decide(access, deployer, 'connectors:write').grantedBy, ['deployer']);
    assert.equal(
      decide(access, jwt('y', [], {repository: 'org/app', environment: 'dev'}), 'connectors:write').allowed,
      false,
    );
  });

  it('does not let a token subject match an OS-user binding', () => {
    assert.equal(decide(access, jwt('alice'), 'connectors:read').allowed, false);
  });
});

describe('audit records', () => {
  const entry: AuditEntry = {
    id: '00000000-0000-4000-8000-000000000001',
    time: '2025-01-01T00:00:00.000Z',
    actor: 'alice@h',
    role: 'admin',
    context: 'prod',
    command: 'connectors:delete',
    args: ['x', '--yes'],
    targets: ['x'],
    result: 'ok',
    error: null,
    durationMs: 12,
    version: '0.1.0',
    host: 'h',
  };

  it('hashes a canonical form: key order does not matter, every field and the predecessor do', () => {
    assert.equal(canonicalJson({b: 1, a: [2, {d: null, c: 'x'}]}), '{"a":[2,{"c":"x","d":null}],"b":1}');
    const h = recordHash(entry, GENESIS_HASH);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(recordHash({...entry}, GENESIS_HASH), h);
    assert.notEqual(recordHash({...entry, result: 'failed'}, GENESIS_HASH), h);
    assert.notEqual(recordHash(entry, 'f'.repeat(64)), h);
  });

  it('redacts secrets in the command line', () => {
    const out = redactArgv([
      'x',
      '--set',
      'connection.password=hunter2',
      '--set=db.url=postgres://u:pw@h/db',
      '--token',
      'abc.def',
      '--password=secret',
      '--set',
      'connection.password=${env:PW}',
    ]);
    assert.deepEqual(out, [
      'x',
      '--set',
      `connection.password=${REDACTED}`,
      `--set=db.url=postgres://u:${REDACTED}@h/db`,
      '--token',
      REDACTED,
      `--password=${REDACTED}`,
      '--set',
      'connection.password=${env:PW}',
    ]);
  });

  it('redacts registry credentials, URL query passwords and GDPR subjects in the command line', () => {
    const out = redactArgv(
      [
        '--set',
        'value.converter.basic.auth.user.info=u:Pw1x',
        '--set=connection.url=jdbc:postgresql://h/db?user=u&password=Qpw2',
        '--subject',
        'alice@example.com',
        '--subject=bob@example.com',
        '--subject-stdin',
        'x',
      ],
      {flags: ['subject'], rewrite: (v) => `hmac:${v.length}`},
    );
    assert.deepEqual(out, [
      '--set',
      `value.converter.basic.auth.user.info=${REDACTED}`,
      `--set=connection.url=jdbc:postgresql://h/db?user=u&password=${REDACTED}`,
      '--subject',
      'hmac:17',
      '--subject=hmac:15',
      '--subject-stdin',
      'x',
    ]);
  });

  it('maps outcomes to results', () => {
    assert.equal(resultOf({targets: []}, false), 'ok');
    assert.equal(resultOf({targets: []}, true), 'dry-run');
    assert.equal(resultOf({targets: [], exitCode: 5}, false), 'partial');
    assert.equal(resultOf({targets: [], exitCode: 3}, false), 'failed');
    assert.equal(resultOf({targets: [], error: new Error('x')}, false), 'failed');
  });

  it('treats a context as local only when every endpoint is on loopback', () => {
    const local = {
      connect: {url: 'http://127.0.0.1:8083'},
      kafka: {brokers: ['localhost:9092']},
      postgres: {url: 'postgres://u@[::1]:5432/db'},
    };
    assert.equal(isLocalContext(local), true);
    assert.equal(auditMode(local), 'optional');
    const remote = {...local, kafka: {brokers: ['kafka-0.prod:9092']}};
    assert.equal(isLocalContext(remote), false);
    assert.equal(auditMode(remote), 'required');
    assert.equal(auditMode({...remote, audit: 'optional' as const}), 'optional');
    assert.equal(isLocalContext({connect: {url: 'http://${env:HOST}:8083'}}), false);
  });
});

describe('config history', () => {
  it('stores references, masks other secret values, and compares stored with live', () => {
    const stored = storableConfig({
      'connection.password': '${env:PW}',
      'ssl.key.password': 'literal-secret',
      'batch.size': '100',
    });
    assert.deepEqual(stored, {'connection.password': '${env:PW}', 'ssl.key.password': REDACTED, 'batch.size': '100'});
    process.env.I5_UNIT_PW = 'resolved-pw';
    const live = {'connection.password': 'resolved-pw', 'ssl.key.password': 'literal-secret', 'batch.size': '100'};
    assert.deepEqual(comparable({...stored, 'connection.password': '${env:I5_UNIT_PW}'}, live), live);
  });
});

describe('canonical record form', () => {
  it('is byte-identical to the canonical JSON of its fields', async () => {
    const {canonicalRecord} = await import('../../src/store/audit-record.js');
    const e: AuditEntry = {
      id: 'i',
      time: 't',
      actor: 'a"b',
      role: 'r',
      context: 'c',
      command: 'x:y',
      args: ['--set', 'k=v', 'ü'],
      targets: [],
      result: 'failed',
      error: {message: 'm', code: 'C'} as {code: string; message: string},
      durationMs: 3,
      version: '1',
      host: 'h',
    };
    const fields = [
      1,
      e.id,
      e.time,
      e.actor,
      e.role,
      e.context,
      e.command,
      e.args,
      e.targets,
      e.result,
      e.error,
      3,
      '1',
      'h',
      'p',
    ];
    assert.equal(canonicalRecord(e, 'p'), canonicalJson(fields));
    assert.equal(
      canonicalRecord({...e, error: null}, 'p'),
      canonicalJson([...fields.slice(0, 10), null, ...fields.slice(11)]),
    );
  });
});
