import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {json, runCli} from '../helpers.js';
import {cassandraClient, requireStack, sql, stackConfig} from './stack.js';

/**
 * `quality run` on the real stack: every check kind passes on good data, then the data is broken in
 * exactly one way at a time and exactly that check fails (every other check of the run still passes),
 * then the data is restored. Tables live in a scratch schema of this test (prefix i25q).
 */

const ID = `i25q_${randomBytes(3).toString('hex')}`;
const OPS = `${ID}_ops`;
const S = ID; // replica schema
const SINK = `${ID}-sink`;
const LAG_TOPIC = `${ID}.lag`;
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING, clientId: ID});

interface CheckOut {
  table: string;
  check: string;
  status: string;
  metric: number | null;
  reasons: string[];
  samples: unknown[];
  changePercent?: number;
}
interface RunOut {
  runId: string;
  status: string;
  tables: Array<{table: string; checks: CheckOut[]}>;
}

const contextLines = [
  'quality:',
  '  concurrency: 2',
  '  tables:',
  `    - table: ${S}.q_customers`,
  '      updatedAt: updated_at',
  `      sinkConnector: ${SINK}`,
  `      source: {postgres: ${S}.q_src_customers, url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}"}`,
  '      checks:',
  '        - {type: row_count, fail: {min: 1000}}',
  '        - {type: source_count}',
  '        - {type: freshness, fail: {max: 1h}}',
  '        - {type: sink_lag, fail: {max: 0}}',
  '        - {type: missing, column: email}',
  '        - {type: missing, column: email, percent: true, name: missing_email_pct, fail: {max: 1}}',
  '        - {type: duplicates, columns: [email]}',
  '        - {type: values_in_set, column: status, values: [active, closed]}',
  '        - {type: pattern, column: email, format: email}',
  '        - {type: pattern, column: code, regex: "^[0-9]+$", name: code_digits}',
  '        - {type: range, column: age, min: 18, max: 120}',
  '        - {type: length, column: code, min: 5, max: 5}',
  "        - {type: values_in_set, column: code, values: ['00000'], invalid: true, name: code_not_zero}",
  '        - {type: range, column: age, max: 60, percent: true, name: over_60_pct, fail: {max: 50}}',
  '        - {type: schema, columns: {id: {type: int, nullable: false}, email: {type: text}, status: {}}}',
  `    - table: ${S}.q_orders`,
  '      checks:',
  `        - {type: referential, columns: [customer_id], references: {table: ${S}.q_customers, columns: [id]}}`,
  '        - type: sql',
  '          name: closed_customer_big_orders',
  '          mode: rows',
  `          query: "SELECT o.id, o.amount FROM ${S}.q_orders o JOIN ${S}.q_customers c ON c.id = o.customer_id WHERE c.status = 'closed' AND o.amount > $1"`,
  '          params: [1000]',
  '        - type: sql',
  '          name: total_amount',
  `          query: "SELECT sum(amount) FROM ${S}.q_orders"`,
  '          fail: {max: 200000}',
];

const setup = `
  CREATE SCHEMA ${S};
  CREATE TABLE ${S}.q_customers (id int PRIMARY KEY, email text, status text, age int, code text,
    updated_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO ${S}.q_customers SELECT i, 'u' || i || '@example.org', (ARRAY['active', 'closed'])[1 + i % 2],
    20 + i % 50, lpad(i::text, 5, '0'), now() FROM generate_series(1, 1000) i;
  CREATE TABLE ${S}.q_src_customers AS SELECT * FROM ${S}.q_customers;
  CREATE TABLE ${S}.q_orders (id int PRIMARY KEY, customer_id int, amount numeric);
  INSERT INTO ${S}.q_orders SELECT i, 1 + i % 1000, i FROM generate_series(1, 500) i;`;

let cfg: {path: string; env: Record<string, string>};
let skip: string | undefined;

async function run(args: string[] = []): Promise<{code: number; out: RunOut; stderr: string}> {
  const r = await runCli(['quality', 'run', '--json', '--no-alert', '--no-push', '--samples', '2', ...args], {
    env: cfg.env,
  });
  assert.ok(r.stdout.trim(), `no output (exit ${r.code}): ${r.stderr}`);
  return {code: r.code, out: json<RunOut>(r), stderr: r.stderr};
}

const byCheck = (out: RunOut) => new Map(out.tables.flatMap((t) => t.checks).map((c) => [c.check, c]));

/** Runs every check; asserts exactly `failing` fails (everything else passes) and returns it. */
async function onlyFails(failing: string | undefined): Promise<CheckOut | undefined> {
  const {code, out, stderr} = await run();
  const checks = byCheck(out);
  const bad = [...checks.values()].filter((c) => c.status !== 'pass');
  assert.deepEqual(
    bad.map((c) => c.check),
    failing ? [failing] : [],
    `not-passing checks: ${JSON.stringify(bad, null, 1)} ${stderr}`,
  );
  assert.equal(code, failing ? 3 : 0);
  return failing ? checks.get(failing) : undefined;
}

describe('quality run: each check kind passes on good data and fails on data broken one way', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cfg = stackConfig(contextLines, {opsSchema: OPS});
    await sql('target', setup);
    // the sink's consumer group: caught up (offsets committed at the end of its topic)
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({topics: [{topic: LAG_TOPIC, numPartitions: 1}], waitForLeaders: true});
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({topic: LAG_TOPIC, messages: [{value: 'a'}, {value: 'b'}]});
    await producer.disconnect();
    await admin.setOffsets({groupId: `connect-${SINK}`, topic: LAG_TOPIC, partitions: [{partition: 0, offset: '2'}]});
    await admin.disconnect();
  });
  after(async () => {
    if (skip) return;
    await sql('target', `DROP SCHEMA IF EXISTS ${S} CASCADE; DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([`connect-${SINK}`]).catch(() => {});
    await admin.deleteTopics({topics: [LAG_TOPIC]}).catch(() => {});
    await admin.disconnect();
  });

  it('passes everything on good data', async (t) => {
    if (skip) return t.skip(skip);
    await onlyFails(undefined);
  });

  const cases: Array<{check: string; breakSql: string; restoreSql: string; expect?: (c: CheckOut) => void}> = [
    {
      check: 'row_count',
      breakSql: `DELETE FROM ${S}.q_customers WHERE id = 1000; DELETE FROM ${S}.q_src_customers WHERE id = 1000`,
      restoreSql: `INSERT INTO ${S}.q_customers VALUES (1000, 'u1000@example.org', 'active', 20, '01000', now());
        INSERT INTO ${S}.q_src_customers SELECT * FROM ${S}.q_customers WHERE id = 1000`,
      expect: (c) => assert.equal(c.metric, 999),
    },
    {
      check: 'source_count',
      breakSql: `INSERT INTO ${S}.q_src_customers VALUES (1001, 'x@example.org', 'active', 30, '01001', now())`,
      restoreSql: `DELETE FROM ${S}.q_src_customers WHERE id = 1001`,
      expect: (c) => assert.equal(c.metric, -1),
    },
    {
      check: 'freshness',
      breakSql: `UPDATE ${S}.q_customers SET updated_at = now() - interval '2 hours'`,
      restoreSql: `UPDATE ${S}.q_customers SET updated_at = now()`,
      expect: (c) => assert.ok((c.metric ?? 0) >= 7200),
    },
    {
      check: 'missing_email',
      breakSql: `UPDATE ${S}.q_customers SET email = '  ' WHERE id = 7`,
      restoreSql: `UPDATE ${S}.q_customers SET email = 'u7@example.org' WHERE id = 7`,
      expect: (c) => {
        assert.equal(c.metric, 1);
        assert.equal((c.samples[0] as {id: number}).id, 7);
      },
    },
    {
      check: 'duplicates_email',
      breakSql: `UPDATE ${S}.q_customers SET email = 'u1@example.org' WHERE id = 2`,
      restoreSql: `UPDATE ${S}.q_customers SET email = 'u2@example.org' WHERE id = 2`,
      expect: (c) => {
        assert.equal(c.metric, 1);
        assert.deepEqual(c.samples[0], {email: 'u1@example.org', copies: 2});
      },
    },
    {
      check: 'values_in_set_status',
      breakSql: `UPDATE ${S}.q_customers SET status = 'deleted' WHERE id = 3`,
      restoreSql: `UPDATE ${S}.q_customers SET status = 'closed' WHERE id = 3`,
    },
    {
      check: 'format_email',
      breakSql: `UPDATE ${S}.q_customers SET email = 'not-an-email' WHERE id = 4`,
      restoreSql: `UPDATE ${S}.q_customers SET email = 'u4@example.org' WHERE id = 4`,
      expect: (c) => assert.equal((c.samples[0] as {email: string}).email, 'not-an-email'),
    },
    {
      check: 'code_digits',
      breakSql: `UPDATE ${S}.q_customers SET code = '0000x' WHERE id = 5`,
      restoreSql: `UPDATE ${S}.q_customers SET code = '00005' WHERE id = 5`,
    },
    {
      check: 'range_age',
      breakSql: `UPDATE ${S}.q_customers SET age = 150 WHERE id = 6`,
      restoreSql: `UPDATE ${S}.q_customers SET age = 26 WHERE id = 6`,
    },
    {
      check: 'length_code',
      breakSql: `UPDATE ${S}.q_customers SET code = '123456' WHERE id = 8`,
      restoreSql: `UPDATE ${S}.q_customers SET code = '00008' WHERE id = 8`,
    },
    {
      check: 'code_not_zero',
      breakSql: `UPDATE ${S}.q_customers SET code = '00000' WHERE id = 9`,
      restoreSql: `UPDATE ${S}.q_customers SET code = '00009' WHERE id = 9`,
    },
    {
      check: 'over_60_pct',
      breakSql: `UPDATE ${S}.q_customers SET age = 65 WHERE id <= 400`,
      restoreSql: `UPDATE ${S}.q_customers SET age = 20 + id % 50 WHERE id <= 400`,
      expect: (c) => assert.ok((c.metric ?? 0) > 50 && (c.metric ?? 0) < 100, String(c.metric)),
    },
    {
      check: 'schema',
      breakSql: `ALTER TABLE ${S}.q_customers ALTER COLUMN email TYPE varchar(200)`,
      restoreSql: `ALTER TABLE ${S}.q_customers ALTER COLUMN email TYPE text`,
      expect: (c) => assert.match(c.reasons.join(' '), /email is character varying, expected text/),
    },
    {
      check: 'referential_customer_id',
      breakSql: `INSERT INTO ${S}.q_orders VALUES (9001, 5000, 1)`,
      restoreSql: `DELETE FROM ${S}.q_orders WHERE id = 9001`,
      expect: (c) => assert.equal((c.samples[0] as {customer_id: number}).customer_id, 5000),
    },
    {
      check: 'closed_customer_big_orders',
      // order 2 belongs to customer 3, who is closed
      breakSql: `UPDATE ${S}.q_orders SET amount = 1001 WHERE id = 2`,
      restoreSql: `UPDATE ${S}.q_orders SET amount = 2 WHERE id = 2`,
      expect: (c) => assert.deepEqual(c.samples, [{id: 2, amount: 1001}]),
    },
    {
      check: 'total_amount',
      breakSql: `UPDATE ${S}.q_orders SET amount = 200000 WHERE id = 1`,
      restoreSql: `UPDATE ${S}.q_orders SET amount = 1 WHERE id = 1`,
    },
  ];

  for (const c of cases) {
    it(`fails ${c.check} alone when the data breaks it, passes again once restored`, async (t) => {
      if (skip) return t.skip(skip);
      await sql('target', c.breakSql);
      try {
        const out = await onlyFails(c.check);
        assert.equal(out?.status, 'fail');
        c.expect?.(out as CheckOut);
      } finally {
        await sql('target', c.restoreSql);
      }
      await onlyFails(undefined);
    });
  }

  it('fails missing checks (count and percent) on NULLs', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `UPDATE ${S}.q_customers SET email = NULL WHERE id <= 20`);
    try {
      const {code, out} = await run();
      const checks = byCheck(out);
      assert.equal(code, 3);
      assert.equal(checks.get('missing_email')?.metric, 20);
      assert.equal(checks.get('missing_email_pct')?.metric, 2);
      assert.equal(checks.get('missing_email_pct')?.status, 'fail');
      // NULLs are not judged by the validity checks
      for (const k of ['format_email', 'duplicates_email']) assert.equal(checks.get(k)?.status, 'pass');
    } finally {
      await sql('target', `UPDATE ${S}.q_customers SET email = 'u' || id || '@example.org' WHERE id <= 20`);
    }
  });

  it('fails sink_lag alone when the sink falls behind', async (t) => {
    if (skip) return t.skip(skip);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({topic: LAG_TOPIC, messages: [{value: 'c'}, {value: 'd'}, {value: 'e'}]});
    await producer.disconnect();
    try {
      const out = await onlyFails('sink_lag');
      assert.equal(out?.metric, 3);
    } finally {
      const admin = kafka.admin();
      await admin.connect();
      await admin.setOffsets({groupId: `connect-${SINK}`, topic: LAG_TOPIC, partitions: [{partition: 0, offset: '5'}]});
      await admin.disconnect();
    }
  });

  it('custom SQL cannot write: DML, a second statement and a writing CTE all fail, the table is unchanged', async (t) => {
    if (skip) return t.skip(skip);
    const attempts = [
      `DELETE FROM ${S}.q_orders RETURNING id`,
      `SELECT 1; DELETE FROM ${S}.q_orders`,
      `WITH d AS (DELETE FROM ${S}.q_orders RETURNING 1) SELECT count(*) FROM d`,
      `SELECT 1; COMMIT; DELETE FROM ${S}.q_orders`,
      `CREATE TABLE ${S}.intruder (x int)`,
    ];
    const lines = [
      'tables:',
      `  - table: ${S}.q_orders`,
      '    checks:',
      ...attempts.map((q, i) => `      - {type: sql, name: w${i}, query: ${JSON.stringify(q)}}`),
    ];
    const file = `${cfg.path}.writes.yaml`;
    (await import('node:fs')).writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['quality', 'run', '-f', file, '--json', '--no-push', '--no-alert', '--no-store'], {
      env: cfg.env,
    });
    assert.equal(r.code, 3, r.stderr);
    const checks = json<RunOut>(r).tables[0]?.checks ?? [];
    assert.equal(checks.length, attempts.length);
    for (const c of checks) assert.equal(c.status, 'error', JSON.stringify(c));
    assert.match(checks[0]?.reasons[0] ?? '', /read-only transaction/);
    assert.match(checks[1]?.reasons[0] ?? '', /multiple commands|prepared statement/);
    const [{n}] = (await sql('target', `SELECT count(*)::int AS n FROM ${S}.q_orders`)) as [{n: number}];
    assert.equal(n, 500);
    const intruder = await sql('target', `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'intruder'`, [
      S,
    ]);
    assert.equal(intruder.length, 0);
  });

  it('custom SQL is bounded by its statement timeout', async (t) => {
    if (skip) return t.skip(skip);
    const file = `${cfg.path}.slow.yaml`;
    (await import('node:fs')).writeFileSync(
      file,
      `tables:\n  - table: ${S}.q_orders\n    checks:\n      - {type: sql, name: slow, timeout: 1s, query: "SELECT 1 FROM pg_sleep(5)"}\n`,
    );
    const r = await runCli(['quality', 'run', '-f', file, '--json', '--no-push', '--no-alert', '--no-store'], {
      env: cfg.env,
    });
    assert.equal(r.code, 3);
    assert.match(json<RunOut>(r).tables[0]?.checks[0]?.reasons[0] ?? '', /statement timeout/);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });

  it('--check and --table select; --strict fails on a warning; unknown names are usage errors', async (t) => {
    if (skip) return t.skip(skip);
    const one = await run(['--table', `${S}.q_customers`, '--check', 'range_age']);
    assert.deepEqual(
      one.out.tables.map((x) => x.checks.map((c) => c.check)),
      [['range_age']],
    );
    const file = `${cfg.path}.warn.yaml`;
    (await import('node:fs')).writeFileSync(
      file,
      `tables:\n  - table: ${S}.q_customers\n    checks:\n      - {type: row_count, warn: {max: 10}}\n`,
    );
    const base = ['quality', 'run', '-f', file, '--json', '--no-push', '--no-alert', '--no-store'];
    const warned = await runCli(base, {env: cfg.env});
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(json<RunOut>(warned).status, 'warn');
    assert.equal((await runCli([...base, '--strict'], {env: cfg.env})).code, 3);
    const unknown = await runCli(['quality', 'run', '--check', 'nope'], {env: cfg.env});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no check named "nope"/);
  });
});

describe('quality run: source_count against Cassandra (token-range count)', () => {
  const KS = `${ID}_ks`;
  let cass: Awaited<ReturnType<typeof cassandraClient>>;
  let c2: {path: string; env: Record<string, string>};
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    cass = await cassandraClient();
    await cass.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await cass.execute(`CREATE TABLE ${KS}.items (id int PRIMARY KEY, name text)`);
    for (let i = 0; i < 300; i++)
      await cass.execute(`INSERT INTO ${KS}.items (id, name) VALUES (?, ?)`, [i, `n${i}`], {prepare: true});
    await sql(
      'target',
      `CREATE SCHEMA ${KS}; CREATE TABLE ${KS}.items AS SELECT i AS id, 'n' || i AS name FROM generate_series(0, 299) i`,
    );
    c2 = stackConfig(
      [
        'quality:',
        '  tables:',
        `    - table: ${KS}.items`,
        `      source: {cassandra: ${KS}.items}`,
        '      checks: [{type: source_count}]',
      ],
      {opsSchema: OPS},
    );
  });
  after(async () => {
    if (skip) return;
    await cass.execute(`DROP KEYSPACE IF EXISTS ${KS}`).catch(() => {});
    await cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${KS} CASCADE; DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  it('passes when the counts agree, fails by the difference when Cassandra has a row more', async (t) => {
    if (skip) return t.skip(skip);
    const args = ['quality', 'run', '--json', '--no-push', '--no-alert', '--no-store'];
    const ok = await runCli(args, {env: c2.env});
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    await cass.execute(`INSERT INTO ${KS}.items (id, name) VALUES (300, 'n300')`);
    const bad = await runCli(args, {env: c2.env});
    assert.equal(bad.code, 3);
    const c = json<RunOut>(bad).tables[0]?.checks[0];
    assert.equal(c?.metric, -1);
    assert.match(c?.reasons.join(' ') ?? '', /source 301 rows/);
  });
});
