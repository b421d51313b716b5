import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {json, runCli} from '../helpers.js';
import {scratchSides, sql, stackConfig} from './stack.js';

/**
 * Values whose canonical forms once differed between the sides, end to end on the real stack: a
 * correct replica must be clean, drift must be found by its exact key, repair must leave the tables
 * equal (checked here independently of the canonical forms: Cassandra's values through the driver,
 * PostgreSQL's through SQL), and a clean run must mean equal tables.
 */
interface Mismatch {
  kind: string;
  key: Record<string, string>;
  columns: Array<{column: string; cassandra: string | null; postgres: string | null}>;
}
interface Result {
  runId: string;
  status: string;
  tables: Array<{rowsCassandra: number; rowsPostgres: number; rowsYoung: number; mismatches: Mismatch[]}>;
}
const FLAGS = ['--recheck-after', '0', '--max-diff-ratio', '1', '--no-push', '--no-alert', '--json'];

function pairConfig(id: string, table: string, key: string[], extra = '') {
  return stackConfig([
    'reconcile:',
    `  tables: [{name: ${id}-${table}, cassandra: ${id}.${table}, postgres: ${id}.${table}, key: [${key.join(', ')}]${extra}}]`,
  ]).env;
}

async function reconcileRun(env: Record<string, string>, code: number, more: string[] = []): Promise<Result> {
  const r = await runCli(['reconcile', ...FLAGS, ...more], {env});
  assert.equal(r.code, code, r.stderr + r.stdout);
  return json<Result>(r);
}

async function repairRun(env: Record<string, string>, more: string[] = []): Promise<{applied: number; failed: number}> {
  const r = await runCli(['reconcile', 'repair', 'latest', '--yes', '--json', ...more], {env});
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return json<{applied: number; failed: number}>(r);
}

const forget = (name: string) =>
  sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [name]).catch(() => {});

/** An address's bytes in a form PostgreSQL parses without any shortening: a.b.c.d, or eight hex words. */
function fullInet(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  return Array.from({length: 8}, (_, w) => b.readUInt16BE(w * 2).toString(16)).join(':');
}

describe('reconcile: IPv6 addresses as PostgreSQL prints them, ::ffff:a.b.c.d written as 16 bytes (real stack)', () => {
  const id = `rci${process.pid}`;
  const env = pairConfig(id, 'hosts', ['ip']);
  const sides = scratchSides(id, {createKeyspace: true});
  // [key, value]: IPv4-mapped and IPv4-compatible written as 16 bytes, plain IPv4, IPv6
  const hex = (h: string) => Buffer.from(h.replace(/:/g, ''), 'hex');
  const rows: Array<[Buffer, Buffer | null]> = [
    [hex('0000:0000:0000:0000:0000:ffff:0102:0304'), hex('0000:0000:0000:0000:0000:ffff:0a00:0001')],
    [hex('0000:0000:0000:0000:0000:ffff:0000:0000'), hex('0000:0000:0000:0000:0000:ffff:c0a8:0101')],
    [hex('0000:0000:0000:0000:0000:0000:0102:0304'), hex('0000:0000:0000:0000:0000:ffff:0000:0001')],
    [hex('0a000001'), hex('0000:0000:0000:0000:0000:ffff:0a00:0001')],
    [hex('2001:0db8:0000:0000:0001:0000:0000:0001'), hex('0000:0000:0000:0000:0000:0000:0000:0001')],
    [hex('0000:0000:0000:0000:0000:0000:0000:0002'), null],
    [hex('0001:0000:0000:0002:0003:0004:0000:0000'), hex('0000:0000:0000:0000:0000:0000:0000:0000')],
  ];
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${id}.hosts (ip inet PRIMARY KEY, seen inet, n int)`);
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql('target', `CREATE TABLE ${id}.hosts (ip inet PRIMARY KEY, seen inet, n integer)`);
    const inet = (b: Buffer | null) => (b ? new driver.types.InetAddress(b) : null);
    for (const [i, [ip, seen]] of rows.entries()) {
      await sides.cass.execute(`INSERT INTO ${id}.hosts (ip, seen, n) VALUES (?, ?, ?)`, [inet(ip), inet(seen), i], {
        prepare: true,
      });
      await sql('target', `INSERT INTO ${id}.hosts VALUES ($1::inet, $2::inet, $3)`, [
        fullInet(ip),
        seen && fullInet(seen),
        i,
      ]);
    }
  });
  after(() => (sides.skip ? undefined : forget(`${id}-hosts`)));

  /** Every Cassandra row has a PostgreSQL row with the same bytes (compared by PostgreSQL as inet), and no more. */
  async function sameTables(): Promise<void> {
    const cass = (await sides.cass.execute(`SELECT ip, seen, n FROM ${id}.hosts`)).rows;
    // the driver's InetAddress holds the bytes it read in .buffer (not in its typings)
    const bytes = (v: unknown) => fullInet((v as {buffer: Buffer}).buffer);
    const ips = cass.map((r) => bytes(r.get('ip')));
    const seen = cass.map((r) => (r.get('seen') ? bytes(r.get('seen')) : null));
    const [m] = await sql<{matched: number; pg: number}>(
      'target',
      `SELECT (SELECT count(*) FROM ${id}.hosts t JOIN unnest($1::inet[], $2::inet[], $3::int[]) u(ip, seen, n)
                 ON t.ip = u.ip AND t.seen IS NOT DISTINCT FROM u.seen AND t.n = u.n)::int AS matched,
              (SELECT count(*) FROM ${id}.hosts)::int AS pg`,
      [ips, seen, cass.map((r) => r.get('n'))],
    );
    assert.deepEqual(m, {matched: cass.length, pg: cass.length});
  }

  it('a correct replica is clean; drift in an address is repaired to equal bytes', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    await sameTables();
    const clean = await reconcileRun(env, 0);
    assert.equal(clean.tables[0]?.rowsCassandra, rows.length);

    // PostgreSQL loses the IPv4-mapped key's row and holds another address in a second one
    await sql('target', `DELETE FROM ${id}.hosts WHERE ip = '::ffff:1.2.3.4'`);
    await sql('target', `UPDATE ${id}.hosts SET seen = '10.0.0.1' WHERE ip = '::ffff:0.0.0.0'`);
    const drift = await reconcileRun(env, 3);
    const got = drift.tables[0]?.mismatches.map(
      (m) => `${m.kind} ${m.key.ip} ${m.columns.map((c) => `${c.column}:${c.cassandra}/${c.postgres}`).join(' ')}`,
    );
    assert.deepEqual(got?.sort(), ['missing ::ffff:1.2.3.4 ', 'value ::ffff:0.0.0.0 seen:::ffff:192.168.1.1/10.0.0.1']);
    assert.equal((await repairRun(env)).applied, 2);
    await sameTables();
    await reconcileRun(env, 0);
  });
});

describe('reconcile: minAge 0s in the config is no min-age (real stack)', () => {
  const id = `rcm${process.pid}`;
  const env = pairConfig(id, 'fresh', ['id'], ', minAge: 0s');
  const sides = scratchSides(id, {createKeyspace: true});
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${id}.fresh (id int PRIMARY KEY, v text)`);
    await sides.cass.execute(`INSERT INTO ${id}.fresh (id, v) VALUES (1, 'just written')`);
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql('target', `CREATE TABLE ${id}.fresh (id integer PRIMARY KEY, v text)`);
    await sql('target', `INSERT INTO ${id}.fresh VALUES (1, 'just written')`);
  });
  after(() => (sides.skip ? undefined : forget(`${id}-fresh`)));

  it('passes config validate, and a run compares every row, young ones too', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const valid = await runCli(['config', 'validate', '--json'], {env});
    assert.equal(valid.code, 0, valid.stderr + valid.stdout);
    const run = await reconcileRun(env, 0);
    assert.deepEqual([run.tables[0]?.rowsCassandra, run.tables[0]?.rowsYoung], [1, 0]);
  });
});

describe('reconcile: float values whose shortest digits are a tie (real stack)', () => {
  const id = `rcf${process.pid}`;
  const env = pairConfig(id, 'floats', ['k']);
  const sides = scratchSides(id, {createKeyspace: true});
  // float32 values whose shortest digits end in a tie (…125), or whose rounding interval's bound is a
  // short decimal: PostgreSQL prints 224.45312, 24.289062, 5.3669888e+07
  const values = [224.453125, 24.2890625, 53669888, -177.140625, 0.1];
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${id}.floats (k float PRIMARY KEY, f float, note text)`);
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql('target', `CREATE TABLE ${id}.floats (k real PRIMARY KEY, f real, note text)`);
    for (const v of values) {
      await sides.cass.execute(`INSERT INTO ${id}.floats (k, f, note) VALUES (?, ?, 'same')`, [v, v], {prepare: true});
      await sql('target', `INSERT INTO ${id}.floats VALUES ($1, $1, 'same')`, [v]);
    }
  });
  after(() => (sides.skip ? undefined : forget(`${id}-floats`)));

  it('float keys match; a row differing in another column lists only that column', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    await reconcileRun(env, 0);
    await sql('target', `UPDATE ${id}.floats SET note = 'changed'`);
    const drift = await reconcileRun(env, 3);
    const got = drift.tables[0]?.mismatches.map((m) => `${m.kind} ${m.key.k} ${m.columns.map((c) => c.column)}`);
    assert.deepEqual(got?.sort(), [
      'value -177.14062 note',
      'value 0.1 note',
      'value 224.45312 note',
      'value 24.289062 note',
      'value 5.3669888e+07 note',
    ]);
  });
});
