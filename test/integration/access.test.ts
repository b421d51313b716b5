import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {exportJWK, generateKeyPair, SignJWT} from 'jose';
import {json, runCli, tempConfig, tempDir} from '../helpers.js';
import {requireStack, sql} from './stack.js';

/**
 * Access control through the built binary: identities from tokens the test signs (JWKS file) or
 * the OS user, bindings to roles, denials (exit 6, audited as "denied"), `auth` commands.
 */
const schema = `i5_access_${process.pid}`;
const ISSUER = 'https://ci.example.test';
const AUDIENCE = 'cdcctl-test';
const me = userInfo().username;
const dir = tempDir();
const jwks = join(dir, 'jwks.json');
let sign: (
  claims: Record<string, unknown>,
  opts?: {aud?: string; exp?: string | number | null; iat?: number; key?: 'good' | 'other'},
) => Promise<string>;

const {env: cfgEnv} = tempConfig(
  [
    'current-context: guarded',
    'contexts:',
    '  guarded:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '    access:',
    `      jwt: {issuer: "${ISSUER}", audience: "${AUDIENCE}", jwks: "${jwks}"}`,
    '      roles: {historian: ["connectors:write"]}',
    '      bindings:',
    '        - {roles: [viewer], subjects: ["repo:org/app:ref:refs/heads/feature"]}',
    '        - {roles: [operator], groups: [sre]}',
    '        - {roles: [historian], claims: {repository: org/app, environment: prod}}',
    `        - {roles: [admin], users: ["${me}"]}`,
    '  open:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '  nobody:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '    access:',
    '      bindings: [{roles: [admin], users: ["somebody-else"]}]',
    '',
  ].join('\n'),
);
const env = {...cfgEnv, CDC_PG_PASSWORD: 'cdc'};
const none = `i5-access-none-${process.pid}-*`;
const sync = ['connectors', 'history', 'sync', none];
let skip: string | undefined;

const withToken = (token: string) => ({...env, CDCCTL_TOKEN: token});

interface LastRecord {
  actor: string;
  result: string;
  command: string;
  role: string;
  error: unknown;
  targets: string[];
}

async function lastRecord(): Promise<LastRecord> {
  const rows = await sql(
    'target',
    `SELECT actor, result, command, role, error, targets FROM ${schema}._cdc_audit_log ORDER BY seq DESC LIMIT 1`,
  );
  return rows[0] as LastRecord;
}

describe('access control (real PostgreSQL, generated keys)', () => {
  before(async () => {
    skip = await requireStack();
    const good = await generateKeyPair('ES256', {extractable: true});
    const other = await generateKeyPair('ES256', {extractable: true});
    const jwk = {...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig'};
    writeFileSync(jwks, JSON.stringify({keys: [jwk]}));
    sign = (claims, opts = {}) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({alg: 'ES256', kid: 'k1'})
        .setIssuer(ISSUER)
        .setAudience(opts.aud ?? AUDIENCE)
        .setIssuedAt(opts.iat);
      if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '10m');
      return jwt.sign(opts.key === 'other' ? other.privateKey : good.privateKey);
    };
  });
  after(async () => {
    if (!skip) await sql('target', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('without a policy everything is allowed, and whoami says so', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['auth', 'whoami', '--context', 'open', '--json'], {env});
    const w = json<{policy: boolean; summary: string; actor: string}>(r);
    assert.equal(w.policy, false);
    assert.match(w.summary, /everything is allowed/);
    assert.ok(w.actor.startsWith(`${me}@`));
    assert.equal((await runCli([...sync, '--context', 'open'], {env})).code, 0);
  });

  it('identifies a verified token by its claims and applies its roles', async (t) => {
    if (skip) return t.skip(skip);
    const viewer = await sign({sub: 'repo:org/app:ref:refs/heads/feature'});
    const w = json<{kind: string; actor: string; roles: string[]}>(
      await runCli(['auth', 'whoami', '--json'], {env: withToken(viewer)}),
    );
    assert.deepEqual([w.kind, w.actor, w.roles], ['jwt', 'jwt:repo:org/app:ref:refs/heads/feature', ['viewer']]);

    const denied = await runCli(sync, {env: withToken(viewer)});
    assert.equal(denied.code, 6, denied.stderr);
    assert.match(
      denied.stderr,
      /may not run `connectors history sync`.*none of the roles viewer grants connectors:write/,
    );
    const rec = await lastRecord();
    assert.deepEqual([rec.actor, rec.result, rec.command], [w.actor, 'denied', 'connectors:history:sync']);

    const list = await runCli(['connectors', 'list', '-o', 'json'], {env: withToken(viewer)});
    assert.equal(list.code, 0, list.stderr);

    const operator = await sign({sub: 'job-42', groups: ['sre']});
    const ok = await runCli(sync, {env: withToken(operator)});
    assert.equal(ok.code, 0, ok.stderr);
    const okRec = await lastRecord();
    assert.deepEqual([okRec.actor, okRec.result, okRec.role], ['jwt:job-42', 'ok', 'operator']);

    const byClaims = await sign({sub: 'job-43', repository: 'org/app', environment: 'prod'});
    assert.equal((await runCli(sync, {env: withToken(byClaims)})).code, 0);
    assert.equal((await lastRecord()).role, 'historian');
  });

  it('rejects a token with the wrong audience, an unknown key, past or no expiry, or too long a lifetime (exit 6, audited)', async (t) => {
    if (skip) return t.skip(skip);
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      await sign({sub: 'x', groups: ['sre']}, {aud: 'someone-else'}),
      await sign({sub: 'x', groups: ['sre']}, {key: 'other'}),
      await sign({sub: 'x', groups: ['sre']}, {exp: 946684800}),
      await sign({sub: 'x', groups: ['sre']}, {exp: null}),
      // unexpired, but issued for 48 h (the default maximum is 24 h) — also when issued long ago
      await sign({sub: 'x', groups: ['sre']}, {exp: '48h'}),
      await sign({sub: 'x', groups: ['sre']}, {iat: now - 30 * 86400, exp: now + 600}),
      'not-a-jwt',
    ];
    for (const token of cases) {
      const r = await runCli(sync, {env: withToken(token)});
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /CDCCTL_TOKEN was rejected/);
      assert.ok(!r.stderr.includes(token), 'the token never appears in output');
      const rec = await lastRecord();
      assert.equal(rec.result, 'denied');
      assert.match(rec.actor, /^unverified-token:/);
    }
  });

  it('store migrate changes the schema: a viewer may not run it', async (t) => {
    if (skip) return t.skip(skip);
    const viewer = await sign({sub: 'repo:org/app:ref:refs/heads/feature'});
    const r = await runCli(['store', 'migrate'], {env: withToken(viewer)});
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /store:write/);
    const operator = await sign({sub: 'job-44', groups: ['sre']});
    const ok = await runCli(['store', 'migrate'], {env: withToken(operator)});
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('binds the OS user; an identity without a role is denied even read-only commands', async (t) => {
    if (skip) return t.skip(skip);
    const can = await runCli(['auth', 'can-i', 'gdpr:erase', '--json'], {env});
    assert.equal(can.code, 0, can.stderr);
    assert.equal(json<{allowed: boolean}>(can).allowed, true);

    const denied = await runCli(['connectors', 'list', '--context', 'nobody'], {env});
    assert.equal(denied.code, 6, denied.stderr);
    assert.match(denied.stderr, /has no role in this context/);
    let rec = await lastRecord();
    assert.deepEqual([rec.result, rec.command], ['denied', 'connectors:list']);
    assert.deepEqual(rec.targets, [], 'the value of --context is no target');
    // a denied run's targets are its positional arguments, never flag values
    const deniedSync = await runCli(
      ['connectors', 'history', 'sync', '--context', 'nobody', none, '--timeout', '10s', '--dry-run'],
      {env},
    );
    assert.equal(deniedSync.code, 6, deniedSync.stderr);
    rec = await lastRecord();
    assert.deepEqual([rec.result, rec.command, rec.targets], ['denied', 'connectors:history:sync', [none]]);
    // auth commands themselves stay usable, to find out why.
    assert.equal((await runCli(['auth', 'whoami', '--context', 'nobody'], {env})).code, 0);
  });

  it('auth can-i answers for commands, including ones that declare pipeline:control, and auth roles lists roles', async (t) => {
    if (skip) return t.skip(skip);
    const viewer = withToken(await sign({sub: 'repo:org/app:ref:refs/heads/feature'}));
    const operator = withToken(await sign({sub: 'op', groups: ['sre']}));
    const no = await runCli(['auth', 'can-i', 'pipeline', 'pause-all', '--json'], {env: viewer});
    assert.equal(no.code, 3);
    assert.deepEqual(
      (({permission, allowed}) => ({permission, allowed}))(json<{permission: string; allowed: boolean}>(no)),
      {permission: 'pipeline:control', allowed: false},
    );
    assert.equal((await runCli(['auth', 'can-i', 'pipeline', 'pause-all'], {env: operator})).code, 0);
    assert.equal((await runCli(['auth', 'can-i', 'connectors', 'delete'], {env: viewer})).code, 3);
    assert.equal((await runCli(['auth', 'can-i', 'gdpr:erase'], {env: operator})).code, 3);
    assert.equal((await runCli(['auth', 'can-i', 'no', 'such', 'command'], {env})).code, 2);
    const roles = json<{roles: Array<{role: string; held: boolean; builtIn: boolean}>}>(
      await runCli(['auth', 'roles', '--json'], {env: operator}),
    );
    assert.deepEqual(
      roles.roles.map((r) => [r.role, r.held, r.builtIn]),
      [
        ['admin', false, true],
        ['operator', true, true],
        ['viewer', false, true],
        ['historian', false, false],
      ],
    );
  });
});
