import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {json, runCli, tempConfig, tempDir} from '../helpers.js';
import {connectRaw, deleteConnectors, requireStack, sql} from './stack.js';

/**
 * Config history against the real Connect worker and PostgreSQL: apply → patch → rollback →
 * delete, secret references kept and resolved secrets never stored, diff, and `history sync`
 * recording changes made outside cdcctl.
 */
const schema = `i5_hist_${process.pid}`;
const name = `i5-hist-${process.pid}`;
const SECRET = `s3cr3t-${process.pid}-value`;
const dir = tempDir();
const {env: cfgEnv} = tempConfig(
  [
    'current-context: t',
    'contexts:',
    '  t:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '  nostore:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    '',
  ].join('\n'),
);
const env = {...cfgEnv, CDC_PG_PASSWORD: 'cdc', I5_HIST_PW: SECRET};
const def = join(dir, 'fs.yaml');
writeFileSync(
  def,
  [
    `name: ${name}`,
    'config:',
    '  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector',
    `  topics: ${name}`,
    `  file: ${join(dir, 'out.txt')}`,
    '  tasks.max: "1"',
    '  custom.password: ${env:I5_HIST_PW}',
    '',
  ].join('\n'),
);
let skip: string | undefined;

interface Version {
  version: number;
  action: string;
  config: Record<string, string> | null;
  actor: string;
  message: string | null;
}
const history = async () => json<Version[]>(await runCli(['connectors', 'history', name, '--json'], {env}));
const live = async () => (await connectRaw('GET', `/connectors/${name}/config`)).body as Record<string, string>;

describe('connector config history (real Connect + PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
  });
  after(async () => {
    if (skip) return;
    await deleteConnectors([name, `${name}-nostore`]);
    await sql('target', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('records apply, patch and rollback with references kept and secrets never stored', async (t) => {
    if (skip) return t.skip(skip);
    const applied = await runCli(['connectors', 'apply', '-f', def, '-m', 'first version'], {env});
    assert.equal(applied.code, 0, applied.stderr);
    const patched = await runCli(['connectors', 'patch', name, '--set', 'tasks.max=2', '-m', 'scale out'], {env});
    assert.equal(patched.code, 0, patched.stderr);

    let versions = await history();
    assert.deepEqual(
      versions.map((v) => [v.version, v.action, v.message]),
      [
        [1, 'create', 'first version'],
        [2, 'update', 'scale out'],
      ],
    );
    assert.equal(versions[0]!.config?.['custom.password'], '${env:I5_HIST_PW}', 'the reference is kept');
    assert.equal(
      versions[1]!.config?.['custom.password'],
      '${env:I5_HIST_PW}',
      'a patch keeps the reference the live secret came from, never the value',
    );
    assert.equal(versions[1]!.config?.['tasks.max'], '2');
    const raw = await sql('target', `SELECT config::text AS c FROM ${schema}.connector_config_history`);
    assert.ok(!raw.some((r) => String(r.c).includes(SECRET)), 'no resolved secret in the store');

    const diff = json<{from: number; to: string; changes: Array<{key: string}>}>(
      await runCli(['connectors', 'diff', name, '--from', '1', '--json'], {env}),
    );
    assert.deepEqual(
      diff.changes.map((c) => c.key),
      ['tasks.max'],
      'a reference that resolves to the live secret is no difference',
    );
    const between = json<{changes: Array<{key: string}>}>(
      await runCli(['connectors', 'diff', name, '--from', '1', '--to', '2', '--json'], {env}),
    );
    assert.ok(between.changes.some((c) => c.key === 'tasks.max'));

    const dry = await runCli(['connectors', 'rollback', name, '--dry-run', '--json'], {env});
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((await live())['tasks.max'], '2', 'a dry run changes nothing');

    const noYes = await runCli(['connectors', 'rollback', name], {env});
    assert.equal(noYes.code, 2, 'without a terminal, rollback needs --yes');

    const rolled = await runCli(['connectors', 'rollback', name, '--yes', '--json'], {env});
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.deepEqual(
      (({from, to, action}) => ({from, to, action}))(json<{from: number; to: number; action: string}>(rolled)),
      {from: 2, to: 1, action: 'update'},
    );
    const after = await live();
    assert.equal(after['tasks.max'], '1');
    assert.equal(after['custom.password'], SECRET, 'the reference was resolved for writing');

    versions = await history();
    assert.deepEqual(versions.map((v) => [v.version, v.action, v.message]).at(-1), [
      3,
      'rollback',
      'rollback to version 1',
    ]);
    assert.equal(versions.at(-1)!.config?.['custom.password'], '${env:I5_HIST_PW}');

    const audit = json<Array<{command: string; result: string}>>(
      await runCli(['audit', 'list', '--target', name, '--json'], {env}),
    );
    assert.deepEqual(
      audit.map((a) => [a.command, a.result]),
      [
        ['connectors:apply', 'ok'],
        ['connectors:patch', 'ok'],
        ['connectors:rollback', 'dry-run'],
        ['connectors:rollback', 'failed'],
        ['connectors:rollback', 'ok'],
      ],
    );
  });

  it('history sync records changes made outside cdcctl, and delete records a deletion', async (t) => {
    if (skip) return t.skip(skip);
    const cfg = await live();
    const put = await connectRaw('PUT', `/connectors/${name}/config`, {...cfg, 'tasks.max': '3'});
    assert.equal(put.status, 200);
    const dry = json<Array<{connector: string; outcome: string}>>(
      await runCli(['connectors', 'history', 'sync', name, '--dry-run', '--json'], {env}),
    );
    assert.deepEqual(
      dry.map((r) => [r.connector, r.outcome]),
      [[name, 'recorded']],
    );
    assert.equal((await history()).length, 3, 'a dry run records nothing');

    const synced = json<Array<{outcome: string; version: number; changes: Array<{key: string}>}>>(
      await runCli(['connectors', 'history', 'sync', name, '--json'], {env}),
    );
    assert.deepEqual(
      synced.map((r) => [r.outcome, r.version, r.changes.map((c) => c.key)]),
      [['recorded', 4, ['tasks.max']]],
    );
    const external = (await history()).at(-1)!;
    assert.equal(external.action, 'external');
    assert.equal(external.config?.['custom.password'], '${env:I5_HIST_PW}', 'unchanged keys keep their reference');
    const again = json<Array<{outcome: string}>>(
      await runCli(['connectors', 'history', 'sync', name, '--json'], {env}),
    );
    assert.deepEqual(
      again.map((r) => r.outcome),
      ['unchanged'],
    );

    const del = await runCli(['connectors', 'delete', name, '--yes', '-m', 'retired'], {env});
    assert.equal(del.code, 0, del.stderr);
    const last = (await history()).at(-1)!;
    assert.deepEqual([last.version, last.action, last.config, last.message], [5, 'delete', null, 'retired']);

    const back = await runCli(['connectors', 'rollback', name, '--yes', '--json'], {env});
    assert.equal(back.code, 0, back.stderr);
    assert.equal(json<{action: string; to: number}>(back).action, 'create', 'rolling back a deletion recreates it');
    assert.equal((await live())['tasks.max'], '3');
  });

  it('skips config history with a warning when the context has no store', async (t) => {
    if (skip) return t.skip(skip);
    const other = join(dir, 'nostore.yaml');
    writeFileSync(
      other,
      `name: ${name}-nostore\nconfig:\n  connector.class: org.apache.kafka.connect.file.FileStreamSinkConnector\n  topics: ${name}\n  file: ${join(dir, 'o2.txt')}\n`,
    );
    const r = await runCli(['connectors', 'apply', '-f', other, '--context', 'nostore'], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /config history skipped: context "nostore" has no postgres store/);
  });
});
