import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {type FakeVault, startFakeVault} from '../fake-vault.js';
import {type CliResult, runCli, tempConfig, tempDir} from '../helpers.js';
import {connectRaw, deleteConnectors, requireStack, sql} from './stack.js';

/**
 * The README's promise, class-wide: a secret is never printed, logged or stored. One unique canary
 * goes in through every kind of reference (`${env:}`, `${file:}`, inside non-secret keys too) and
 * every kind of credential (registry user-info, JAAS config, URL user-info, JDBC `password=`,
 * keystore password, token, credentials — literally in definitions and on the command line), and a
 * GDPR subject id. Every command that can show, diff, log, audit or store it runs — text, --json,
 * --verbose, JSON logs, succeeding and failing — and then neither any output nor any row of any
 * table of the operational store holds the canary.
 */
const CANARY = `Cnry${process.pid}${randomBytes(4).toString('hex')}`;
const schema = `i19_canary_${process.pid}`;
const name = `i19-canary-${process.pid}`;
const dir = tempDir();
const secretFile = join(dir, 'secret.txt');
const subject = `${CANARY}-subject@example.com`;
const {env: cfgEnv} = tempConfig(
  [
    'current-context: t',
    'contexts:',
    '  t:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
    '    gdpr:',
    `      cassandra: [{keyspace: i19_canary_absent_${process.pid}, table: t, subjectColumns: [id]}]`,
    `      postgres: [{schema: i19_canary_absent_${process.pid}, table: t, column: id}]`,
    '      backupKey: "${env:I19_BACKUP_KEY}"',
    '      reportKey: "${env:I19_REPORT_KEY}"',
    // an access policy that grants nobody anything: every run is denied, and audited
    '  locked:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '    access:',
    '      bindings: [{roles: [admin], users: ["somebody-else"]}]',
    // credentials in the URLs of services that are down: every error names them
    '  down:',
    `    connect: {url: "http://u:${CANARY}down@127.0.0.1:1"}`,
    `    postgres: {url: "postgres://cdc:${CANARY}pgurl@127.0.0.1:1/target", opsSchema: ${schema}}`,
    '',
  ].join('\n'),
);
const env: Record<string, string | undefined> = {
  ...cfgEnv,
  CDC_PG_PASSWORD: 'cdc',
  I19_CANARY_ENV: `${CANARY}env`,
  I19_BACKUP_KEY: '11'.repeat(32),
  I19_REPORT_KEY: 'report-key-for-the-canary-test',
};
/** The same context, in a process that never sees the env reference's value nor can read Vault. */
const envWithoutRef: Record<string, string | undefined> = {...env, I19_CANARY_ENV: undefined};
/** A Vault on loopback (answering like Vault's HTTP API) that holds the canary too. */
const VAULT_TOKEN = `hvs.canary-${process.pid}`;
let vault: FakeVault | undefined;

const definition = join(dir, 'canary.yaml');
writeFileSync(secretFile, `${CANARY}file\n`);
writeFileSync(
  definition,
  [
    `name: ${name}`,
    'config:',
    '  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector',
    `  topics: ${name}`,
    `  file: ${join(dir, 'out.txt')}`,
    '  tasks.max: "1"',
    // references inside non-secret keys
    '  note: "prefix-${env:I19_CANARY_ENV}-suffix"',
    `  comment: "from-file-\${file:${secretFile}}"`,
    // references as whole secret values
    '  connection.password: ${env:I19_CANARY_ENV}',
    // a Vault reference, whole and inside a non-secret key
    '  vault.secret: ${vault:secret/data/canary#value}',
    '  vault.note: "v-${vault:secret/data/canary#value}"',
    // literal credentials of every kind
    `  value.converter.basic.auth.user.info: "registry:${CANARY}ui"`,
    `  sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${CANARY}jaas";'`,
    `  sink.endpoint.url: "https://u:${CANARY}url@sink.example:8443/x"`,
    `  connection.url: "jdbc:postgresql://db.example:5432/app?user=app&password=${CANARY}jdbc&ssl=true"`,
    `  custom.ssl.keystore.password: "${CANARY}ks"`,
    `  custom.auth.token: "${CANARY}tok"`,
    `  gcp.credentials.json: '{"private_key":"${CANARY}gcp"}'`,
    '',
  ].join('\n'),
);

let skip: string | undefined;
const outputs: Array<{what: string; r: CliResult}> = [];

async function run(args: string[], options: {env?: typeof env; input?: string} = {}): Promise<CliResult> {
  const r = await runCli(args, {env: options.env ?? env, input: options.input});
  outputs.push({what: args.join(' '), r});
  return r;
}

function assertNoCanary(): void {
  const leaks = outputs.filter(({r}) => r.stdout.includes(CANARY) || r.stderr.includes(CANARY));
  assert.deepEqual(
    leaks.map(({what, r}) => {
      const text = `${r.stdout}\n${r.stderr}`;
      const at = text.indexOf(CANARY);
      return `${what}: …${text.slice(Math.max(0, at - 80), at + 40)}…`;
    }),
    [],
  );
}

describe('no secret in any output, log line or store table (canary sweep)', () => {
  before(async () => {
    skip = await requireStack();
    vault = await startFakeVault(VAULT_TOKEN);
    vault.secrets.set('secret/data/canary', {value: `${CANARY}vault`});
    Object.assign(env, {VAULT_ADDR: vault.address, VAULT_TOKEN});
    envWithoutRef.VAULT_ADDR = vault.address;
  });
  after(async () => {
    if (skip) return;
    await deleteConnectors([name]);
    await sql('target', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    rmSync(dir, {recursive: true, force: true});
    await vault?.close();
  });

  it('apply, patch, describe, config get, diff, history, rollback, audit and gdpr never show or keep it', async (t) => {
    if (skip) return t.skip(skip);
    const ok = (r: CliResult, code = 0) => assert.equal(r.code, code, `${r.stdout}\n${r.stderr}`);

    // apply: dry run (text, --json --verbose, JSON logs), then for real, then unchanged
    ok(await run(['connectors', 'apply', '-f', definition, '--dry-run']));
    ok(await run(['connectors', 'apply', '-f', definition, '--dry-run', '--json', '--verbose']));
    ok(await run(['connectors', 'apply', '-f', definition, '--verbose', '--log-format', 'json']));
    ok(await run(['connectors', 'apply', '-f', definition, '--json']));
    const live = (await connectRaw('GET', `/connectors/${name}/config`)).body as Record<string, string>;
    assert.equal(live.note, `prefix-${CANARY}env-suffix`, 'the worker got the resolved value');
    assert.equal(live['vault.note'], `v-${CANARY}vault`, 'the worker got the value read from Vault');

    // read back, in a process that resolved nothing and one that can resolve the reference
    for (const e of [env, envWithoutRef]) {
      ok(await run(['connectors', 'describe', name], {env: e}));
      ok(await run(['connectors', 'describe', name, '--json', '--verbose'], {env: e}));
      ok(await run(['connectors', 'config', 'get', name], {env: e}));
      ok(await run(['connectors', 'config', 'get', name, '--json'], {env: e}));
      ok(await run(['connectors', 'config', 'get', name, 'note'], {env: e}));
    }

    // patch from a process that never resolved the reference: diff and stored version keep its form
    const patched = await run(['connectors', 'patch', name, '--set', 'tasks.max=2', '--json', '--verbose'], {
      env: envWithoutRef,
    });
    ok(patched);
    // change the values themselves: references, literal credentials on the command line, URLs
    ok(await run(['connectors', 'patch', name, '--set', 'note=${env:I19_CANARY_ENV}-changed', '--dry-run']));
    ok(
      await run(['connectors', 'patch', name, '--set', 'vault.note=w-${vault:secret/data/canary#value}', '--dry-run']),
    );
    ok(
      await run([
        'connectors',
        'patch',
        name,
        '--set',
        'note=other-${env:I19_CANARY_ENV}',
        '--set',
        `value.converter.basic.auth.user.info=registry:${CANARY}cli`,
        '--set',
        `sink.endpoint.url=https://u:${CANARY}cliurl@sink2.example/x`,
        '--set',
        `connection.url=jdbc:postgresql://db2.example/app?password=${CANARY}clijdbc`,
        '--verbose',
      ]),
    );
    ok(
      await run(
        ['connectors', 'patch', name, '--set', 'comment=changed-without-the-file', '--json', '--log-format', 'json'],
        {env: envWithoutRef},
      ),
    );

    // failing: the plugin refuses a value, a reference cannot be resolved
    const refused = await run([
      'connectors',
      'patch',
      name,
      '--set',
      'tasks.max=not-a-number',
      '--set',
      `custom.auth.token=${CANARY}fail`,
      '--verbose',
    ]);
    assert.notEqual(refused.code, 0);
    const unresolvable = await run(['connectors', 'apply', '-f', definition, '--json'], {env: envWithoutRef});
    assert.equal(unresolvable.code, 2, unresolvable.stderr);

    for (const format of ['text', 'json']) {
      const down = ['--context', 'down', '--timeout', '2s', '--verbose', '--log-format', format];
      assert.equal((await run(['connectors', 'describe', name, ...down])).code, 4);
      assert.equal((await run(['connectors', 'describe', name, '--json', ...down])).code, 4);
      assert.notEqual((await run(['connectors', 'apply', '-f', definition, ...down])).code, 0);
      assert.notEqual((await run(['store', 'status', ...down])).code, 0);
    }

    // denied runs are audited with their targets: the positional arguments, not flag values
    const locked = ['--context', 'locked'];
    const denied = await run(['connectors', 'patch', name, '--set', `custom.auth.token=${CANARY}denied`, ...locked]);
    assert.equal(denied.code, 6, denied.stderr);
    assert.equal((await run(['gdpr', 'list', '--subject', subject, ...locked])).code, 6);

    // history, diffs, sync, rollback
    ok(await run(['connectors', 'history', name]));
    ok(await run(['connectors', 'history', name, '--json']));
    ok(await run(['connectors', 'diff', name]));
    ok(await run(['connectors', 'diff', name, '--from', '1', '--json'], {env: envWithoutRef}));
    ok(await run(['connectors', 'diff', name, '--from', '1', '--to', '3']));
    // a change made outside cdcctl, to the config the worker holds (resolved values and all)
    const current = (await connectRaw('GET', `/connectors/${name}/config`)).body as Record<string, string>;
    await connectRaw('PUT', `/connectors/${name}/config`, {...current, 'tasks.max': '3'});
    ok(await run(['connectors', 'history', 'sync', name, '--dry-run', '--json'], {env: envWithoutRef}));
    ok(await run(['connectors', 'history', 'sync', name], {env: envWithoutRef}));
    ok(await run(['connectors', 'rollback', name, '--to', '1', '--yes', '--verbose']));
    ok(await run(['connectors', 'describe', name, '--json'], {env: envWithoutRef}));

    // a GDPR subject id on the command line (the run fails: its tables do not exist)
    const erase = await run(['gdpr', 'erase', '--subject', subject, '--dry-run', '--json']);
    assert.notEqual(erase.code, 0);
    await run(['gdpr', 'erase', '--subject', subject, '--yes']);

    // the audit trail, every way it can be read
    ok(await run(['audit', 'list']));
    ok(await run(['audit', 'list', '--json', '--limit', '1000']));
    ok(await run(['audit', 'export', '--format', 'ndjson']));
    ok(await run(['audit', 'export', '--format', 'csv']));
    ok(await run(['audit', 'export', '--format', 'json']));
    const ids = (await sql('target', `SELECT id FROM ${schema}._cdc_audit_log ORDER BY seq`)).map((r) => String(r.id));
    assert.ok(ids.length >= 8, `audited runs: ${ids.length}`);
    for (const id of ids) ok(await run(['audit', 'show', id, '--json']));
    ok(await run(['connectors', 'delete', name, '--yes']));

    assertNoCanary();

    // every row of every table of the store
    const tables = await sql<{table_name: string}>(
      'target',
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    assert.ok(tables.some((r) => r.table_name === 'connector_config_history'));
    const leaks: string[] = [];
    let rows = 0;
    for (const {table_name} of tables) {
      const all = await sql<{row: string}>('target', `SELECT t::text AS row FROM ${schema}."${table_name}" t`);
      rows += all.length;
      for (const {row} of all) if (row.includes(CANARY)) leaks.push(`${table_name}: ${row.slice(0, 300)}`);
    }
    assert.deepEqual(leaks, []);
    assert.ok(rows > 20, `rows checked: ${rows}`);

    // and the store kept what it should: references in their written form, the subject as a pseudonym
    const versions = await sql<{version: number; config: Record<string, string> | null}>(
      'target',
      `SELECT version, config FROM ${schema}.connector_config_history WHERE connector = $1 ORDER BY version`,
      [name],
    );
    assert.equal(versions[1]?.config?.note, 'prefix-${env:I19_CANARY_ENV}-suffix', 'patch kept the reference');
    assert.equal(versions[1]?.config?.comment, `from-file-\${file:${secretFile}}`);
    assert.equal(versions[1]?.config?.['vault.note'], 'v-${vault:secret/data/canary#value}');
    assert.equal(versions[1]?.config?.['vault.secret'], '${vault:secret/data/canary#value}');
    const erased = await sql<{args: string[]}>(
      'target',
      `SELECT args FROM ${schema}._cdc_audit_log WHERE command = 'gdpr:erase' ORDER BY seq`,
    );
    assert.ok(erased.length >= 1);
    for (const {args} of erased) assert.match(args.join(' '), /--subject hmac:[0-9a-f]{64}/);
  });
});
