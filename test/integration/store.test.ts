import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {json, runCli, tempConfig} from '../helpers.js';
import {requireStack, sql} from './stack.js';

/** The operational store's migrations on the real PostgreSQL: versioned, idempotent, race-free. */

const schema = `cdc_ops_it_${process.pid}`;
const {env: cfgEnv} = tempConfig(
  `current-context: t\ncontexts:\n  t:\n    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${schema}}\n`,
);
const env = {...cfgEnv, CDC_PG_PASSWORD: 'cdc'};
let skip: string | undefined;

describe('operational store migrations (real PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
  });
  after(async () => {
    if (!skip) await sql('target', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('reports pending migrations, applies them once even when two processes race, then is up to date', async (t) => {
    if (skip) return t.skip(skip);
    const before = json<{current: number; pending: unknown[]}>(await runCli(['store', 'status', '--json'], {env}));
    assert.equal(before.current, 0);
    assert.ok(before.pending.length >= 1);

    const [a, b] = await Promise.all([
      runCli(['store', 'migrate', '--json'], {env}),
      runCli(['store', 'migrate', '--json'], {env}),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const applied = [...json<{applied: unknown[]}>(a).applied, ...json<{applied: unknown[]}>(b).applied];
    assert.equal(applied.length, before.pending.length, 'each migration applied exactly once');

    const status = json<{current: number; pending: unknown[]}>(await runCli(['store', 'status', '--json'], {env}));
    assert.equal(status.pending.length, 0);
    const rows = await sql('target', `SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
    assert.equal(rows[0]?.n, before.pending.length);
  });

  it('refuses an invalid schema name before touching the database', async () => {
    const {env: bad} = tempConfig(
      'current-context: t\ncontexts:\n  t:\n    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", opsSchema: "x; DROP TABLE y"}\n',
    );
    const r = await runCli(['store', 'status'], {env: bad});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /opsSchema/);
  });
});
