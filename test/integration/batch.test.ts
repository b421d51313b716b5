import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import cassandra from 'cassandra-driver';
import {eventually, json, runCli, startCli, tempConfig, tempDir} from '../helpers.js';
import {requireStack, sql} from './stack.js';

/**
 * `cdcctl batch` and `gdpr erase --from-file` against the real Cassandra and PostgreSQL: 50 erasures
 * of which three subjects are bad (not an integer, as the tables' key is), run as a batch that stops
 * at the first failure, resumed with --continue-on-error (47 erased, 3 failed, exit 5), and resumed
 * once more (only the three run again). Everything lives in a keyspace/schema of its own (i26…).
 */

const id = `i26b_${process.pid}`;
const KS = id;
const PGS = id;
const OPS = `cdc_ops_${id}`;
const dir = tempDir('cdcctl-i26-batch-');

const cfg = tempConfig(`current-context: t
contexts:
  t:
    connect: {url: "http://127.0.0.1:8083"}
    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${OPS}}
    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}
    gdpr:
      cassandra:
        - {keyspace: ${KS}, table: customers, subjectColumns: [id]}
      postgres:
        - {schema: ${PGS}, table: customers, column: id}
      backupKey: "\${env:GDPR_BACKUP_KEY}"
      reportKey: "\${env:GDPR_REPORT_KEY}"
      backupRetention: 0s
`);
const env = {
  ...cfg.env,
  CDC_PG_PASSWORD: 'cdc',
  GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
};
const cli = (args: string[]) => runCli(args, {env, cwd: dir});

/**
 * 50 subjects: 1..50 except three bad ones: an empty id, and two that are not integers (the plan's
 * subjectPattern), which would otherwise be erasures that find nothing and close as done.
 */
const BAD: Record<number, string> = {10: 'ten', 25: '""', 40: '4O'};
const subjects = Array.from({length: 50}, (_, i) => BAD[i] ?? String(i + 1));
const good = subjects.filter((s) => /^\d+$/.test(s)).map(Number);

interface Item {
  step: string;
  item: number;
  label: string;
  state: string;
  attempts: number;
  error: string | null;
  result: {requestId?: string; state?: string} | null;
}
interface Result {
  batchId: string;
  state: string;
  resumed: boolean;
  ran: number;
  counts: {pending: number; running: number; succeeded: number; failed: number; skipped: number};
  items: Item[];
}

let skip: string | undefined;
let client: cassandra.Client;

async function remaining(): Promise<{cassandra: number; postgres: number}> {
  const c = await client.execute(`SELECT count(*) AS n FROM ${KS}.customers`);
  const p = await sql('target', `SELECT count(*)::int AS n FROM ${PGS}.customers`);
  return {cassandra: Number(c.rows[0]?.n), postgres: Number(p[0]?.n)};
}

describe('batch: 50 GDPR erasures with three bad subjects (real stack)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    client = new cassandra.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
    await client.connect();
    await client.execute(
      `CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(`CREATE TABLE ${KS}.customers (id int PRIMARY KEY, name text)`);
    await sql('target', `CREATE SCHEMA ${PGS}`);
    await sql('target', `CREATE TABLE ${PGS}.customers (id int PRIMARY KEY, name text)`);
    // rows of the 47 good subjects, plus two bystanders (100, 101) that no erasure may touch
    for (const n of [...good, 100, 101]) {
      await client.execute(`INSERT INTO ${KS}.customers (id, name) VALUES (?, ?)`, [n, `n${n}`], {prepare: true});
      await sql('target', `INSERT INTO ${PGS}.customers (id, name) VALUES ($1, $2)`, [n, `n${n}`]);
    }
    writeFileSync(join(dir, 'subjects.csv'), `subject,ticket\n${subjects.map((s, i) => `${s},DSR-${i}`).join('\n')}\n`);
    writeFileSync(
      join(dir, 'plan.yaml'),
      [
        'name: i26-erasures',
        'steps:',
        "  - {id: erase, op: gdpr.erase, subjects: subjects.csv, subjectPattern: '^[0-9]+$', reason: test}",
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    if (skip) return;
    await client?.execute(`DROP KEYSPACE IF EXISTS ${KS}`).catch(() => {});
    await client?.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${PGS} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  let batchId = '';
  it('without --continue-on-error: stops launching at the first failure, exit 5, the rest left pending', async (t) => {
    if (skip) return t.skip(skip);
    const r = await cli(['batch', '-f', 'plan.yaml', '--concurrency', '2', '--yes', '--json']);
    assert.equal(r.code, 5, r.stderr + r.stdout);
    const res = json<Result>(r);
    batchId = res.batchId;
    assert.equal(res.state, 'partial');
    assert.ok(res.counts.failed >= 1, JSON.stringify(res.counts));
    assert.ok(res.counts.pending > 0, 'items after the failure are not started');
    assert.ok(res.counts.succeeded >= 10 && res.counts.succeeded < 47, JSON.stringify(res.counts));
    const failed = res.items.filter((i) => i.state === 'failed');
    assert.ok(
      failed.every((i) => i.item in BAD),
      JSON.stringify(failed),
    );
    // labels are pseudonyms and line numbers, never the subject ids
    assert.ok(!JSON.stringify(res.items).includes('"ten"'));
    const jobs = json<{jobs: Array<{id: string; state: string; resume: string | null}>}>(
      await cli(['jobs', 'list', '--kind', 'batch', '--json']),
    );
    const job = jobs.jobs.find((j) => j.id === `batch:${batchId}`);
    assert.equal(job?.resume, `cdcctl batch resume ${batchId}`);
  });

  it('resume --continue-on-error: 47 erased, 3 failed, exit 5; erased rows are gone, bystanders stay', async (t) => {
    if (skip || !batchId) return t.skip(skip ?? 'no batch');
    const before = json<Result>(await cli(['batch', 'resume', batchId, '--dry-run', '--json']));
    assert.equal(before.counts.succeeded + before.counts.pending, 50);
    const r = await cli(['batch', 'resume', batchId, '--continue-on-error', '--concurrency', '4', '--yes', '--json']);
    assert.equal(r.code, 5, r.stderr + r.stdout);
    const res = json<Result>(r);
    assert.equal(res.resumed, true);
    assert.deepEqual({ok: res.counts.succeeded, failed: res.counts.failed}, {ok: 47, failed: 3});
    assert.equal(res.ran, 50 - before.counts.succeeded, 'succeeded items are not run again');
    assert.deepEqual(
      res.items.filter((i) => i.state === 'failed').map((i) => i.item),
      Object.keys(BAD).map(Number),
    );
    for (const i of res.items.filter((x) => x.state === 'succeeded')) {
      assert.equal(i.result?.state, 'closed');
      assert.equal(i.attempts, 1);
    }
    assert.deepEqual(await remaining(), {cassandra: 2, postgres: 2});
    // every erasure is a job of its own kind too: closed sagas are succeeded gdpr jobs
    const first = res.items.find((i) => i.state === 'succeeded');
    const gdprJob = json<{state: string; status: string; cancellable: boolean}>(
      await cli(['jobs', 'show', `gdpr:${first?.result?.requestId}`, '--json']),
    );
    assert.deepEqual(gdprJob, {...gdprJob, state: 'succeeded', status: 'closed', cancellable: false});
    const all = await cli(['jobs', 'list', '--kind', 'gdpr', '--kind', 'dlq-replay', '--limit', '100', '--json']);
    assert.equal(all.code, 0, all.stderr);
    const listed = json<{jobs: Array<{kind: string}>; warnings: unknown[]}>(all);
    assert.deepEqual(listed.warnings, []);
    assert.equal(
      listed.jobs.filter((j) => j.kind === 'gdpr').length,
      47,
      'one job per erasure request; a bad subject made none',
    );
    assert.equal(listed.jobs.filter((j) => j.kind === 'dlq-replay').length, 0);
  });

  it('resume again: only the three failed run, still failing; gdpr erase --from-file is the same batch in one step', async (t) => {
    if (skip || !batchId) return t.skip(skip ?? 'no batch');
    const r = await cli(['batch', 'resume', batchId, '--yes', '--json']);
    assert.equal(r.code, 5, r.stderr + r.stdout);
    const res = json<Result>(r);
    assert.equal(res.ran, 3);
    assert.deepEqual({ok: res.counts.succeeded, failed: res.counts.failed}, {ok: 47, failed: 3});
    assert.ok(res.items.filter((i) => i.state === 'failed').every((i) => i.attempts >= 2));
    // a changed CSV is refused: the items would not be the same
    writeFileSync(join(dir, 'subjects.csv'), 'subject\n1\n');
    const changed = await cli(['batch', 'resume', batchId, '--yes', '--json']);
    assert.equal(changed.code, 2, changed.stdout);
    assert.match(changed.stdout, /changed since batch/);

    await client.execute(`INSERT INTO ${KS}.customers (id, name) VALUES (?, ?)`, [7, 'again'], {prepare: true});
    writeFileSync(join(dir, 'two.csv'), 'id\n7\nseven\n');
    const ff = await cli([
      'gdpr',
      'erase',
      '--from-file',
      'two.csv',
      '--column',
      'id',
      '--subject-pattern',
      '^[0-9]+$',
      '--yes',
      '--json',
    ]);
    assert.equal(ff.code, 5, ff.stderr + ff.stdout);
    const one = json<Result>(ff);
    assert.deepEqual(
      one.items.map((i) => i.state),
      ['succeeded', 'failed'],
    );
    assert.deepEqual(await remaining(), {cassandra: 2, postgres: 2}, JSON.stringify(one.items));
  });

  it('jobs cancel batch:<id> stops it before its next item (exit 130, cancelled); batch resume finishes it', async (t) => {
    if (skip) return t.skip(skip);
    writeFileSync(join(dir, 'many.csv'), `subject\n${Array.from({length: 30}, (_, i) => 200 + i).join('\n')}\n`);
    writeFileSync(join(dir, 'many.yaml'), 'steps:\n  - {id: erase, op: gdpr.erase, subjects: many.csv}\n');
    const running = startCli(['batch', '-f', 'many.yaml', '--yes', '--json'], {env, cwd: dir});
    let id = '';
    try {
      id = await eventually(
        async () => {
          const list = json<{jobs: Array<{id: string; state: string; progress: string}>}>(
            await cli(['jobs', 'list', '--kind', 'batch', '--running', '--json']),
          );
          const j = list.jobs.find((x) => /^[1-9]\d*\/30 items/.test(x.progress));
          return j?.id;
        },
        60_000,
        500,
      );
      const c = await cli(['jobs', 'cancel', id, '--yes', '--json']);
      assert.equal(c.code, 0, c.stderr + c.stdout);
      const done = await running.done;
      assert.equal(done.code, 130, done.stderr.slice(-2000) + done.stdout);
      assert.equal(json<{error: {code: string}}>(done).error.code, 'CANCELLED');
    } finally {
      running.child.kill('SIGKILL');
    }
    const shown = json<{state: string; details: {items: Array<{state: string}>}}>(
      await cli(['jobs', 'show', id, '--json']),
    );
    assert.equal(shown.state, 'cancelled');
    const pending = shown.details.items.filter((i) => i.state === 'pending').length;
    assert.ok(pending > 0, 'items after the cancellation were not started');
    const r = await cli(['batch', 'resume', id.replace(/^batch:/, ''), '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr.slice(-2000) + r.stdout);
    const res = json<Result>(r);
    assert.equal(res.state, 'succeeded');
    assert.equal(res.counts.succeeded, 30);
    assert.equal(res.ran, pending);
  });
});
