import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {eventually, json, repoRoot, runCli, tempDir} from '../helpers.js';
import {connectRaw, deleteConnectors, env, requireStack, sql} from './stack.js';

/**
 * The demo pipeline end to end on the real stack: cdcctl registers the Debezium PostgreSQL source
 * and JDBC sink from examples/connectors, a row inserted in the source database arrives in the
 * target database, and list/status report it. Then a broken sink makes the verdict "degraded".
 */

const connectors = join(repoRoot, 'examples', 'connectors');
let skip: string | undefined;

describe('demo pipeline (real Kafka Connect, Debezium, PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
  });

  it('applies the demo connectors, then finds nothing to change', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'apply', '-f', connectors, '--json'], {env});
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const results = json<Array<{name: string; action: string; applied: boolean}>>(r);
    // the PostgreSQL pipeline (inventory-*) and the Cassandra pipeline's sink (its source is Debezium Server)
    assert.deepEqual(results.map((x) => x.name).sort(), ['cassandra-sink', 'inventory-sink', 'inventory-source']);
    for (const x of results) assert.ok(['create', 'update', 'unchanged'].includes(x.action), JSON.stringify(x));

    const again = await runCli(['connectors', 'apply', '-f', connectors, '--json'], {env});
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      json<Array<{action: string}>>(again).map((x) => x.action),
      ['unchanged', 'unchanged', 'unchanged'],
      'a second apply is a no-op',
    );
  });

  it('reports both connectors RUNNING and the pipeline healthy', async (t) => {
    if (skip) return t.skip(skip);
    const status = await eventually(
      async () => {
        const r = await runCli(['pipeline', 'status', '--json'], {env});
        return r.code === 0 ? json<{verdict: string; workers: Array<{version: string; health: string}>}>(r) : undefined;
      },
      90_000,
      1000,
    );
    assert.equal(status.verdict, 'healthy');
    assert.equal(status.workers[0]?.health, 'healthy');
    assert.match(status.workers[0]?.version ?? '', /^4\./);

    const list = await runCli(['connectors', 'list', 'inventory-*', '--json'], {env});
    assert.equal(list.code, 0, list.stderr);
    const rows = json<Array<{name: string; type: string; state: string; tasks: {running: number}}>>(list);
    assert.deepEqual(
      rows.map((x) => [x.name, x.type, x.state]),
      [
        ['inventory-sink', 'sink', 'RUNNING'],
        ['inventory-source', 'source', 'RUNNING'],
      ],
    );
    const table = await runCli(['connectors', 'list', '-o', 'wide'], {env});
    assert.match(table.stdout, /^NAME\s+TYPE\s+STATE\s+TASKS\s+WORKERS\s+CLASS/m);
    assert.match(
      table.stdout,
      /inventory-source\s+source\s+RUNNING\s+1\/1\s+127\.0\.0\.1:8083\s+io\.debezium\.connector\.postgresql\.PostgresConnector/,
    );
  });

  it('carries a row inserted in the source database into the target database', async (t) => {
    if (skip) return t.skip(skip);
    const email = `it-${Date.now()}@example.com`;
    await sql('inventory', 'INSERT INTO customers (first_name, last_name, email) VALUES ($1, $2, $3)', [
      'Ada',
      'Lovelace',
      email,
    ]);
    const rows = await eventually(
      async () => {
        const found = await sql<{first_name: string}>('target', 'SELECT first_name FROM customers WHERE email = $1', [
          email,
        ]);
        return found.length > 0 ? found : undefined;
      },
      60_000,
      500,
    );
    assert.equal(rows[0]?.first_name, 'Ada');
  });

  it('shows a validation error per key and applies nothing', async (t) => {
    if (skip) return t.skip(skip);
    const dir = tempDir();
    const file = join(dir, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'it-invalid-sink',
        config: {'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', topics: 'x', 'tasks.max': 'zero'},
      }),
    );
    const r = await runCli(['connectors', 'apply', '-f', file], {env});
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /it-invalid-sink: invalid/);
    assert.match(r.stdout, /! tasks\.max: Invalid value zero/);
    assert.equal((await connectRaw('GET', '/connectors/it-invalid-sink')).status, 404);
  });

  describe('a sink with a wrong password', () => {
    // Unique per run: a reused consumer group would start at the end of the topic and deliver nothing.
    const name = `it-bad-password-sink-${process.pid}`;
    const table = `it_bad_${process.pid}_products`;
    after(async () => {
      if (skip) return;
      await deleteConnectors([name]);
      await sql('target', `DROP TABLE IF EXISTS ${table}`);
    });

    it('dry run shows the plan and creates nothing; apply creates it; status turns degraded with the root cause', async (t) => {
      if (skip) return t.skip(skip);
      const file = join(tempDir(), `${name}.yaml`);
      writeFileSync(
        file,
        [
          `name: ${name}`,
          'config:',
          '  connector.class: io.debezium.connector.jdbc.JdbcSinkConnector',
          '  tasks.max: 1',
          '  topics: inventory.public.products',
          '  connection.url: jdbc:postgresql://127.0.0.1:5433/target',
          '  connection.username: cdc',
          '  connection.password: ${env:IT_WRONG_PASSWORD}',
          '  insert.mode: upsert',
          '  primary.key.mode: record_key',
          `  consumer.override.group.id: ${name}`,
          '  schema.evolution: basic',
          `  collection.name.format: it_bad_${process.pid}_\${source.table}`,
          '',
        ].join('\n'),
      );
      const wrong = {...env, IT_WRONG_PASSWORD: 'definitely-wrong-pw'};
      const dry = await runCli(['connectors', 'apply', '-f', file, '--dry-run'], {env: wrong});
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /create \(dry run\)/);
      assert.match(dry.stdout, /\+ connection\.password: \(secret added\)/);
      assert.ok(!dry.stdout.includes('definitely-wrong-pw'));
      assert.equal((await connectRaw('GET', `/connectors/${name}`)).status, 404, 'dry run created nothing');

      const r = await runCli(['connectors', 'apply', '-f', file], {env: wrong});
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const status = await eventually(
        async () => {
          const s = await runCli(['pipeline', 'status', '--json'], {env});
          const doc = json<{verdict: string; problems: Array<{component: string; message: string}>}>(s);
          return s.code === 3 &&
            doc.problems.some((p) => p.component === `connector ${name}` && /FAILED/.test(p.message))
            ? doc
            : undefined;
        },
        90_000,
        1000,
      );
      assert.equal(status.verdict, 'degraded');
      const problem = status.problems.find((p) => p.component === `connector ${name}`);
      // Hibernate swallows the driver's "password authentication failed": the trace's root cause is
      // about the dialect, so cdcctl adds what it means.
      assert.match(problem?.message ?? '', /could not connect to its database/);
      assert.ok(!(problem?.message ?? '').includes('\tat '), 'the root cause, not the stack trace');
    });

    it('is repaired by patching the password and restarting only what failed', async (t) => {
      if (skip) return t.skip(skip);
      const patch = await runCli(['connectors', 'patch', name, '--set', 'connection.password=${env:CDC_PG_PASSWORD}'], {
        env,
      });
      assert.equal(patch.code, 0, patch.stderr + patch.stdout);
      assert.match(patch.stdout, /~ connection\.password: \(secret changed\)/);
      const r = await runCli(
        [
          'connectors',
          'restart',
          name,
          '--include-tasks',
          '--only-failed',
          '--wait',
          '--wait-timeout',
          '90s',
          '--json',
        ],
        {env},
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(json<Array<{after: string}>>(r)[0]?.after ?? '', /^RUNNING \(tasks 0:RUNNING\)/);
      await eventually(
        async () => (await runCli(['connectors', 'status', name, '--json'], {env})).code === 0,
        30_000,
        1000,
      );
      const rows = await eventually(
        async () => {
          const found = await sql('target', `SELECT count(*)::int AS n FROM ${table}`);
          return found[0]?.n > 0 ? found : undefined;
        },
        120_000,
        1000,
      );
      assert.ok(rows[0]?.n > 0, 'the repaired sink delivers rows');
    });
  });
});
