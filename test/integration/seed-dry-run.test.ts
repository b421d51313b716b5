import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {SeedPlan} from '../../src/services/reconcile/seed.js';
import {json, runCli} from '../helpers.js';
import {scratchSides, sql, stackConfig} from './stack.js';

/**
 * `reconcile seed --dry-run` against the real Cassandra and PostgreSQL: the plan names what exists,
 * the row counts now and the actions in order, needs no --yes, and leaves both sides as they were.
 */
const id = `sd${process.pid}`;
const {env} = stackConfig();
const pair = (name: string) => ['--cassandra', `${id}.${name}`, '--postgres', `${id}.${name}`];

describe('reconcile seed --dry-run (real stack)', () => {
  const sides = scratchSides(id);

  /** Everything a seed could change: keyspace, schema, both tables' rows (with writetimes and updated_at). */
  const snapshot = async (name: string) => {
    const ks = (
      await sides.cass.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [id])
    ).rowLength;
    const tables = ks
      ? (
          await sides.cass.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [id])
        ).rows.map((r) => r.table_name)
      : [];
    const cRows = tables.includes(name)
      ? (await sides.cass.execute(`SELECT id, name, writetime(name) AS w FROM ${id}.${name}`)).rows
          .map((r) => `${r.id} ${r.name} ${r.w}`)
          .sort()
      : null;
    const schema = (await sql('target', 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [id])).length;
    const pgTable = (await sql('target', `SELECT to_regclass('${id}.${name}') IS NOT NULL AS t`))[0]?.t;
    const pRows = pgTable
      ? (await sql('target', `SELECT id::text, name, updated_at FROM ${id}.${name} ORDER BY id`)).map((r) =>
          JSON.stringify(r),
        )
      : null;
    return {ks, tables, cRows, schema, pgTable, pRows};
  };

  it('nothing there yet: would create keyspace, schema and tables and load the rows; creates nothing', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const before = await snapshot('fresh');
    const r = await runCli(
      ['reconcile', 'seed', ...pair('fresh'), '--rows', '120', '--drift', '0.1', '--dry-run', '--json'],
      {
        env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const plan = json<SeedPlan>(r);
    assert.deepEqual(plan, {
      dryRun: true,
      rows: 120,
      recreate: false,
      cassandra: {
        table: `${id}.fresh`,
        keyspaceExists: false,
        tableExists: false,
        rowsNow: null,
        actions: [{action: 'create-keyspace'}, {action: 'create-table'}, {action: 'load', rows: 120}],
      },
      postgres: {
        table: `${id}.fresh`,
        schemaExists: false,
        tableExists: false,
        rowsNow: null,
        actions: [
          {action: 'create-schema'},
          {action: 'create-table'},
          {action: 'load', rows: 120},
          {action: 'inject-drift', rows: 12},
        ],
      },
      drift: {missing: 1, extra: 1, value: 10},
    });
    assert.deepEqual(await snapshot('fresh'), before);
    assert.equal(before.ks, 0);
    assert.equal(before.schema, 0);
  });

  it('existing tables: the row counts now, truncate or drop; no --yes needed; nothing changed', async (t) => {
    if (sides.skip) return t.skip(sides.skip);
    const seeded = await runCli(['reconcile', 'seed', ...pair('accounts'), '--rows', '50', '--drift', '0.1', '--yes'], {
      env,
    });
    assert.equal(seeded.code, 0, seeded.stderr);
    const before = await snapshot('accounts');
    assert.equal(before.cRows?.length, 50);
    assert.equal(before.pRows?.length, 50); // 5 differences: one missing, one extra, three changed values
    const r = await runCli(['reconcile', 'seed', ...pair('accounts'), '--rows', '80', '--dry-run', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const plan = json<SeedPlan>(r);
    assert.deepEqual(
      [plan.cassandra.keyspaceExists, plan.cassandra.tableExists, plan.cassandra.rowsNow, plan.cassandra.actions],
      [true, true, 50, [{action: 'load', rows: 80}]],
    );
    assert.deepEqual(
      [plan.postgres.schemaExists, plan.postgres.tableExists, plan.postgres.rowsNow, plan.postgres.actions],
      [
        true,
        true,
        50,
        [
          {action: 'truncate', rows: 50},
          {action: 'load', rows: 80},
        ],
      ],
    );
    const recreate = json<SeedPlan>(
      await runCli(['reconcile', 'seed', ...pair('accounts'), '--rows', '80', '--recreate', '--dry-run', '--json'], {
        env,
      }),
    );
    assert.deepEqual(recreate.cassandra.actions, [
      {action: 'drop-table', rows: 50},
      {action: 'create-table'},
      {action: 'load', rows: 80},
    ]);
    assert.deepEqual(recreate.postgres.actions, [
      {action: 'drop-table', rows: 50},
      {action: 'create-table'},
      {action: 'load', rows: 80},
    ]);
    const text = await runCli(['reconcile', 'seed', ...pair('accounts'), '--rows', '80', '--dry-run'], {env});
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /PostgreSQL .*\(50 rows now\):\n {2}- truncate 50 row\(s\)\n {2}- load 80 row\(s\)/);
    assert.match(text.stdout, /Dry run: nothing was changed\./);
    assert.deepEqual(await snapshot('accounts'), before, 'a dry run leaves both tables as they were');
  });
});
