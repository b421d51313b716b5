import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type driver from 'cassandra-driver';
import {eventually, json, runCli, startCli} from '../helpers.js';
import {cassandraClient, requireStack, sql, stackConfig} from './stack.js';

/**
 * `cdcctl backfill start <table pair>` against the local stack: Cassandra 5 → PostgreSQL with the
 * repair guard, checkpoints per token split, resume after kill -9. Objects named with this pid.
 */
const id = `i22bc${process.pid}`;
const table = `${id}.accounts`;
const ROWS = 6000;
const {env} = stackConfig(
  [
    'reconcile:',
    '  tables:',
    `    - {name: ${table}, cassandra: ${table}, postgres: ${table}, key: [id], updatedAt: updated_at, writetimeColumn: name}`,
  ],
  {opsSchema: `cdc_ops_${id}`},
);
const cli = (args: string[]) => runCli(args, {env});

interface Result {
  id: string;
  status: string;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  newer: number;
  splits: number;
  splitsDone: number;
  splitsSkipped: number;
  filteredOut: number;
}

let skip: string | undefined;
let cass: driver.Client;

/** The PostgreSQL table's rows as comparable text, by id. */
async function pgRows(): Promise<Map<string, string>> {
  const rows = await sql<{id: string; r: string}>(
    'target',
    `SELECT id::text AS id, concat_ws('|', name, balance, score, ratio, visits, big, active, created_at, birthday, tags::text) AS r FROM ${table}`,
  );
  return new Map(rows.map((x) => [x.id, x.r]));
}

describe('backfill of a Cassandra table pair', () => {
  let original: Map<string, string>;
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cass = await cassandraClient();
    const r = await cli([
      'reconcile',
      'seed',
      '--cassandra',
      table,
      '--postgres',
      table,
      '--rows',
      String(ROWS),
      '--recreate',
      '--no-cdc',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    original = await pgRows();
    assert.equal(original.size, ROWS);
  });
  after(async () => {
    if (skip) return;
    await cass.execute(`DROP KEYSPACE IF EXISTS ${id}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS cdc_ops_${id} CASCADE`).catch(() => {});
  });

  it('--dry-run counts what would be written and writes nothing', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT 100)`);
    const r = await cli(['backfill', 'start', table, '--dry-run', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = json<Result>(r);
    assert.equal(res.rowsRead, ROWS);
    assert.equal(res.inserted, 100);
    assert.equal(res.updated, 0);
    assert.equal(res.unchanged, ROWS - 100);
    assert.equal((await pgRows()).size, ROWS - 100, 'a dry run wrote nothing');
  });

  it('after the target was truncated, restores it exactly; reconcile then finds no drift', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${table}`);
    const r = await cli(['backfill', 'start', table, '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = json<Result>(r);
    assert.equal(res.status, 'completed');
    assert.equal(res.inserted, ROWS);
    assert.deepEqual(await pgRows(), original);
    const rc = await cli(['reconcile', '--table', table, '--min-age', '0s', '--recheck-after', '0', '--json']);
    assert.equal(rc.code, 0, `reconcile found drift: ${rc.stdout.slice(0, 2000)}`);
    // a second backfill finds everything in place: nothing rewritten
    const again = json<Result>(await cli(['backfill', 'start', table, '--yes', '--json']));
    assert.equal(again.inserted + again.updated, 0);
    assert.equal(again.unchanged, ROWS);
  });

  it('never overwrites a row PostgreSQL holds newer; updates an older one', async (t) => {
    if (skip) return t.skip(skip);
    const [newer, older] = [...original.keys()].sort().slice(0, 2) as [string, string];
    // the pipeline wrote `newer` after Cassandra's write (updated_at in the future of writetime)
    await sql(
      'target',
      `UPDATE ${table} SET name = 'written later by CDC', updated_at = now() + interval '1 hour' WHERE id = $1`,
      [newer],
    );
    // `older` differs but is dated before Cassandra's write: the backfill corrects it
    await sql('target', `UPDATE ${table} SET name = 'stale', updated_at = '2000-01-01' WHERE id = $1`, [older]);
    const dry = json<Result>(await cli(['backfill', 'start', table, '--dry-run', '--json']));
    assert.equal(dry.newer, 1);
    assert.equal(dry.updated, 1);
    const res = json<Result>(await cli(['backfill', 'start', table, '--yes', '--json']));
    assert.equal(res.updated, 1);
    const rows = await pgRows();
    assert.match(rows.get(newer) ?? '', /^written later by CDC\|/);
    assert.equal(rows.get(older), original.get(older));
  });

  it('a killed backfill resumes from its checkpoints without rewriting finished splits', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${table}`);
    // slow enough to be killed half-way: 16 splits, 1 at a time, 1,500 rows/s
    const run = startCli(
      [
        'backfill',
        'start',
        table,
        '--yes',
        '--splits',
        '16',
        '--concurrency',
        '1',
        '--rate',
        '1500',
        '--fetch-size',
        '100',
      ],
      {env},
    );
    const schema = `cdc_ops_${id}`;
    const bf = await eventually(async () => {
      const rows = await sql<{id: string; n: number}>(
        'target',
        `SELECT b.id, (SELECT count(*)::int FROM ${schema}.backfill_ranges r WHERE r.id = b.id) AS n
           FROM ${schema}.backfills b WHERE b.kind = 'cassandra' AND b.status = 'running' ORDER BY started_at DESC LIMIT 1`,
      );
      return rows[0] && rows[0].n >= 3 ? rows[0] : undefined;
    }, 60_000);
    run.child.kill('SIGKILL');
    await run.done;
    const doneBefore = await sql<{split: number; done_at: Date}>(
      'target',
      `SELECT split, done_at FROM ${schema}.backfill_ranges WHERE id = $1`,
      [bf.id],
    );
    const written = Number((await sql<{n: string}>('target', `SELECT count(*) AS n FROM ${table}`))[0]?.n);
    assert.ok(doneBefore.length >= 3 && doneBefore.length < 16, `${doneBefore.length} splits done before the kill`);
    assert.ok(written < ROWS, 'the kill stopped it before the end');
    const listed = json<Array<{id: string; status: string}>>(await cli(['backfill', 'list', '--json']));
    assert.equal(listed.find((b) => b.id === bf.id)?.status, 'interrupted');

    const r = await cli(['backfill', 'resume', bf.id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = json<Result>(r);
    assert.equal(res.status, 'completed');
    assert.equal(res.splitsSkipped, doneBefore.length);
    assert.equal(res.splitsDone, 16 - doneBefore.length);
    // the resumed run read only the splits not done, and inserted exactly the rows still missing
    assert.equal(res.inserted, ROWS - written);
    assert.ok(res.rowsRead < ROWS);
    const after = await sql<{split: number; done_at: Date}>(
      'target',
      `SELECT split, done_at FROM ${schema}.backfill_ranges WHERE id = $1`,
      [bf.id],
    );
    assert.equal(after.length, 16);
    for (const d of doneBefore) {
      const same = after.find((a) => a.split === d.split);
      assert.equal(same?.done_at.getTime(), d.done_at.getTime(), `split ${d.split} was not written again`);
    }
    assert.deepEqual(await pgRows(), original);
    const status = await cli(['backfill', 'status', bf.id, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(json<{backfill: {status: string; rowsWritten: number}}>(status).backfill.rowsWritten, ROWS);
  });

  it('jobs lists a running backfill; jobs cancel stops it at a split, exit 130, and it resumes', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${table}`);
    const run = startCli(
      [
        'backfill',
        'start',
        table,
        '--yes',
        '--splits',
        '16',
        '--concurrency',
        '1',
        '--rate',
        '1500',
        '--fetch-size',
        '100',
      ],
      {env},
    );
    const job = await eventually(async () => {
      const r = await cli(['jobs', 'list', '--kind', 'backfill', '--running', '--json']);
      const jobs =
        r.code === 0 ? json<{jobs: Array<{id: string; progress: string | null; cancellable: boolean}>}>(r).jobs : [];
      return jobs.find((j) => j.progress && !j.progress.startsWith('0/'));
    }, 60_000);
    assert.ok(job.cancellable);
    const cancel = await cli(['jobs', 'cancel', job.id, '--reason', 'test', '--yes', '--json']);
    assert.equal(cancel.code, 0, cancel.stderr);
    const done = await run.done;
    assert.equal(done.code, 130, done.stderr);
    assert.match(done.stderr, /was cancelled by .* \(test\): stopped at a checkpoint/);
    const bfId = job.id.slice('backfill:'.length);
    const shown = json<{state: string; resume: string}>(await cli(['jobs', 'show', job.id, '--json']));
    assert.equal(shown.state, 'interrupted');
    assert.equal(shown.resume, `cdcctl backfill resume ${bfId}`);
    const r = await cli(['backfill', 'resume', bfId, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<Result>(r).status, 'completed');
    assert.deepEqual(await pgRows(), original);
  });

  it('--shard i/N: the shards together write every row once; --key-from/--key-to limit the keys', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `TRUNCATE ${table}`);
    const a = json<Result>(await cli(['backfill', 'start', table, '--yes', '--shard', '0/2', '--json']));
    const b = json<Result>(await cli(['backfill', 'start', table, '--yes', '--shard', '1/2', '--json']));
    assert.equal(a.inserted + b.inserted, ROWS);
    assert.ok(a.inserted > 0 && b.inserted > 0);
    assert.deepEqual(await pgRows(), original);
    // a key range on the uuid partition key, compared as text
    await sql('target', `TRUNCATE ${table}`);
    const r = json<Result>(
      await cli(['backfill', 'start', table, '--yes', '--key-from', '4', '--key-to', '8', '--json']),
    );
    const expected = [...original.keys()].filter((k) => k >= '4' && k < '8');
    assert.equal(r.inserted, expected.length);
    assert.equal(r.filteredOut, ROWS - expected.length);
    assert.deepEqual([...(await pgRows()).keys()].sort(), expected.sort());
  });
});
