import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type driver from 'cassandra-driver';
import {eventually, json, runCli, startCli} from '../helpers.js';
import {cassandraClient, requireStack, sql, stackConfig} from './stack.js';

/**
 * `cdcctl jobs` against the real stack: a reconcile run slowed down on purpose (--rate-limit) shows
 * in `jobs list --running` with its progress, `jobs cancel` stops it at its next token split (exit
 * 130, table interrupted with its checkpoint), and `reconcile --resume` finishes it from there.
 * Everything is named i26j<pid> and dropped afterwards.
 */
const id = `i26j${process.pid}`;
const tableName = `${id}.accounts`;
const OPS = `cdc_ops_${id}`;
const ROWS = 3000;
const {env} = stackConfig(
  [
    'reconcile:',
    '  buckets: 1024',
    '  tables:',
    `    - {name: ${tableName}, cassandra: ${id}.accounts, postgres: ${id}.accounts, key: [id], updatedAt: updated_at, writetimeColumn: name}`,
  ],
  {opsSchema: OPS},
);
const cli = (args: string[]) => runCli(args, {env});

interface Job {
  id: string;
  kind: string;
  state: string;
  status: string;
  progress: string | null;
  cancellable: boolean;
  resume: string | null;
  cancellation?: {requestedBy: string; seenAt: string | null} | null;
}

describe('jobs: a running reconcile is listed and cancelled (real stack)', () => {
  let skip: string | undefined;
  let cass: driver.Client;
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cass = await cassandraClient();
    const r = await cli([
      'reconcile',
      'seed',
      '--cassandra',
      `${id}.accounts`,
      '--postgres',
      `${id}.accounts`,
      '--rows',
      String(ROWS),
      '--recreate',
      '--yes',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    if (skip) return;
    await cass.execute(`DROP KEYSPACE IF EXISTS ${id}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  it('lists the running run, cancels it at a checkpoint, and the run resumes to a clean end', async (t) => {
    if (skip) return t.skip(skip);
    const runId = `${id}-run`;
    // 3000 rows at 150 rows/s over 32 token splits: ~20 s, a checkpoint after every split
    const running = startCli(
      [
        'reconcile',
        '--table',
        tableName,
        '--run-id',
        runId,
        '--splits',
        '32',
        '--workers',
        '1',
        '--rate-limit',
        '150',
        '--recheck-after',
        '0',
        '--min-age',
        '0',
        '--no-alert',
        '--no-push',
        '--json',
      ],
      {env},
    );
    try {
      const job = await eventually(
        async () => {
          const list = json<{jobs: Job[]}>(await cli(['jobs', 'list', '--running', '--kind', 'reconcile', '--json']));
          const j = list.jobs.find((x) => x.id === `reconcile:${runId}`);
          assert.ok(j && /^[1-9]\d*\/32 splits$/.test(j.progress ?? ''), JSON.stringify(list.jobs));
          return j;
        },
        30_000,
        500,
      );
      assert.equal(job.state, 'running');
      assert.equal(job.cancellable, true);

      const c = await cli(['jobs', 'cancel', `reconcile:${runId}`, '--reason', 'i26 test', '--yes', '--json']);
      assert.equal(c.code, 0, c.stderr + c.stdout);
      assert.equal(json<{requested: boolean}>(c).requested, true);

      const done = await running.done;
      assert.equal(done.code, 130, done.stderr + done.stdout);
      assert.equal(json<{error: {code: string}}>(done).error.code, 'CANCELLED');
      assert.ok(done.ms < 40_000, `stopped at a checkpoint, not at the end (${done.ms} ms)`);
    } finally {
      running.child.kill('SIGKILL');
    }

    const shown = json<Job>(await cli(['jobs', 'show', `reconcile:${runId}`, '--json']));
    assert.equal(shown.state, 'interrupted');
    assert.equal(shown.resume, `cdcctl reconcile --resume ${runId}`);
    assert.ok(shown.cancellation?.seenAt, 'the run obeyed the request');
    const [row] = await sql(
      'target',
      `SELECT status, cardinality(splits_done) AS done, details->'cancelled'->>'reason' AS reason FROM ${OPS}.reconcile_tables WHERE run_id = $1`,
      [runId],
    );
    assert.equal(row?.status, 'interrupted');
    assert.equal(row?.reason, 'i26 test');
    const splitsDone = Number(row?.done);
    assert.ok(splitsDone > 0 && splitsDone < 32, `checkpointed ${splitsDone} of 32 splits`);

    // cancelling what is not running: exit 3; a kind that cannot be cancelled: exit 2
    const again = await cli(['jobs', 'cancel', `reconcile:${runId}`, '--yes', '--json']);
    assert.equal(again.code, 3, again.stdout);

    const resumed = await cli([
      'reconcile',
      '--resume',
      runId,
      '--recheck-after',
      '0',
      '--min-age',
      '0',
      '--no-alert',
      '--no-push',
      '--json',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
    const res = json<{status: string; tables: Array<{splitsResumed: number; rowsCassandra: number}>}>(resumed);
    assert.equal(res.status, 'clean');
    assert.equal(res.tables[0]?.splitsResumed, splitsDone, 'the resume skipped the splits done before the cancel');
    assert.equal(res.tables[0]?.rowsCassandra, ROWS);
    const after = json<Job>(await cli(['jobs', 'show', `reconcile:${runId}`, '--json']));
    assert.equal(after.state, 'succeeded');
  });

  it('refuses to cancel a Connect task (exit 2) and an unknown job (exit 2)', async (t) => {
    if (skip) return t.skip(skip);
    const list = json<{jobs: Job[]}>(await cli(['jobs', 'list', '--kind', 'connect-task', '--json']));
    const task = list.jobs[0];
    if (task) {
      const r = await cli(['jobs', 'cancel', task.id, '--yes', '--json']);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stdout, /connectors pause\|stop/);
    }
    const unknown = await cli(['jobs', 'show', 'reconcile:no-such-run', '--json']);
    assert.equal(unknown.code, 2);
    const badKind = await cli(['jobs', 'list', '--kind', 'nope', '--json']);
    assert.equal(badKind.code, 2);
  });
});
