import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type driver from 'cassandra-driver';
import {json, repoRoot, runCli, tempConfig} from '../helpers.js';
import {cassandraClient, PG, requireStack, sql, stackConfig} from './stack.js';

/**
 * `cdcctl reconcile` end to end against the local stack: Cassandra 5 and PostgreSQL, the store,
 * the Pushgateway and Alertmanager. Every object is named with this process's pid.
 */
const id = `rc${process.pid}`;
const ks = id;
const pgSchema = id;
const tableName = `${id}.accounts`;
const ROWS = 3000;

const {env} = stackConfig([
  'reconcile:',
  '  buckets: 4096',
  '  tables:',
  `    - {name: ${tableName}, cassandra: ${ks}.accounts, postgres: ${pgSchema}.accounts, key: [id], updatedAt: updated_at, writetimeColumn: name}`,
]);
const cli = (args: string[]) => runCli(args, {env});
const reconcileArgs = ['reconcile', '--table', tableName, '--recheck-after', '0', '--json'];
/** One shard of a run, one scan worker, no alert. */
const shard = (s: string, runId: string, ...more: string[]) =>
  cli([...reconcileArgs, '--shard', s, '--run-id', runId, '--workers', '1', '--no-alert', ...more]);

interface Mismatch {
  kind: string;
  bucket: number;
  key: {id: string};
  columns: Array<{column: string; cassandra: string | null; postgres: string | null}>;
}
interface TableResult {
  status: string;
  missing: number;
  extra: number;
  mismatched: number;
  rowsCassandra: number;
  rowsPostgres: number;
  rowsScanned: number;
  splitsResumed: number;
  skippedOnRecheck: number;
  bucketsReadInFull?: number;
  mismatches: Mismatch[];
}
interface RunResult {
  runId: string;
  status: string;
  tables: TableResult[];
}

const signature = (ms: Mismatch[]) =>
  ms.map((m) => `${m.kind} ${m.key.id} ${m.columns.map((c) => c.column).join('+')}`).sort();

async function seed(drift = 0): Promise<Array<{kind: string; id: string; column?: string}>> {
  const r = await cli([
    'reconcile',
    'seed',
    '--cassandra',
    `${ks}.accounts`,
    '--postgres',
    `${pgSchema}.accounts`,
    '--rows',
    String(ROWS),
    '--drift',
    String(drift),
    '--recreate',
    '--yes',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return json<{drift: Array<{kind: string; id: string; column?: string}>}>(r).drift;
}

describe('reconcile (Cassandra ↔ PostgreSQL, real stack)', () => {
  let skip: string | undefined;
  let cass: driver.Client;
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cass = await cassandraClient();
  });
  after(async () => {
    if (skip) return;
    await cass.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`).catch(() => {});
    await sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [tableName]).catch(() => {});
    await fetch(
      `http://127.0.0.1:9091/metrics/job/cdc_reconciliation/table/${tableName}/shard@base64/${Buffer.from('0/1').toString('base64url')}`,
      {
        method: 'DELETE',
      },
    ).catch(() => {});
  });

  it('identical data: no mismatches, exit 0, stored as clean', async (t) => {
    if (skip) return t.skip(skip);
    await seed(0);
    const r = await cli(reconcileArgs);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const res = json<RunResult>(r);
    assert.equal(res.status, 'clean');
    assert.equal(res.tables[0]?.rowsCassandra, ROWS);
    assert.equal(res.tables[0]?.rowsPostgres, ROWS);
    assert.deepEqual(res.tables[0]?.mismatches, []);
    assert.equal(res.tables[0]?.bucketsReadInFull, 0, 'one --json shape, drift or not');
    const hist = json<Array<{runId: string; status: string}>>(
      await cli(['reconcile', 'history', '--table', tableName, '--json']),
    );
    assert.equal(hist.find((h) => h.runId === res.runId)?.status, 'clean');
    // a sample of identical data estimates no drift (extras once came from the sample's spread in counts)
    const sampled = await cli([...reconcileArgs, '--sample', '0.1', '--no-alert', '--no-push']);
    assert.equal(sampled.code, 0, sampled.stderr + sampled.stdout);
  });

  let driftRun = '';
  let expected: string[] = [];
  it('injected drift of every kind: exactly those keys and columns, exit 3', async (t) => {
    if (skip) return t.skip(skip);
    const injected = await seed(0.01);
    // beyond the seeder's cycle: NULL → value, empty set → value, and a change on the Cassandra side
    const {demoRow} = await import('../../src/services/reconcile/seed.js');
    const nullName = demoRow('cdcctl', 0); // i % 17 == 0: name is NULL
    const emptyTags = demoRow('cdcctl', 5); // i % 5 == 0: no tags
    const cassChanged = demoRow('cdcctl', 11);
    await sql('target', `UPDATE ${pgSchema}.accounts SET name = 'now set' WHERE id = $1`, [nullName.id]);
    await sql('target', `UPDATE ${pgSchema}.accounts SET tags = '["new"]' WHERE id = $1`, [emptyTags.id]);
    await cass.execute(`UPDATE ${ks}.accounts SET big = 1 WHERE id = ${cassChanged.id}`);
    expected = [
      ...injected.map((d) => `${d.kind} ${d.id} ${d.column ?? ''}`),
      `value ${nullName.id} name`,
      `value ${emptyTags.id} tags`,
      `value ${cassChanged.id} big`,
    ].sort();
    assert.ok(injected.length >= 30);
    assert.deepEqual(new Set(injected.map((d) => d.column ?? d.kind)).size, 12, 'missing, extra and all 10 columns');

    const r = await cli(reconcileArgs);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    const res = json<RunResult>(r);
    driftRun = res.runId;
    assert.equal(res.status, 'drift');
    assert.deepEqual(signature(res.tables[0]?.mismatches ?? []), expected);
    // PostgreSQL's side of the drill-down: key lookups, and a scan only of the buckets holding extras
    const extraBuckets = new Set(res.tables[0]?.mismatches.filter((m) => m.kind === 'extra').map((m) => m.bucket));
    assert.ok(extraBuckets.size > 0);
    assert.equal(res.tables[0]?.bucketsReadInFull, extraBuckets.size);
    const byId = new Map(res.tables[0]?.mismatches.map((m) => [m.key.id, m]));
    assert.deepEqual(byId.get(nullName.id)?.columns, [{column: 'name', cassandra: null, postgres: 'now set'}]);
    assert.deepEqual(byId.get(cassChanged.id)?.columns, [{column: 'big', cassandra: '1', postgres: cassChanged.big}]);

    // stored: show as JSON and CSV
    const shown = json<{mismatches: Mismatch[]}>(await cli(['reconcile', 'show', driftRun, '--json']));
    assert.deepEqual(signature(shown.mismatches), expected);
    const csv = await cli(['reconcile', 'show', driftRun, '-o', 'csv', '--kind', 'value']);
    assert.equal(csv.code, 0);
    assert.match(csv.stdout, /^table,kind,key,column,cassandra,postgres,bucket\n/);
    assert.match(csv.stdout, new RegExp(`${tableName},value,id=${nullName.id},name,,now set,\\d+`));
  });

  it('--sample estimates the drift from a fraction of the token ranges', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    const r = await cli(['reconcile', '--table', tableName, '--sample', '0.5', '--json', '--no-alert', '--no-push']);
    assert.equal(r.code, 3, r.stderr);
    const res = json<
      RunResult & {
        tables: Array<{
          sample: {fraction: number; rowsSampled: number; pgRowsSampled: number; estimatedDriftRatio: number};
        }>;
      }
    >(r);
    const s = res.tables[0]?.sample;
    assert.ok(s && s.fraction > 0.4 && s.fraction < 0.6, JSON.stringify(s));
    assert.ok(s.rowsSampled > ROWS * 0.3 && s.rowsSampled < ROWS * 0.7);
    assert.ok(s.pgRowsSampled > ROWS * 0.3 && s.pgRowsSampled < ROWS * 0.7, JSON.stringify(s));
    // ~1 % injected: the estimate is in the right range, not exact
    assert.ok(s.estimatedDriftRatio > 0.002 && s.estimatedDriftRatio < 0.03, String(s.estimatedDriftRatio));
    assert.deepEqual(res.tables[0]?.mismatches, []);
  });

  it('pushed metrics {table, shard} and posted the drift alert', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    const metrics = await (await fetch('http://127.0.0.1:9091/metrics')).text();
    const line = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('cdc_reconciliation_mismatches_total{') &&
          l.includes(`table="${tableName}"`) &&
          l.includes('kind="missing"'),
      );
    assert.ok(line, 'mismatch metric pushed');
    assert.match(line, /job="cdc_reconciliation"/);
    assert.match(line, /shard="0\/1"/);
    const alerts = (await (
      await fetch(`http://127.0.0.1:9093/api/v2/alerts?filter=${encodeURIComponent(`table="${tableName}"`)}`)
    ).json()) as Array<{labels: Record<string, string>; annotations: Record<string, string>}>;
    const alert = alerts.find(
      (a) => a.labels.alertname === 'CdcReconciliationDrift' && a.labels.severity === 'warning',
    );
    assert.ok(alert, 'drift alert posted');
    assert.equal(alert.annotations.run_id, driftRun);
    assert.match(alert.annotations.description ?? '', new RegExp(`cdcctl reconcile show ${driftRun}\``));
  });

  it('two shards of one run together equal the full run', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    const runId = `${id}-shards`;
    const parts = await Promise.all(
      ['0/2', '1/2'].map((s) =>
        // a short --shard-timeout: a running partner is still waited for, however long it takes
        shard(s, runId, '--shard-timeout', '1s'),
      ),
    );
    const all: Mismatch[] = [];
    let scanned = 0;
    let compared = 0;
    for (const p of parts) {
      assert.equal(p.code, 3, p.stderr);
      const res = json<RunResult>(p).tables[0];
      all.push(...(res?.mismatches ?? []));
      // each shard read its own token splits of Cassandra, and compared its own block of buckets
      assert.ok((res?.rowsScanned ?? 0) > 0 && (res?.rowsScanned ?? ROWS) < ROWS, `scanned ${res?.rowsScanned}`);
      scanned += res?.rowsScanned ?? 0;
      compared += res?.rowsCassandra ?? 0;
    }
    assert.equal(scanned, ROWS);
    assert.equal(compared, ROWS);
    assert.deepEqual(signature(all), expected);
    const shown = json<{run: {status: string; shards: number}; mismatches: Mismatch[]}>(
      await cli(['reconcile', 'show', runId, '--json']),
    );
    assert.equal(shown.run.status, 'drift');
    assert.deepEqual(signature(shown.mismatches), expected);

    // running finished shards again, one at a time (their partners long done), finds the same differences
    const rerun: Mismatch[] = [];
    for (const s of ['0/2', '1/2']) {
      const again = await shard(s, runId);
      assert.equal(again.code, 3, again.stderr);
      rerun.push(...(json<RunResult>(again).tables[0]?.mismatches ?? []));
    }
    assert.deepEqual(signature(rerun), expected);
  });

  it('shards run one after another: a shard whose partners do not come reads their splits itself', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    const runId = `${id}-sequential`;
    const all: Mismatch[] = [];
    const read: number[] = [];
    for (const s of ['0/3', '1/3', '2/3']) {
      const r = await shard(s, runId, '--shard-timeout', '1s');
      assert.equal(r.code, 3, r.stderr);
      const res = json<RunResult & {tables: Array<{warnings: string[]}>}>(r).tables[0];
      all.push(...(res?.mismatches ?? []));
      read.push(res?.rowsScanned ?? 0);
      if (s === '0/3') assert.match(res?.warnings.join('\n') ?? '', /shard\(s\) 1, 2 of run \S+ did not run for 1 s/);
    }
    // the first two waited in vain and read the whole table; the last found both finished and read its third
    assert.deepEqual(read.slice(0, 2), [ROWS, ROWS]);
    assert.ok((read[2] as number) < ROWS);
    assert.deepEqual(signature(all), expected);
  });

  it('a killed run resumes from its checkpoint and finds the same differences', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    const runId = `${id}-resume`;
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/run.js'),
        ...reconcileArgs,
        '--splits',
        '32',
        // slow enough that the scan outlasts the first periodic checkpoint (every 5 s)
        '--rate-limit',
        '250',
        '--workers',
        '1',
        '--run-id',
        runId,
      ],
      {env: {...process.env, ...env, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe']},
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 60_000;
    let done = 0;
    while (Date.now() < deadline && child.exitCode === null) {
      const rows = await sql<{n: number}>(
        'target',
        `SELECT cardinality(splits_done) AS n FROM cdc_ops.reconcile_tables WHERE run_id = $1`,
        [runId],
      );
      done = rows[0]?.n ?? 0;
      if (done > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(done > 0 && done < 32, `killed after ${done} of 32 splits (stderr: ${stderr})`);
    // nothing holds its lock any more: read back as interrupted, not running for good
    const hist = json<Array<{runId: string; status: string}>>(
      await cli(['reconcile', 'history', '--table', tableName, '--json']),
    );
    assert.equal(hist.find((h) => h.runId === runId)?.status, 'interrupted');
    const r = await cli(['reconcile', '--resume', runId, '--recheck-after', '0', '--json', '--no-alert']);
    assert.equal(r.code, 3, r.stderr);
    const res = json<RunResult>(r);
    assert.equal(res.runId, runId);
    assert.ok((res.tables[0]?.splitsResumed ?? 0) >= done);
    assert.equal(res.tables[0]?.rowsCassandra, ROWS);
    assert.deepEqual(signature(res.tables[0]?.mismatches ?? []), expected);
    // its id is taken: another run under it would overwrite its results
    const reused = await cli(['reconcile', '--table', tableName, '--run-id', runId]);
    assert.equal(reused.code, 2, reused.stderr);
    assert.match(reused.stderr, new RegExp(`run ${runId} already exists .*\\n.*--resume ${runId}`));
  });

  it('overlapping runs of the same table are refused (advisory lock, exit 5)', async (t) => {
    if (skip) return t.skip(skip);
    const pg = await import('pg');
    const holder = new pg.default.Client({...PG, database: 'target'});
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('cdcctl.reconcile'), hashtext($1))`, [
        `local/${tableName}/0/1`,
      ]);
      const started = Date.now();
      const r = await cli(reconcileArgs);
      assert.equal(r.code, 5, r.stderr + r.stdout);
      assert.match(r.stdout, /another reconcile run/);
      // refused before it began: no run of its own left behind as partial
      const runs = json<Array<{startedAt: string}>>(
        await cli(['reconcile', 'history', '--table', tableName, '--json']),
      );
      assert.deepEqual(
        runs.filter((run) => Date.parse(run.startedAt) >= started),
        [],
      );
    } finally {
      await holder.end();
    }
  });

  it('writes during a run are not reported after the recheck', async (t) => {
    if (skip || !driftRun) return t.skip(skip ?? 'no drift run');
    await seed(0);
    // Cassandra is ahead of the sink for one row when the run starts; the "sink" catches up
    // while the run waits to re-check
    const row = (await import('../../src/services/reconcile/seed.js')).demoRow('cdcctl', 42);
    await cass.execute(`UPDATE ${ks}.accounts SET visits = -1 WHERE id = ${row.id}`);
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/run.js'), 'reconcile', '--table', tableName, '--recheck-after', '3s', '--json'],
      {env: {...process.env, ...env, NO_COLOR: '1'}},
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    let caughtUp = false;
    child.stderr.on('data', async (d) => {
      stderr += d;
      if (!caughtUp && /re-checking 1 differing rows/.test(stderr)) {
        caughtUp = true;
        await sql('target', `UPDATE ${pgSchema}.accounts SET visits = -1 WHERE id = $1`, [row.id]);
      }
    });
    const code = await new Promise<number>((r) => child.once('close', (c) => r(c ?? 1)));
    assert.ok(caughtUp, `the run re-checked the row (stderr: ${stderr})`);
    assert.equal(code, 0, stderr);
    const res = JSON.parse(stdout) as RunResult;
    assert.equal(res.tables[0]?.skippedOnRecheck, 1);
    assert.deepEqual(res.tables[0]?.mismatches, []);
  });

  it('repair: --dry-run shows the guarded SQL; a real repair fixes all but guarded rows and kept extras', async (t) => {
    if (skip) return t.skip(skip);
    await seed(0.005);
    const first = json<RunResult>(await cli(reconcileArgs));
    assert.equal(first.status, 'drift');
    const dry = await cli(['reconcile', 'repair', first.runId, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /ON CONFLICT \("id"\) DO UPDATE SET .* WHERE lpad\(to_hex\(hashtextextended\(/);
    assert.match(dry.stdout, /extra row kept/);
    // a row changed in PostgreSQL after the run must not be overwritten
    const valueRow = first.tables[0]?.mismatches.find((m) => m.kind === 'value') as Mismatch;
    await sql('target', `UPDATE ${pgSchema}.accounts SET visits = 424242 WHERE id = $1`, [valueRow.key.id]);
    const fix = await cli(['reconcile', 'repair', first.runId, '--yes', '--json']);
    assert.equal(fix.code, 5, fix.stderr); // some rows left alone
    const result = json<{actions: Array<{key: {id: string}; applied?: boolean; action: string}>}>(fix);
    assert.equal(result.actions.find((a) => a.key.id === valueRow.key.id)?.applied, false);
    const after = json<RunResult>(await cli(reconcileArgs));
    assert.deepEqual(
      signature(after.tables[0]?.mismatches ?? []),
      signature(
        (first.tables[0]?.mismatches ?? []).filter((m) => m.kind === 'extra' || m.key.id === valueRow.key.id),
      ).map((s) =>
        s.startsWith(`value ${valueRow.key.id}`)
          ? `value ${valueRow.key.id} ${[...new Set([...valueRow.columns.map((c) => c.column), 'visits'])].sort().join('+')}`
          : s,
      ),
    );
    // extra rows go only with --delete-extras, and not one that Cassandra holds by now
    const extras = (first.tables[0]?.mismatches ?? []).filter((m) => m.kind === 'extra');
    assert.ok(extras.length >= 1, 'the seed made extra rows');
    const nowInCassandra = extras[0] as Mismatch;
    await cass.execute(`INSERT INTO ${ks}.accounts (id) VALUES (${nowInCassandra.key.id})`);
    const del = await cli(['reconcile', 'repair', first.runId, '--delete-extras', '--yes', '--json']);
    type Action = {key: {id: string}; kind: string; applied?: boolean; reason?: string};
    const deletes = json<{actions: Action[]}>(del).actions.filter((a) => a.kind === 'extra');
    assert.match(deletes.find((a) => a.key.id === nowInCassandra.key.id)?.reason ?? '', /now in Cassandra/);
    assert.deepEqual(
      deletes.filter((a) => a.key.id !== nowInCassandra.key.id && !a.applied),
      [],
      'the other extra rows are deleted',
    );
  });

  it('unreachable Cassandra: exit 4 with a one-line error', async (t) => {
    if (skip) return t.skip(skip);
    const bad = tempConfig(
      [
        'current-context: x',
        'contexts:',
        '  x:',
        '    postgres: {url: "postgres://cdc:cdc@127.0.0.1:5433/target"}',
        '    cassandra: {contactPoints: ["127.0.0.1:1"], localDataCenter: datacenter1}',
        '    reconcile:',
        `      tables: [{cassandra: ${ks}.accounts, postgres: ${pgSchema}.accounts, key: [id]}]`,
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const r = await runCli(['reconcile', '--timeout', '3s'], {env: bad.env});
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^Error: Cassandra at 127\.0\.0\.1:1 is unreachable/);
    // nothing was checked, so nothing is recorded: no empty "partial" run in the history
    const runs = json<Array<{startedAt: string}>>(await runCli(['reconcile', 'history', '--json'], {env: bad.env}));
    assert.deepEqual(
      runs.filter((run) => Date.parse(run.startedAt) >= started),
      [],
    );
  });
});
