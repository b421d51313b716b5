import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {json, runCli, tempDir} from '../helpers.js';
import {scratchSides, sql, stackConfig} from './stack.js';

/**
 * A table whose primary key has several columns — a composite partition key and a clustering column —
 * reconciled end to end: keys joined canonically on both sides, pages digested with the key in
 * canonical order whatever the select order, point reads by full key, and PostgreSQL's drill-down by
 * key lookups plus a scan of the buckets holding extras.
 */
const id = `rck${process.pid}`;
const ROWS = 400;
const {env} = stackConfig([
  'reconcile:',
  '  buckets: 256',
  `  tables: [{name: ${id}.readings, cassandra: ${id}.readings, postgres: ${id}.readings, key: [tenant, region, seq]}]`,
]);
const cli = (args: string[]) => runCli(args, {env});

interface Result {
  status: string;
  tables: Array<{
    rowsCassandra: number;
    rowsPostgres: number;
    mismatchedBuckets: number;
    bucketsReadInFull?: number;
    mismatches: Array<{kind: string; key: Record<string, string>; columns: Array<{column: string}>}>;
  }>;
}

describe('reconcile: a compound primary key (real stack)', () => {
  const sides = scratchSides(id, {createKeyspace: true});
  before(async () => {
    if (sides.skip) return;
    const {cass} = sides;
    await cass.execute(
      `CREATE TABLE ${id}.readings (tenant text, region int, seq bigint, reading double, note text,
         PRIMARY KEY ((tenant, region), seq))`,
    );
    await sql('target', `CREATE SCHEMA ${id}`);
    await sql(
      'target',
      `CREATE TABLE ${id}.readings (tenant text, region int, seq bigint, reading double precision, note text,
         PRIMARY KEY (tenant, region, seq))`,
    );
    const insert = `INSERT INTO ${id}.readings (tenant, region, seq, reading, note) VALUES (?, ?, ?, ?, ?)`;
    const rows = Array.from({length: ROWS}, (_, i) => [`t${i % 7}`, i % 3, i * 1000, i / 8, i % 5 ? `n${i}` : null]);
    for (const r of rows) await cass.execute(insert, r, {prepare: true});
    await sql(
      'target',
      `INSERT INTO ${id}.readings SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::float8[], $5::text[])`,
      [0, 1, 2, 3, 4].map((c) => rows.map((r) => r[c])),
    );
  });
  after(async () => {
    if (sides.skip) return;
    await sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [`${id}.readings`]);
  });

  it('identical tables are clean; drift of every kind is found by its full key', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const spill = tempDir('cdcctl-spill-');
    const args = ['reconcile', '--recheck-after', '0', '--no-push', '--no-alert', '--json', '--spill-dir', spill];
    const clean = await cli(args);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.equal(json<Result>(clean).tables[0]?.rowsCassandra, ROWS);

    // row 10: value differs; row 20: gone from PostgreSQL (missing); row 30: gone from Cassandra and
    // a new PostgreSQL row (both extra); row 40: NULL note set on one side
    await sql('target', `UPDATE ${id}.readings SET reading = reading + 1 WHERE seq = 10000`);
    await sql('target', `DELETE FROM ${id}.readings WHERE seq = 20000`);
    await sides.cass.execute(`DELETE FROM ${id}.readings WHERE tenant = 't2' AND region = 0 AND seq = 30000`);
    await sql('target', `INSERT INTO ${id}.readings VALUES ('t9', 1, 7, 1.5, 'only here')`);
    await sql('target', `UPDATE ${id}.readings SET note = 'set' WHERE seq = 40000`);
    const drift = async (more: string[] = []) => {
      const r = await cli([...args, ...more]);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      const table = json<Result>(r).tables[0];
      const got = (table?.mismatches ?? [])
        .map(
          (m) => `${m.kind} ${m.key.tenant}/${m.key.region}/${m.key.seq} ${m.columns.map((c) => c.column).join('+')}`,
        )
        .sort();
      assert.deepEqual(got, [
        'extra t2/0/30000 ',
        'extra t9/1/7 ',
        'missing t6/2/20000 ',
        'value t3/1/10000 reading',
        'value t5/1/40000 note',
      ]);
      return table;
    };
    // few keys to drill into: PostgreSQL's rows by key lookup, a scan only for the buckets with extras
    const byKey = await drift();
    assert.ok((byKey?.bucketsReadInFull ?? 0) >= 1 && (byKey?.bucketsReadInFull ?? 0) <= 2);
    // 16 buckets: a third of the keys sit in differing buckets, and one scan of the table is the cheaper way
    const byScan = await drift(['--buckets', '16', '--max-diff-ratio', '1']);
    assert.equal(byScan?.bucketsReadInFull, byScan?.mismatchedBuckets);
    assert.deepEqual(readdirSync(spill), [], 'finished runs leave no spill files or directories');
  });
});

/**
 * A decimal key: its canonical text (1.5) drops the scale that Cassandra's partition token depends on
 * (1.50), so the drill-down and repair look such keys up again as PostgreSQL stores them.
 */
describe('reconcile: a decimal key stored with trailing zeros (real stack)', () => {
  const dec = `rcd${process.pid}`;
  const {env: decEnv} = stackConfig([
    'reconcile:',
    `  tables: [{name: ${dec}-prices, cassandra: ${dec}.prices, postgres: ${dec}.prices, key: [k]}]`,
  ]);
  const run = (args: string[]) => runCli(['reconcile', ...args], {env: decEnv});
  const sides = scratchSides(dec, {createKeyspace: true});
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${dec}.prices (k decimal PRIMARY KEY, v int)`);
    await sql('target', `CREATE SCHEMA ${dec}`);
    await sql('target', `CREATE TABLE ${dec}.prices (k numeric PRIMARY KEY, v integer)`);
    for (const [k, v] of [
      ['1.50', 1],
      ['2.5', 1],
      ['300', 1],
    ] as const)
      await sides.cass.execute(`INSERT INTO ${dec}.prices (k, v) VALUES (${k}, ${v})`);
    await sql('target', `INSERT INTO ${dec}.prices VALUES (1.50, 2), (2.5, 1), (300, 1)`);
  });
  after(async () => {
    if (sides.skip) return;
    await sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [`${dec}-prices`]);
  });

  it('a changed column is a value difference (not an extra row), and repair fixes it', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const flags = ['--recheck-after', '0', '--max-diff-ratio', '1', '--no-push', '--no-alert', '--json'];
    const drift = await run(flags);
    assert.equal(drift.code, 3, drift.stderr + drift.stdout);
    const result = json<Result & {runId: string}>(drift);
    const got = result.tables[0]?.mismatches.map((m) => `${m.kind} ${m.key.k} ${m.columns.map((c) => c.column)}`);
    assert.deepEqual(got, ['value 1.5 v']);
    // the table as `reconcile --table` takes it (keyspace.table), the run as "latest"
    const shown = await run(['show', 'latest', '--table', `${dec}.prices`, '--json']);
    assert.equal(json<{run: {runId: string}; mismatches: unknown[]}>(shown).run.runId, result.runId);
    assert.equal(json<{mismatches: unknown[]}>(shown).mismatches.length, 1);
    const fix = await run(['repair', 'latest', '--table', `${dec}.prices`, '--yes', '--json']);
    assert.equal(fix.code, 0, fix.stderr + fix.stdout);
    assert.equal(json<{applied: number}>(fix).applied, 1);
    const clean = await run(flags);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
  });
});

/**
 * Texts holding the row text's own separator (\x1f) or NULL mark (\x1e): in the row hash a text column
 * is its byte length and the text, so neither a separator moved from one column to the next nor '\x1e'
 * against NULL hashes the same, and equal such texts still match.
 */
describe('reconcile: texts that hold the separator or the NULL mark (real stack)', () => {
  const sepId = `rcs${process.pid}`;
  const {env: sepEnv} = stackConfig([
    'reconcile:',
    `  tables: [{cassandra: ${sepId}.notes, postgres: ${sepId}.notes, key: [id]}]`,
  ]);
  const sides = scratchSides(sepId, {createKeyspace: true});
  const rows: Array<[id: number, cassandra: [string | null, string | null], postgres: [string | null, string | null]]> =
    [
      [1, ['p\x1fq', 'r'], ['p', 'q\x1fr']],
      [2, ['\x1e', null], [null, null]],
      [3, ['\x1e\x1f', 'é\x1f'], ['\x1e\x1f', 'é\x1f']],
    ];
  before(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`CREATE TABLE ${sepId}.notes (id int PRIMARY KEY, x text, y text)`);
    await sql('target', `CREATE SCHEMA ${sepId}`);
    await sql('target', `CREATE TABLE ${sepId}.notes (id integer PRIMARY KEY, x text, y text)`);
    for (const [id, c, p] of rows) {
      await sides.cass.execute(`INSERT INTO ${sepId}.notes (id, x, y) VALUES (?, ?, ?)`, [id, ...c], {prepare: true});
      await sql('target', `INSERT INTO ${sepId}.notes VALUES ($1, $2, $3)`, [id, ...p]);
    }
  });
  after(async () => {
    if (sides.skip) return;
    await sql('target', `DELETE FROM cdc_ops.reconcile_runs WHERE options->'tables' ? $1`, [`${sepId}.notes`]);
  });

  it('a separator moved across columns and a NULL-mark text against NULL are drift; equal such texts are not', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const r = await runCli(
      ['reconcile', '--recheck-after', '0', '--max-diff-ratio', '1', '--no-push', '--no-alert', '--json'],
      {env: sepEnv},
    );
    assert.equal(r.code, 3, r.stderr + r.stdout);
    const got = json<Result>(r).tables[0]?.mismatches.map(
      (m) => `${m.kind} ${m.key.id} ${m.columns.map((c) => c.column).join('+')}`,
    );
    assert.deepEqual(got, ['value 1 x+y', 'value 2 x']);
  });
});
