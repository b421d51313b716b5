import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {json, runCli, startCli, tempConfig, tempDir} from '../helpers.js';
import {requireStack, sql} from './stack.js';

/**
 * The audit trail on the real PostgreSQL: a record per mutating run (and per dry run), secrets
 * redacted, filters and exports, tampering detected (edit, delete, reorder), a valid chain under
 * concurrent writers, and `audit: required` refusing to run without a writable store.
 */
const schema = `i5_audit_${process.pid}`;
const log = `${schema}._cdc_audit_log`;
const pgUrl = 'postgres://cdc@127.0.0.1:5433/target';
const {env: cfgEnv} = tempConfig(
  [
    'current-context: t',
    'contexts:',
    '  t:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    `    postgres: {url: "${pgUrl}", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
    '  down-required:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:1/target", password: "x"}',
    '    audit: required',
    '  down-optional:',
    '    connect: {url: "http://127.0.0.1:8083"}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:1/target", password: "x"}',
    '',
  ].join('\n'),
);
const env = {...cfgEnv, CDC_PG_PASSWORD: 'cdc'};
const none = `i5-audit-none-${process.pid}-*`;
let skip: string | undefined;

/** A cheap mutating command that needs no connector of its own: sync over a selector matching nothing. */
const mutate = (...extra: string[]) => runCli(['connectors', 'history', 'sync', none, ...extra], {env});

interface Rec {
  seq: number;
  id: string;
  actor: string;
  command: string;
  args: string[];
  result: string;
  role: string;
  targets: string[];
  error: {code: string; message: string} | null;
  hash: string;
  prevHash: string;
}

async function verify(): Promise<{
  code: number;
  out: {ok: boolean; problems: Array<{kind: string; seq: number; message: string}>};
}> {
  const r = await runCli(['audit', 'verify', '--json'], {env});
  return {code: r.code, out: json(r)};
}

describe('audit trail (real PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
  });
  after(async () => {
    if (!skip) await sql('target', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('writes one record per mutating run, with dry runs, failures and redacted secrets', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal((await mutate()).code, 0);
    assert.equal((await mutate('--dry-run')).code, 0);
    const failed = await runCli(
      ['connectors', 'patch', `i5-audit-missing-${process.pid}`, '--set', 'connection.password=hunter2-secret'],
      {env},
    );
    assert.equal(failed.code, 2, failed.stderr);
    const readOnly = await runCli(['audit', 'list', '--json'], {env});
    const records = json<Rec[]>(readOnly);
    assert.deepEqual(
      records.map((r) => [r.command, r.result]),
      [
        ['connectors:history:sync', 'ok'],
        ['connectors:history:sync', 'dry-run'],
        ['connectors:patch', 'failed'],
      ],
      'read-only commands (audit list) write nothing',
    );
    const patch = records[2]!;
    assert.ok(patch.args.includes('connection.password=********'), patch.args.join(' '));
    assert.ok(!JSON.stringify(records).includes('hunter2-secret'));
    assert.equal(patch.error?.code, 'NOT_FOUND');
    assert.deepEqual(patch.targets, [`i5-audit-missing-${process.pid}`]);
    assert.equal(patch.role, 'unrestricted');
    assert.match(patch.actor, /@/);
    assert.equal(records[1]!.prevHash, records[0]!.hash);
    const raw = await sql('target', `SELECT args::text FROM ${log}`);
    assert.ok(!raw.some((r) => String(r.args).includes('hunter2')));
  });

  it('filters, shows and exports records', async (t) => {
    if (skip) return t.skip(skip);
    const failed = json<Rec[]>(await runCli(['audit', 'list', '--result', 'failed', '--json'], {env}));
    assert.deepEqual(
      failed.map((r) => r.command),
      ['connectors:patch'],
    );
    const byAction = json<Rec[]>(
      await runCli(['audit', 'list', '--action', 'connectors history', '--since', '1h', '--json'], {env}),
    );
    assert.equal(byAction.length, 2);
    const byTarget = json<Rec[]>(
      await runCli(['audit', 'list', '--target', `i5-audit-missing-${process.pid}`, '--json'], {env}),
    );
    assert.equal(byTarget.length, 1);
    assert.equal(json<Rec[]>(await runCli(['audit', 'list', '--until', '2000-01-01', '--json'], {env})).length, 0);
    const shown = json<Rec>(await runCli(['audit', 'show', byTarget[0]!.id, '--json'], {env}));
    assert.equal(shown.seq, byTarget[0]!.seq);
    assert.equal((await runCli(['audit', 'show', '999999'], {env})).code, 2);

    const dir = tempDir();
    for (const format of ['json', 'ndjson', 'csv']) {
      const file = join(dir, `audit.${format}`);
      const r = await runCli(['audit', 'export', '--format', format, '--output', file], {env});
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(file, 'utf8');
      if (format === 'json') assert.equal((JSON.parse(text) as Rec[]).length, 3);
      if (format === 'ndjson') assert.equal(text.trim().split('\n').length, 3);
      if (format === 'csv') {
        const lines = text.trim().split('\n');
        assert.match(lines[0]!, /^seq,id,time,actor/);
        assert.equal(lines.length, 4);
      }
    }
    const stdout = await runCli(['audit', 'export', '--format', 'ndjson', '--since', '1h'], {env});
    assert.equal(stdout.stdout.trim().split('\n').length, 3);
  });

  it('keeps one valid chain when several cdcctl processes write at once', async (t) => {
    if (skip) return t.skip(skip);
    const runs = await Promise.all(Array.from({length: 6}, () => mutate()));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const v = await verify();
    assert.equal(v.code, 0, JSON.stringify(v.out));
    const rows = await sql('target', `SELECT count(*)::int AS n, max(seq)::int AS m FROM ${log}`);
    assert.deepEqual(rows[0], {n: 9, m: 9});
  });

  it('detects an edited, a deleted and a reordered record, and says which', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `CREATE TABLE ${schema}.backup AS SELECT * FROM ${log}`);
    const restore = async () => {
      await sql('target', `DELETE FROM ${log}; INSERT INTO ${log} SELECT * FROM ${schema}.backup`);
      assert.equal((await verify()).code, 0);
    };

    await sql('target', `UPDATE ${log} SET actor = 'someone-else' WHERE seq = 3`);
    let v = await verify();
    assert.equal(v.code, 3);
    assert.deepEqual(
      v.out.problems.map((p) => [p.kind, p.seq]),
      [['modified', 3]],
    );
    await restore();

    await sql('target', `DELETE FROM ${log} WHERE seq = 5`);
    v = await verify();
    assert.equal(v.code, 3);
    assert.deepEqual(
      v.out.problems.map((p) => [p.kind, p.seq]),
      [['deleted', 6]],
    );
    assert.match(v.out.problems[0]!.message, /seq 5/);
    await restore();

    await sql(
      'target',
      `UPDATE ${log} SET seq = -1 WHERE seq = 4; UPDATE ${log} SET seq = 4 WHERE seq = 5; UPDATE ${log} SET seq = 5 WHERE seq = -1`,
    );
    v = await verify();
    assert.equal(v.code, 3);
    assert.ok(
      v.out.problems.every((p) => p.kind === 'reordered'),
      JSON.stringify(v.out.problems),
    );
    assert.ok(v.out.problems.some((p) => p.seq === 4));
    await restore();

    await sql('target', `DELETE FROM ${log} WHERE seq = 9`);
    v = await verify();
    assert.deepEqual(
      v.out.problems.map((p) => p.kind),
      ['truncated'],
    );
    await restore();
  });

  it('refuses a mutating command when the context requires audit and the store is down; warns when optional', async (t) => {
    if (skip) return t.skip(skip);
    const refused = await runCli(['connectors', 'history', 'sync', '--context', 'down-required'], {env});
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /refusing to run.*requires an audit record/);
    const dry = await runCli(['connectors', 'pause', none, '--dry-run', '--context', 'down-required'], {env});
    assert.doesNotMatch(dry.stderr, /refusing/, 'a dry run changes nothing and is not refused');
    const warned = await runCli(['connectors', 'pause', none, '--context', 'down-optional', '--json'], {env});
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /audit record .* was not written/);
  });

  it('audits a mutating run interrupted with Ctrl-C (it may already have changed something)', async (t) => {
    if (skip) return t.skip(skip);
    // a Kafka Connect that accepts the request and never answers: the run is mid-change when interrupted
    const {createServer} = await import('node:http');
    let received!: () => void;
    const requested = new Promise<void>((r) => {
      received = r;
    });
    const hung = createServer(() => received());
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as import('node:net').AddressInfo).port;
    try {
      const {env: hungEnv} = tempConfig(
        [
          'current-context: h',
          'contexts:',
          '  h:',
          `    connect: {url: "http://127.0.0.1:${port}"}`,
          `    postgres: {url: "${pgUrl}", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}`,
          '',
        ].join('\n'),
      );
      const name = `i5-audit-interrupted-${process.pid}`;
      const run = startCli(['connectors', 'patch', name, '--set', 'a=b'], {env: {...hungEnv, CDC_PG_PASSWORD: 'cdc'}});
      await requested;
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      const records = json<Rec[]>(await runCli(['audit', 'list', '--target', name, '--json'], {env}));
      const mine = records.filter((rec) => rec.targets.includes(name));
      assert.equal(mine.length, 1, JSON.stringify(records));
      assert.equal(mine[0]?.result, 'failed');
      assert.equal(mine[0]?.error?.code, 'INTERRUPTED');
      assert.equal((await verify()).code, 0);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });

  it('hashes unusual text exactly as cdcctl and `audit verify` do (the store computes the link)', async (t) => {
    if (skip) return t.skip(skip);
    const odd = 'Zürich "quoted" \\back\\slash\ttab\nnewline 🚀 日本 \u2028';
    const r = await runCli(['connectors', 'pause', odd], {env});
    assert.equal(r.code, 2, r.stderr); // no such connector: a failed run, audited with its error
    const last = (await sql('target', `SELECT args, error FROM ${log} ORDER BY seq DESC LIMIT 1`))[0] as {
      args: string[];
      error: {message: string};
    };
    assert.ok(last.args.includes(odd), JSON.stringify(last.args));
    assert.match(last.error.message, /Zürich/);
    const v = await verify();
    assert.equal(v.code, 0, JSON.stringify(v.out));
  });
});
