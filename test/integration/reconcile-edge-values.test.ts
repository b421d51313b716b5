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

describe('reconcile: text keys holding the separator \\x1f or a backslash (real stack)', () => {
  const id = `rcx${process.pid}`;
  const env = pairConfig(id, 'notes', ['k', 'c']);
  const sides = scratchSides(id, {createKeyspace: true});
  // ('a\x1fb', 'c') and ('a', 'b\x1fc') joined naively are one key; 'p\\x1fq' is how an escaped \x1f reads
  const rows: Array<[string, string, number]> = [
    ['a\x1fb', 'c', 1],
    ['a', 'b\x1fc', 2],
    ['p\x1fq', '', 3],
    ['p\\x1fq', '\\', 4],
    ['\x1f', '\x1f\x1f', 5],
    ['plain', 'x', 6],
  ];
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${id}.notes (k text, c text, v int, PRIMARY KEY ((k), c))`);
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql('target', `CREATE TABLE ${id}.notes (k text, c text, v integer, PRIMARY KEY (k, c))`);
    for (const r of rows) {
      await sides.cass.execute(`INSERT INTO ${id}.notes (k, c, v) VALUES (?, ?, ?)`, r, {prepare: true});
      await sql('target', `INSERT INTO ${id}.notes VALUES ($1, $2, $3)`, r);
    }
  });
  after(() => (sides.skip ? undefined : forget(`${id}-notes`)));

  async function sameTables(): Promise<void> {
    const cass = (await sides.cass.execute(`SELECT k, c, v FROM ${id}.notes`)).rows.map((r) =>
      JSON.stringify([r.get('k'), r.get('c'), r.get('v')]),
    );
    const pg = (await sql<{k: string; c: string; v: number}>('target', `SELECT k, c, v FROM ${id}.notes`)).map((r) =>
      JSON.stringify([r.k, r.c, r.v]),
    );
    assert.deepEqual(pg.sort(), cass.sort());
  }

  it('a correct replica is clean; differing rows are found by their exact keys and repaired', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    await reconcileRun(env, 0);
    await sql('target', `UPDATE ${id}.notes SET v = v + 10 WHERE v IN (1, 4)`);
    await sql('target', `DELETE FROM ${id}.notes WHERE v = 2`);
    await sql('target', `INSERT INTO ${id}.notes VALUES ($1, $2, 7)`, ['\x1fonly', 'here\\']);
    const drift = await reconcileRun(env, 3);
    const got = drift.tables[0]?.mismatches.map((m) => JSON.stringify([m.kind, m.key.k, m.key.c]));
    assert.deepEqual(got?.sort(), [
      JSON.stringify(['extra', '\x1fonly', 'here\\']),
      JSON.stringify(['missing', 'a', 'b\x1fc']),
      JSON.stringify(['value', 'a\x1fb', 'c']),
      JSON.stringify(['value', 'p\\x1fq', '\\']),
    ]);
    assert.equal((await repairRun(env, ['--delete-extras'])).applied, 4);
    await sameTables();
    await reconcileRun(env, 0);
  });
});

describe('reconcile: a PostgreSQL timestamp key less than 1 ms from another (real stack)', () => {
  const id = `rct${process.pid}`;
  const env = pairConfig(id, 'events', ['ts']);
  const sides = scratchSides(id, {createKeyspace: true});
  // whole milliseconds in Cassandra: 2024 (PostgreSQL's float8 path), before 1970 and before 1900 (its numeric path)
  const keys = ['2024-02-29 12:34:56.789+00', '1969-12-31 23:59:59.999+00', '1850-06-01 12:00:00.123+00'];
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${id}.events (ts timestamp PRIMARY KEY, v int)`);
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql('target', `CREATE TABLE ${id}.events (ts timestamptz PRIMARY KEY, v integer)`);
    for (const [i, k] of keys.entries()) {
      await sides.cass.execute(`INSERT INTO ${id}.events (ts, v) VALUES (?, ?)`, [new Date(k), i], {prepare: true});
      await sql('target', `INSERT INTO ${id}.events VALUES ($1, $2)`, [k, i]);
    }
  });
  after(() => (sides.skip ? undefined : forget(`${id}-events`)));

  async function sameTables(): Promise<void> {
    const cass = (await sides.cass.execute(`SELECT ts, v FROM ${id}.events`)).rows.map(
      (r) => `${(r.get('ts') as Date).getTime() * 1000} ${r.get('v')}`,
    );
    const pg = await sql<{r: string}>(
      'target',
      `SELECT (extract(epoch FROM ts) * 1000000)::numeric(30,0) || ' ' || v AS r FROM ${id}.events`,
    );
    assert.deepEqual(
      pg.map((x) => x.r).sort(),
      cass.sort(),
      'the same keys to the µs (Cassandra has whole ms), the same values',
    );
  }

  it('extra rows 1 µs … 999 µs from an existing key are found and deleted by repair --delete-extras', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    await reconcileRun(env, 0);
    await sql(
      'target',
      `INSERT INTO ${id}.events VALUES ('2024-02-29 12:34:56.789500+00', 0), ('2024-02-29 12:34:56.789001+00', 0),
         ('1969-12-31 23:59:59.999999+00', 1), ('1850-06-01 12:00:00.122001+00', 2)`,
    );
    const drift = await reconcileRun(env, 3);
    assert.equal(drift.tables[0]?.rowsPostgres, keys.length + 4);
    const got = drift.tables[0]?.mismatches.map((m) => `${m.kind} ${m.key.ts}`);
    assert.deepEqual(got?.sort(), [
      'extra -0.001',
      'extra -3773735999877.999',
      'extra 1709210096789.001',
      'extra 1709210096789.5',
    ]);
    const fixed = await repairRun(env, ['--delete-extras']);
    assert.deepEqual(fixed, {...fixed, applied: 4, failed: 0});
    await sameTables();
    const clean = await reconcileRun(env, 0);
    assert.equal(clean.tables[0]?.rowsPostgres, clean.tables[0]?.rowsCassandra);
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
  const {env} = stackConfig([
    'reconcile:',
    '  tables:',
    `    - {name: ${id}-keys, cassandra: ${id}.keys, postgres: ${id}.keys, key: [k]}`,
    `    - {name: ${id}-cols, cassandra: ${id}.cols, postgres: ${id}.cols, key: [id]}`,
  ]);
  const sides = scratchSides(id, {createKeyspace: true});
  // float32 values whose shortest digits end in a tie (…125), or whose rounding interval's bound is a
  // short decimal: PostgreSQL prints 224.45312, 24.289062, 5.3669888e+07
  const values = [224.453125, 24.2890625, 53669888, -177.140625, 0.1];
  before(async () => {
    if (sides.skip) return;
    await sql('target', `CREATE SCHEMA ${id}`);
    for (const [table, key] of [
      ['keys', 'k'],
      ['cols', 'id'],
    ]) {
      await sides.cass.execute(
        `CREATE TABLE ${id}.${table} (${key} ${key === 'k' ? 'float' : 'int'} PRIMARY KEY, f float, note text)`,
      );
      await sql(
        'target',
        `CREATE TABLE ${id}.${table} (${key} ${key === 'k' ? 'real' : 'integer'} PRIMARY KEY, f real, note text)`,
      );
    }
    for (const [i, v] of values.entries()) {
      for (const [table, key] of [
        ['keys', v],
        ['cols', i],
      ] as const) {
        const cols = table === 'keys' ? 'k' : 'id';
        await sides.cass.execute(`INSERT INTO ${id}.${table} (${cols}, f, note) VALUES (?, ?, 'same')`, [key, v], {
          prepare: true,
        });
        await sql('target', `INSERT INTO ${id}.${table} VALUES ($1, $2, 'same')`, [key, v]);
      }
    }
  });
  after(async () => {
    if (sides.skip) return;
    await forget(`${id}-keys`);
    await forget(`${id}-cols`);
  });

  it('float keys match, and a clean run means the same float32 values on both sides', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const clean = await reconcileRun(env, 0, ['--table', `${id}-keys`]);
    assert.equal(clean.tables[0]?.rowsCassandra, values.length);
    const cass = (await sides.cass.execute(`SELECT k, f FROM ${id}.keys`)).rows.map(
      (r) => `${r.get('k')} ${r.get('f')}`,
    );
    // PostgreSQL's values as float8, exactly (shortest round-trip digits, as the driver's numbers print)
    const pg = await sql<{r: string}>(
      'target',
      `SELECT k::float8 || ' ' || f::float8 AS r FROM ${id}.keys`,
      [],
      '-c extra_float_digits=1',
    );
    assert.deepEqual(pg.map((x) => x.r).sort(), cass.sort());
  });

  it('a row differing in another column lists only that column, not its equal float', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    await reconcileRun(env, 0, ['--table', `${id}-cols`]);
    await sql('target', `UPDATE ${id}.cols SET note = 'changed'`);
    const drift = await reconcileRun(env, 3, ['--table', `${id}-cols`]);
    const got = drift.tables[0]?.mismatches.map((m) => `${m.kind} ${m.key.id} ${m.columns.map((c) => c.column)}`);
    assert.deepEqual(got?.sort(), ['value 0 note', 'value 1 note', 'value 2 note', 'value 3 note', 'value 4 note']);
  });
});
