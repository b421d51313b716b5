import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import pg from 'pg';
import {type CliResult, eventually, json, repoRoot, runCli, startCli, tempConfig, tempDir} from '../helpers.js';
import {cassandraClient, connectRaw, PG, putFileSources, requireStack, sql, stackConfig} from './stack.js';

/**
 * Fault injection (issue 27): the stack's PostgreSQL — cdcctl's operational store and the pipeline's
 * target — is restarted (`stack.sh stop pg` = pg_ctl stop -m fast, then `start pg`) while cdcctl works:
 * - audited commands (`audit: required`) run around the restart: each waits for the store (before acting,
 *   and for its record after) instead of failing, no change is left without its audit record, and the
 *   chain verifies;
 * - a `gdpr erase` whose PostgreSQL delete is waiting on a row lock when the restart cuts it: the saga
 *   completes (its step retried on a new connection) or `gdpr resume` completes it; both rows are gone;
 * - a `reconcile` run past its first checkpoint: it ends with exactly the seeded differences, riding the
 *   restart out or resumed with `--resume`.
 * The restart is real (every client connection is cut, new ones are refused until it is back); afterwards
 * connectors that failed on it are restarted, so that the tests after this one find a working pipeline.
 */

const STACK_SH = join(repoRoot, 'examples', 'stack', 'stack.sh');
const P = `pgr${process.pid}`;
const OPS = `${P}_ops`;
const RC_TABLE = `${P}.accounts`;
const RC_ROWS = 6000;
const {env} = stackConfig(
  [
    'audit: required',
    'reconcile:',
    '  buckets: 4096',
    '  tables:',
    `    - {name: ${RC_TABLE}, cassandra: ${P}.accounts, postgres: ${P}.accounts, key: [id], updatedAt: updated_at, writetimeColumn: name}`,
  ],
  {opsSchema: OPS},
);
let skip: string | undefined;

function stackSh(...args: string[]): void {
  execFileSync('bash', [STACK_SH, ...args], {stdio: 'ignore', env: {...process.env}});
}

/** Stops PostgreSQL (fast shutdown: sessions are cut) and starts it again; returns when it accepts connections. */
function restartPostgres(): {downAt: number; upAt: number} {
  const downAt = Date.now();
  stackSh('stop', 'pg');
  stackSh('start', 'pg');
  return {downAt, upAt: Date.now()};
}

async function waitPostgres(): Promise<void> {
  await eventually(
    async () =>
      (await sql('target', 'SELECT 1').then(
        () => true,
        () => false,
      )) === true,
    60_000,
    500,
  );
}

/**
 * Other tests' connectors that use PostgreSQL (sources' replication connections, JDBC sinks) may have failed
 * on the restart: restart what failed, and wait (bounded) until nothing is FAILED.
 */
async function healConnectors(): Promise<void> {
  type Status = {status: {connector: {state: string}; tasks: Array<{state: string}>}};
  const failed = async () =>
    Object.entries((await connectRaw('GET', '/connectors?expand=status')).body as Record<string, Status>)
      .filter(([, v]) => v.status.connector.state === 'FAILED' || v.status.tasks.some((x) => x.state === 'FAILED'))
      .map(([n]) => n);
  for (const name of await failed())
    await connectRaw('POST', `/connectors/${name}/restart?includeTasks=true&onlyFailed=true`).catch(() => {});
  await eventually(async () => (await failed()).length === 0, 60_000, 1000).catch(() => {});
}

describe('PostgreSQL restarted while cdcctl works', {timeout: 600_000}, () => {
  let activeSlots: string[] = [];
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    activeSlots = (
      await sql<{slot_name: string}>('target', 'SELECT slot_name FROM pg_replication_slots WHERE active')
    ).map((r) => r.slot_name);
  });

  after(async () => {
    if (skip) return;
    await waitPostgres();
    await healConnectors();
    // Debezium's PostgreSQL sources reconnect by themselves (a retriable error restarts the task ~10 s later)
    await eventually(
      async () =>
        (
          await sql<{n: number}>(
            'target',
            'SELECT count(*)::int AS n FROM pg_replication_slots WHERE active AND slot_name = ANY($1)',
            [activeSlots],
          )
        )[0]?.n === activeSlots.length,
      90_000,
      1000,
    ).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${P} CASCADE`).catch(() => {});
    const cass = await cassandraClient();
    await cass.execute(`DROP KEYSPACE IF EXISTS ${P}`).catch(() => {});
    await cass.shutdown();
  });

  describe('audit', () => {
    const N = 24;
    const names = Array.from({length: N}, (_, i) => `${P}-fs-${String(i).padStart(2, '0')}`);

    before(async () => {
      if (skip) return;
      const input = join(tempDir('pgr-'), 'in.txt');
      writeFileSync(input, 'a\n');
      await putFileSources(names, input, `${P}-topic`);
      // the store's schema exists before the restart (migrations are not what this test is about)
      const v = await runCli(['audit', 'verify'], {env});
      assert.equal(v.code, 0, v.stderr);
    });

    after(async () => {
      for (const name of names) await connectRaw('DELETE', `/connectors/${name}`).catch(() => {});
    });

    it('no change without its audit record, and the chain verifies', async (t) => {
      if (skip) return t.skip(skip);
      // one `connectors pause` per connector, 150 ms apart, PostgreSQL restarted ~1 s in
      const runs: Array<Promise<CliResult>> = [];
      let restart: {downAt: number; upAt: number} | undefined;
      const starts: number[] = [];
      for (const [i, name] of names.entries()) {
        starts.push(Date.now());
        runs.push(startCli(['connectors', 'pause', name, '--yes', '--wait'], {env}).done);
        if (i === 6) restart = restartPostgres();
        else await new Promise((r) => setTimeout(r, 150));
      }
      const results = await Promise.all(runs);
      await waitPostgres();
      t.diagnostic(`restart ${restart ? restart.upAt - restart.downAt : '?'} ms`);
      const states = (await connectRaw('GET', '/connectors?expand=status')).body as Record<
        string,
        {status: {connector: {state: string}}}
      >;
      const audited = await sql<{target: string; result: string}>(
        'target',
        `SELECT targets->>0 AS target, result FROM ${OPS}._cdc_audit_log WHERE command = 'connectors:pause'`,
      );
      const recorded = new Map(audited.map((a) => [a.target, a.result]));
      for (const [i, name] of names.entries()) {
        const r = results[i] as CliResult;
        const paused = states[name]?.status.connector.state === 'PAUSED';
        // the invariant whatever the timing: no change without its record
        if (paused)
          assert.ok(recorded.has(name), `${name} was paused without an audit record (exit ${r.code}: ${r.stderr})`);
        if (r.code === 0) {
          assert.ok(paused, `${name}: exit 0 but not paused`);
          assert.equal(recorded.get(name), 'ok', `${name}: exit 0, its record says ${recorded.get(name)}`);
        } else {
          // only a run that found the store down for longer than it waits (10 s) may fail: before acting
          assert.equal(r.code, 4, r.stderr);
          assert.ok(!paused, `${name}: failed (${r.stderr}) after pausing`);
          assert.match(r.stderr, /refusing to run: .* requires an audit record/);
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        }
      }
      // runs that needed the store while it was down waited for it, and (a restart of a few seconds) went on
      const waited = results.filter((r) => /operational store does not answer .*trying again/.test(r.stderr));
      t.diagnostic(
        `${waited.length} run(s) waited for the store, ${waited.filter((r) => r.code === 0).length} then succeeded`,
      );
      assert.ok(
        waited.some((r) => r.code === 0),
        'a run that met the store down waited and succeeded',
      );
      const v = await runCli(['audit', 'verify', '--json'], {env});
      assert.equal(v.code, 0, v.stdout + v.stderr);
    });
  });

  describe('gdpr erase', () => {
    const secrets = {
      CDC_PG_PASSWORD: 'cdc',
      GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
      GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
    };
    const gdprEnv = {
      ...tempConfig(`current-context: t
contexts:
  t:
    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${OPS}}
    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}
    gdpr:
      cassandra: [{keyspace: ${P}, table: people, subjectColumns: [id]}]
      postgres: [{schema: ${P}, table: people, column: id}]
      backupKey: "\${env:GDPR_BACKUP_KEY}"
      reportKey: "\${env:GDPR_REPORT_KEY}"
`).env,
      ...secrets,
    };
    const subject = `subject-${P}`;
    const req = `req-${P}`;
    let cass: Awaited<ReturnType<typeof cassandraClient>>;

    before(async () => {
      if (skip) return;
      cass = await cassandraClient();
      await cass.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${P} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await cass.execute(`CREATE TABLE IF NOT EXISTS ${P}.people (id text PRIMARY KEY, name text)`);
      await sql('target', `CREATE SCHEMA IF NOT EXISTS ${P}`);
      await sql('target', `CREATE TABLE IF NOT EXISTS ${P}.people (id text PRIMARY KEY, name text)`);
      for (const who of [subject, 'bystander']) {
        await cass.execute(`INSERT INTO ${P}.people (id, name) VALUES (?, ?)`, [who, `n-${who}`], {prepare: true});
        await sql('target', `INSERT INTO ${P}.people VALUES ($1, $2)`, [who, `n-${who}`]);
      }
    });

    after(async () => {
      await cass?.shutdown();
    });

    it('the saga caught in its PostgreSQL step by the restart completes (riding it out, or resumed)', async (t) => {
      if (skip) return t.skip(skip);
      // hold the PostgreSQL row so that the saga waits in its PostgreSQL delete when the restart comes
      const locker = new pg.Client({...PG, database: 'target'});
      locker.on('error', () => {}); // the restart cuts it
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM ${P}.people WHERE id = $1 FOR UPDATE`, [subject]);
      const run = startCli(
        ['gdpr', 'erase', '--subject', subject, '--request-id', req, '--timeout', '60s', '--yes', '--json'],
        {
          env: gdprEnv,
        },
      );
      const steps = () =>
        sql<{step: string; phase: string}>(
          'target',
          `SELECT step, phase FROM ${OPS}.gdpr_journal WHERE request_id = $1 ORDER BY id`,
          [req],
        );
      await eventually(
        async () => (await steps()).some((s) => s.step === 'cassandra_delete' && s.phase === 'done'),
        60_000,
        200,
      );
      await new Promise((r) => setTimeout(r, 500)); // into the blocked delete
      restartPostgres();
      await locker.end().catch(() => {});
      let r = await run.done;
      t.diagnostic(`erase exit ${r.code}: ${r.stderr.trim()}`);
      assert.match(r.stderr, /PostgreSQL delete failed \(attempt 1 /, 'the restart cut the saga’s PostgreSQL step');
      if (r.code !== 0) {
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        r = await runCli(['gdpr', 'resume', '--request', req, '--json'], {env: gdprEnv});
        t.diagnostic(`resume exit ${r.code}: ${r.stderr.trim()}`);
        assert.equal(r.code, 0, r.stderr + r.stdout);
      }
      t.diagnostic(`journal: ${(await steps()).map((s) => `${s.step}:${s.phase}`).join(' ')}`);
      // erased in both databases, the bystander untouched
      assert.equal(
        (await cass.execute(`SELECT id FROM ${P}.people WHERE id = ?`, [subject], {prepare: true})).rowLength,
        0,
      );
      assert.deepEqual(await sql('target', `SELECT id FROM ${P}.people ORDER BY id`), [{id: 'bystander'}]);
      const status = await runCli(['gdpr', 'status', req, '--json'], {env: gdprEnv});
      assert.equal(status.code, 0, status.stderr);
      assert.equal(json<{state: string}>(status).state, 'verified', status.stdout);
    });
  });

  describe('reconcile', () => {
    let drift: Array<{kind: string; id: string}> = [];

    before(async () => {
      if (skip) return;
      const r = await runCli(
        [
          'reconcile',
          'seed',
          '--cassandra',
          `${P}.accounts`,
          '--postgres',
          `${P}.accounts`,
          '--rows',
          String(RC_ROWS),
          '--drift',
          '0.005',
          '--recreate',
          '--no-cdc',
          '--yes',
          '--json',
        ],
        {env},
      );
      assert.equal(r.code, 0, r.stderr);
      drift = json<{drift: Array<{kind: string; id: string}>}>(r).drift;
      assert.ok(drift.length > 0);
    });

    it('a run during the restart ends with the seeded differences (riding it out, or resumed)', async (t) => {
      if (skip) return t.skip(skip);
      const runId = `${P}-restart`;
      const args = ['reconcile', '--table', RC_TABLE, '--recheck-after', '0', '--json', '--no-alert', '--no-push'];
      const run = startCli([...args, '--splits', '32', '--rate-limit', '1000', '--workers', '1', '--run-id', runId], {
        env,
      });
      // restart once the run has checkpointed a split (it reads both databases and writes the store)
      await eventually(
        async () =>
          ((
            await sql<{n: number}>(
              'target',
              `SELECT cardinality(splits_done) AS n FROM ${OPS}.reconcile_tables WHERE run_id = $1`,
              [runId],
            )
          )[0]?.n ?? 0) > 0,
        60_000,
        200,
      );
      restartPostgres();
      assert.equal(run.child.exitCode, null, 'the run was still going when PostgreSQL came back');
      let r = await run.done;
      t.diagnostic(`run exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      if (r.code !== 3) {
        // it stopped: one line naming PostgreSQL, no trace, and the run is resumable
        assert.match(r.stderr, /PostgreSQL/);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        r = await runCli([...args, '--resume', runId], {env});
        t.diagnostic(`resume exit ${r.code}`);
      }
      assert.equal(r.code, 3, r.stderr);
      const res = json<{
        runId: string;
        tables: Array<{rowsCassandra: number; mismatches: Array<{kind: string; key: {id: string}}>}>;
      }>(r);
      assert.equal(res.runId, runId);
      assert.equal(res.tables[0]?.rowsCassandra, RC_ROWS);
      const found = (res.tables[0]?.mismatches ?? []).map((m) => `${m.kind} ${m.key.id}`).sort();
      const seeded = drift.map((d) => `${d.kind} ${d.id}`).sort();
      assert.deepEqual(found, seeded);
    });
  });
});
