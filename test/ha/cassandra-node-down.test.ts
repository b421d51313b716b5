import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {type CliResult, eventually, json, runCli} from '../helpers.js';
import {requireStack, sql, stackConfig} from '../integration/stack.js';
import {killService, nodetool, ringStatus, startService} from './services.js';

/**
 * Fault injection on the --ha Cassandra ring (three nodes, replication factor 3): node 3 is killed with
 * SIGKILL while rows change, and comes back stale (hinted handoff disabled on the other two, as when a node
 * was down longer than max_hint_window). What cdcctl must do:
 * - `doctor` names the node down (as nodetool's DN does) and what each keyspace can still serve;
 * - `reconcile` at ONE and QUORUM reports no drift with the node down (and the real drift only), at ALL
 *   it fails with a clear error; with the stale node back, nothing it holds is reported as drift: the
 *   differing rows are confirmed at a quorum (the stale node itself is checked to be stale);
 * - `gdpr erase` at QUORUM with the node down completes and verifies; the node that was down still holds
 *   the subject when it returns (the guarantee that remains), until `gdpr verify --consistency ALL` reads
 *   every replica (and repairs it). With two nodes down the erasure fails cleanly and resumes.
 */

const P = `hac${process.pid}`;
const ROWS = 600;
const CHANGED = 200;
const secrets = {
  GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
  GDPR_SIGNING_KEY: randomBytes(24).toString('hex'),
};
const {env: baseEnv} = stackConfig(
  [
    'reconcile:',
    '  tables:',
    `    - {name: ${P}.accounts, cassandra: ${P}.accounts, postgres: ${P}.accounts, key: [id]}`,
    'gdpr:',
    '  consistency: QUORUM',
    '  cassandra:',
    `    - {keyspace: ${P}, table: customers, subjectColumns: [id]}`,
    '  postgres:',
    `    - {schema: ${P}, table: customers, column: id}`,
    '  backupKey: "${env:GDPR_BACKUP_KEY}"',
    '  reportKey: "${env:GDPR_REPORT_KEY}"',
    '  backupRetention: 1h',
    '  signing: {hmacKey: "${env:GDPR_SIGNING_KEY}"}',
  ],
  {opsSchema: `${P}_ops`},
);
const env = {...baseEnv, ...secrets};
const cli = (args: string[]) => runCli(args, {env});

let skip: string | undefined;
let cass: driver.Client;
const {consistencies} = driver.types;
const write = (q: string, p: unknown[], consistency = consistencies.all) =>
  cass.execute(q, p, {prepare: true, consistency});

/**
 * Rows of `q` as node n alone holds them: a read at ONE that node coordinates and serves itself, from a
 * client of its own (the shared one may still count a node that just came back as down).
 */
async function onNode(n: 3, q: string, p: unknown[]): Promise<driver.types.Row[]> {
  const own = new driver.Client({contactPoints: [`127.0.0.${n}:9042`], localDataCenter: 'datacenter1'});
  try {
    await own.connect();
    const host = own.hosts.values().find((h) => h.address.startsWith(`127.0.0.${n}:`));
    assert.ok(host, `the driver knows node ${n}`);
    return (await own.execute(q, p, {prepare: true, host, consistency: consistencies.one})).rows;
  } finally {
    await own.shutdown();
  }
}

async function ringIs(expected: Record<string, string>, seenBy: 1 | 2 = 1): Promise<void> {
  await eventually(
    async () => {
      const s = ringStatus(seenBy);
      return Object.entries(expected).every(([a, st]) => s.get(a) === st);
    },
    90_000,
    1000,
  );
}

async function killNode(n: 2 | 3): Promise<void> {
  killService(`cassandra${n}`);
  // the coordinators' gossip has convicted it (~20 s): until then a write may still be sent its way
  await ringIs({[`127.0.0.${n}`]: 'DN'});
  if (n === 3) await ringIs({'127.0.0.3': 'DN'}, 2);
}
async function startNode(n: 2 | 3): Promise<void> {
  startService(`cassandra${n}`);
  await ringIs({[`127.0.0.${n}`]: 'UN'});
}

interface Run {
  status: string;
  tables: Array<{
    status: string;
    mismatches: Array<{key: {id: string}; kind: string}>;
    skippedOnRecheck: number;
    recommendation?: string;
  }>;
  warnings: string[];
}
const reconcileAt = (level: string) =>
  cli(['reconcile', '--consistency', level, '--recheck-after', '0', '--no-push', '--no-alert', '--json']);
const drifted = (r: CliResult) =>
  json<Run>(r)
    .tables.flatMap((t) => t.mismatches.map((m) => `${m.kind} ${m.key.id}`))
    .sort();

const REAL_DRIFT = [7, 8, 9]; // changed in PostgreSQL only: the drift every level must report

describe('a Cassandra node down (--ha ring)', {timeout: 900_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    if (ringStatus(1).size !== 3) {
      skip = 'needs the three-node ring of `stack.sh up --ha`';
      return;
    }
    cass = new driver.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
    await cass.connect();
    await cass.execute(`CREATE KEYSPACE ${P} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}`);
    await cass.execute(`CREATE TABLE ${P}.accounts (id int PRIMARY KEY, name text, balance bigint)`);
    await cass.execute(`CREATE TABLE ${P}.customers (id text PRIMARY KEY, name text, email text)`);
    await sql('target', `CREATE SCHEMA ${P}`);
    await sql('target', `CREATE TABLE ${P}.accounts (id int PRIMARY KEY, name text, balance bigint)`);
    await sql('target', `CREATE TABLE ${P}.customers (id text PRIMARY KEY, name text, email text)`);
    for (let i = 1; i <= ROWS; i += 100) {
      const ids = Array.from({length: 100}, (_, j) => i + j);
      await Promise.all(
        ids.map((id) => write(`INSERT INTO ${P}.accounts (id, name, balance) VALUES (?, ?, ?)`, [id, `n${id}`, id])),
      );
    }
    await sql('target', `INSERT INTO ${P}.accounts SELECT g, 'n' || g, g FROM generate_series(1, ${ROWS}) g`);
    // the coordinators store no hints for node 3: it comes back stale, as after a downtime longer than
    // max_hint_window (paused dispatch was not enough: about half the writes reached node 3 anyway)
    nodetool(1, 'disablehandoff');
    nodetool(2, 'disablehandoff');
  });

  after(async () => {
    if (skip) return;
    for (const n of [2, 3] as const) if (ringStatus(1).get(`127.0.0.${n}`) !== 'UN') await startNode(n);
    nodetool(1, 'enablehandoff');
    nodetool(2, 'enablehandoff');
    await cass.execute(`DROP KEYSPACE IF EXISTS ${P}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${P} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${P}_ops CASCADE`).catch(() => {});
  });

  it('node down: doctor names it as nodetool does; reconcile at ONE and QUORUM finds only the real drift, ALL fails clearly', async (t) => {
    if (skip) return t.skip(skip);
    await killNode(3);
    // rows change while node 3 is down: written at QUORUM in Cassandra, and in PostgreSQL as the sink would
    for (let id = 1; id <= CHANGED; id++) {
      await write(`UPDATE ${P}.accounts SET balance = ? WHERE id = ?`, [id + 1000, id], consistencies.quorum);
    }
    await sql('target', `UPDATE ${P}.accounts SET balance = id + 1000 WHERE id <= ${CHANGED}`);
    await sql('target', `UPDATE ${P}.accounts SET name = 'pg only' WHERE id = ANY($1)`, [REAL_DRIFT]);

    const doctor = json<{
      checks: Array<{check: string; status: string; data?: {nodes: Array<{address: string; up: boolean}>}}>;
    }>(await cli(['doctor', '--json']));
    const ring = doctor.checks.find((c) => c.check === 'ring');
    assert.equal(ring?.status, 'warn', JSON.stringify(ring));
    const downByDoctor = ring?.data?.nodes.filter((n) => !n.up).map((n) => n.address);
    const downByNodetool = [...ringStatus(1)].filter(([, s]) => s === 'DN').map(([a]) => a);
    assert.deepEqual(downByDoctor, downByNodetool);
    assert.deepEqual(downByDoctor, ['127.0.0.3']);

    const expected = REAL_DRIFT.map((id) => `value ${id}`);
    for (const level of ['ONE', 'QUORUM']) {
      const r = await reconcileAt(level);
      assert.equal(r.code, 3, `${level}: ${r.stderr}`);
      assert.deepEqual(drifted(r), expected, level);
    }
    const all = await reconcileAt('ALL');
    assert.equal(all.code, 4, all.stdout + all.stderr);
    const err = json<{error: {code: string; message: string}}>(all).error;
    assert.equal(err.code, 'CASSANDRA_UNAVAILABLE');
    assert.match(err.message, /too few live replicas.*ALL/);
  });

  it('the node back, stale: it holds old rows, and no level reports them as drift', async (t) => {
    if (skip) return t.skip(skip);
    await startNode(3);
    const stale = await onNode(3, `SELECT id, balance FROM ${P}.accounts WHERE id IN ?`, [
      Array.from({length: CHANGED}, (_, i) => i + 1),
    ]);
    const old = stale.filter((r) => Number(r.get('balance')) === Number(r.get('id'))).length;
    t.diagnostic(`node 3 holds ${old} of ${CHANGED} changed rows in their old version`);
    assert.equal(old, CHANGED, 'node 3 missed the writes made while it was down');

    const doctor = json<{checks: Array<{check: string; status: string}>}>(await cli(['doctor', '--json']));
    assert.equal(doctor.checks.find((c) => c.check === 'ring')?.status, 'ok');
    // ONE first: its scan may read node 3's old rows (a QUORUM read would repair them). What it counts as
    // differing may exceed --max-diff-ratio: then it gives up and says to re-run at QUORUM; else the rows
    // are confirmed at QUORUM and only the real drift is left.
    const one = await reconcileAt('ONE');
    assert.equal(one.code, 3, one.stderr);
    const oneTable = json<Run>(one).tables[0];
    t.diagnostic(`ONE: ${oneTable?.status}, ${oneTable?.skippedOnRecheck} candidate row(s) dismissed when read back`);
    if (oneTable?.status === 'gave_up') assert.match(oneTable.recommendation ?? '', /re-run at QUORUM/);
    else
      assert.deepEqual(
        drifted(one),
        REAL_DRIFT.map((id) => `value ${id}`),
      );
    for (const args of [['ONE', '--max-diff-ratio', '1'], ['QUORUM']]) {
      const r = await cli([
        'reconcile',
        '--consistency',
        ...args,
        '--recheck-after',
        '0',
        '--no-push',
        '--no-alert',
        '--json',
      ]);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(
        drifted(r),
        REAL_DRIFT.map((id) => `value ${id}`),
        args.join(' '),
      );
      t.diagnostic(
        `${args.join(' ')}: ${json<Run>(r).tables[0]?.skippedOnRecheck} candidate row(s) dismissed when read back`,
      );
    }
  });

  it('gdpr erase at QUORUM with a node down: done and verified; the down node keeps the subject until a read at ALL', async (t) => {
    if (skip) return t.skip(skip);
    const subject = `s-${P}`;
    await write(`INSERT INTO ${P}.customers (id, name, email) VALUES (?, ?, ?)`, [subject, 'Ann', 'ann@x']);
    await sql('target', `INSERT INTO ${P}.customers VALUES ($1, 'Ann', 'ann@x')`, [subject]);
    assert.equal((await onNode(3, `SELECT id FROM ${P}.customers WHERE id = ?`, [subject])).length, 1);
    await killNode(3);
    const r = await cli(['gdpr', 'erase', '--subject', subject, '--request-id', `${P}-1`, '--yes', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const erased = json<{state: string; evidence: {cassandraNodesDown?: string[]}}>(r);
    assert.equal(erased.state, 'verified');
    assert.deepEqual(erased.evidence.cassandraNodesDown, ['127.0.0.3'], 'the evidence names the replica it missed');
    assert.match(r.stderr, /127\.0\.0\.3 did not answer after the deletes/);
    const pgLeft = await sql('target', `SELECT 1 FROM ${P}.customers WHERE id = $1`, [subject]);
    assert.equal(pgLeft.length, 0);
    const quorum = await write(`SELECT id FROM ${P}.customers WHERE id = ?`, [subject], consistencies.quorum);
    assert.equal(quorum.rows.length, 0, 'a quorum read sees the subject erased');

    await startNode(3);
    const kept = await onNode(3, `SELECT id FROM ${P}.customers WHERE id = ?`, [subject]);
    assert.equal(kept.length, 1, 'node 3 was down during the erasure: it still holds the subject (no hints delivered)');
    const quorumCheck = await cli(['gdpr', 'verify', `${P}-1`, '--json']);
    assert.equal(quorumCheck.code, 0, quorumCheck.stdout);
    const allCheck = await cli(['gdpr', 'verify', `${P}-1`, '--consistency', 'ALL', '--json']);
    assert.equal(allCheck.code, 0, allCheck.stdout);
    assert.equal(json<{consistency: string}>(allCheck).consistency, 'ALL');
    assert.equal(
      (await onNode(3, `SELECT id FROM ${P}.customers WHERE id = ?`, [subject])).length,
      0,
      'the read at ALL repaired node 3',
    );
  });

  it('gdpr erase with two nodes down fails with a clear error and nothing half done; it resumes once they are back', async (t) => {
    if (skip) return t.skip(skip);
    const subject = `t-${P}`;
    await write(`INSERT INTO ${P}.customers (id, name, email) VALUES (?, ?, ?)`, [subject, 'Bo', 'bo@x']);
    await sql('target', `INSERT INTO ${P}.customers VALUES ($1, 'Bo', 'bo@x')`, [subject]);
    await killNode(3);
    await killNode(2);
    const r = await cli(['gdpr', 'erase', '--subject', subject, '--request-id', `${P}-2`, '--yes', '--json']);
    t.diagnostic(`exit ${r.code}: ${r.stdout.slice(0, 400)}`);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /CASSANDRA_UNAVAILABLE|too few live replicas/);
    await startNode(2);
    await startNode(3);
    const status = json<{state: string}>(await cli(['gdpr', 'status', `${P}-2`, '--json']));
    t.diagnostic(`state after the failure: ${status.state}`);
    const res = await cli(['gdpr', 'resume', '--request', `${P}-2`, '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const done = json<{state: string}>(await cli(['gdpr', 'status', `${P}-2`, '--json']));
    assert.ok(['verified', 'closed'].includes(done.state), done.state);
    const everywhere = await write(`SELECT id FROM ${P}.customers WHERE id = ?`, [subject], consistencies.all);
    assert.equal(everywhere.rows.length, 0);
    assert.equal((await sql('target', `SELECT 1 FROM ${P}.customers WHERE id = $1`, [subject])).length, 0);
  });
});
