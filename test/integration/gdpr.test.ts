import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {generateKeyPairSync, randomBytes} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import cassandra from 'cassandra-driver';
import {json, repoRoot, runCli, tempConfig, tempDir} from '../helpers.js';
import {requireStack, sql} from './stack.js';

/**
 * GDPR erasure against the real Cassandra and PostgreSQL of the local stack: happy path, injection
 * attempts, PostgreSQL failing mid-erasure (compensation), SIGKILL after every step (resume),
 * backup purge, signed report tamper detection. Everything lives in a keyspace/schema of its own.
 */

const id = process.pid;
const KS = `gdpr_it_${id}`;
const PGS = `gdpr_it_${id}`;
const OPS = `cdc_ops_gdpr_${id}`;
const dir = tempDir('cdcctl-gdpr-');
const ed = generateKeyPairSync('ed25519');
writeFileSync(join(dir, 'ed.pem'), ed.privateKey.export({type: 'pkcs8', format: 'pem'}));
writeFileSync(join(dir, 'ed.pub.pem'), ed.publicKey.export({type: 'spki', format: 'pem'}));

function config(extra: {retention?: string; signing?: string; fence?: boolean} = {}) {
  return tempConfig(`current-context: t
contexts:
  t:
    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${OPS}}
    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}
    kafka: {brokers: ["127.0.0.1:9092"]}
    alertmanager: {url: "http://127.0.0.1:9093"}
    gdpr:
      cassandra:
        - {keyspace: ${KS}, table: customers, subjectColumns: [id], residency: {region: eu-west-1, jurisdiction: EU}}
        - {keyspace: ${KS}, table: orders, subjectColumns: [customer], lookup: {table: orders_by_customer, subjectColumn: customer}}
        - {keyspace: ${KS}, table: orders_by_customer, subjectColumns: [customer]}
      postgres:
        - {schema: ${PGS}, table: customers, column: id, residency: {region: eu-central-1, jurisdiction: EU}}
        - {schema: ${PGS}, table: orders, column: customer}
      backupKey: "\${env:GDPR_BACKUP_KEY}"
      reportKey: "\${env:GDPR_REPORT_KEY}"
      backupRetention: ${extra.retention ?? '0s'}
      fence: ${extra.fence ?? false}
      signing: ${extra.signing ?? '{hmacKey: "${env:GDPR_SIGNING_KEY}"}'}
`);
}
const secrets = {
  CDC_PG_PASSWORD: 'cdc',
  GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
  GDPR_SIGNING_KEY: randomBytes(24).toString('hex'),
};
const cfg = config();
const env = {...cfg.env, ...secrets};

let skip: string | undefined;
let client: cassandra.Client;
const cql = (q: string, p: unknown[] = []) => client.execute(q, p, {prepare: true});
const ts = (n: bigint) => cassandra.types.Long.fromString(n.toString());
let clock = BigInt(Date.now()) * 1000n;

async function seed(subject: string): Promise<void> {
  clock += 1000n;
  const t0 = clock;
  await cql(`INSERT INTO ${KS}.customers (id, name) VALUES (?, ?) USING TIMESTAMP ?`, [
    subject,
    `n-${subject}`,
    ts(t0 + 30n),
  ]);
  await cql(`UPDATE ${KS}.customers USING TIMESTAMP ? SET email = ? WHERE id = ?`, [
    ts(t0 + 10n),
    `${subject}@x`,
    subject,
  ]);
  await cql(`UPDATE ${KS}.customers USING TIMESTAMP ? AND TTL 86400 SET score = ?, tags = ? WHERE id = ?`, [
    ts(t0 + 20n),
    cassandra.types.Long.fromString('9007199254740993'),
    ['a', 'b'],
    subject,
  ]);
  for (let i = 0; i < 2; i++) {
    const order = cassandra.types.Uuid.random();
    await cql(`INSERT INTO ${KS}.orders (order_id, line, customer, amount) VALUES (?, ?, ?, ?)`, [
      order,
      i,
      subject,
      cassandra.types.BigDecimal.fromString('10.50'),
    ]);
    await cql(`INSERT INTO ${KS}.orders_by_customer (customer, order_id) VALUES (?, ?)`, [subject, order]);
    await sql('target', `INSERT INTO ${PGS}.orders (order_id, customer, amount) VALUES ($1, $2, 10.50)`, [
      order.toString(),
      subject,
    ]);
  }
  await sql('target', `INSERT INTO ${PGS}.customers (id, name, email) VALUES ($1, $2, $3)`, [
    subject,
    `n-${subject}`,
    `${subject}@x`,
  ]);
}

/** Every row of every table (with Cassandra writetimes), tagged with the subject it belongs to. */
async function dump(): Promise<Array<{subject: string; row: string}>> {
  const out: Array<{subject: string; row: string}> = [];
  for (const r of (
    await cql(
      `SELECT JSON id, name, email, score, tags, writetime(name) AS wn, writetime(email) AS we FROM ${KS}.customers`,
    )
  ).rows) {
    const j = String(r['[json]']);
    out.push({subject: JSON.parse(j).id, row: `c.customers ${j}`});
  }
  for (const t of ['orders', 'orders_by_customer']) {
    for (const r of (await cql(`SELECT JSON * FROM ${KS}.${t}`)).rows) {
      const j = String(r['[json]']);
      out.push({subject: JSON.parse(j).customer, row: `c.${t} ${j}`});
    }
  }
  for (const r of await sql('target', `SELECT id AS s, row_to_json(c)::text AS j FROM ${PGS}.customers c`))
    out.push({subject: r.s, row: `p.customers ${r.j}`});
  for (const r of await sql('target', `SELECT customer AS s, row_to_json(o)::text AS j FROM ${PGS}.orders o`))
    out.push({subject: r.s, row: `p.orders ${r.j}`});
  return out.sort((a, b) => a.row.localeCompare(b.row));
}

const others = (rows: Array<{subject: string; row: string}>, subject: string) =>
  rows.filter((r) => r.subject !== subject).map((r) => r.row);
const mine = (rows: Array<{subject: string; row: string}>, subject: string) =>
  rows.filter((r) => r.subject === subject).map((r) => r.row);

function child(args: string[]): Promise<number | string> {
  return new Promise((resolve) => {
    const p = execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'test/integration/gdpr-crash-child.ts'), ...args],
      {env: {...process.env, ...env}, cwd: repoRoot, timeout: 120_000},
      (error) => resolve(error ? (error.signal ?? (error.code as number)) : 0),
    );
    p.stdin?.end();
  });
}

describe('gdpr erasure (real Cassandra and PostgreSQL)', () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    client = new cassandra.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
    try {
      await client.connect();
    } catch (err) {
      if (process.env.CI) throw err;
      skip = `Cassandra is not running on 127.0.0.1:9042 (${(err as Error).message})`;
      return;
    }
    await client.execute(
      `CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE ${KS}.customers (id text PRIMARY KEY, name text, email text, score bigint, tags list<text>)`,
    );
    await client.execute(
      `CREATE TABLE ${KS}.orders (order_id uuid, line int, customer text, amount decimal, PRIMARY KEY (order_id, line))`,
    );
    await client.execute(
      `CREATE TABLE ${KS}.orders_by_customer (customer text, order_id uuid, PRIMARY KEY (customer, order_id))`,
    );
    await sql('target', `CREATE SCHEMA ${PGS}`);
    await sql('target', `CREATE TABLE ${PGS}.customers (id text PRIMARY KEY, name text, email text)`);
    await sql('target', `CREATE TABLE ${PGS}.orders (order_id uuid PRIMARY KEY, customer text, amount numeric)`);
    for (const s of ['bob', 'carol']) await seed(s);
  });
  after(async () => {
    if (client) {
      await client.execute(`DROP KEYSPACE IF EXISTS ${KS}`).catch(() => {});
      await client.shutdown();
    }
    if (!skip) {
      await sql('target', `DROP SCHEMA IF EXISTS ${PGS} CASCADE`);
      await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`);
    }
  });

  it('erases a subject everywhere, closes with evidence, and touches nothing else', async (t) => {
    if (skip) return t.skip(skip);
    await seed('alice');
    const before = await dump();
    assert.equal(mine(before, 'alice').length, 8);
    const plan = json<{dryRun: boolean; cassandra: Array<{rows: number}>}>(
      await runCli(['gdpr', 'erase', '--subject', 'alice', '--dry-run', '--json'], {env}),
    );
    assert.deepEqual(
      plan.cassandra.map((c) => c.rows),
      [1, 2, 2],
    );
    assert.deepEqual(await dump(), before, 'dry run changes nothing');

    const r = await runCli(
      [
        'gdpr',
        'erase',
        '--subject',
        'alice',
        '--request-id',
        `happy-${id}`,
        '--reason',
        'Art. 17(1)(a)',
        '--yes',
        '--json',
      ],
      {env},
    );
    assert.equal(r.code, 0, r.stderr);
    const v = json<{
      state: string;
      systems: Array<{store: string; deleted: number; remaining: number}>;
      backup: {purgedAt: string};
      evidence: {verification: {hash: string}};
    }>(r);
    assert.equal(v.state, 'closed');
    assert.ok(v.backup.purgedAt);
    assert.match(v.evidence.verification.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      v.systems.filter((s) => s.store !== 'kafka').map((s) => [s.deleted, s.remaining]),
      [
        [1, 0],
        [2, 0],
        [2, 0],
        [1, 0],
        [2, 0],
      ],
    );
    const after = await dump();
    assert.deepEqual(mine(after, 'alice'), []);
    assert.deepEqual(others(after, 'alice'), others(before, 'alice'));
    assert.ok(!r.stdout.includes('alice') && !r.stderr.includes('alice'), 'the subject id is never printed');
    const stored = await sql(
      'target',
      `SELECT subject_enc, keys_enc, evidence::text AS e FROM ${OPS}.gdpr_requests WHERE request_id = $1`,
      [`happy-${id}`],
    );
    assert.equal(stored[0]?.subject_enc, null);
    assert.equal(stored[0]?.keys_enc, null);
    assert.ok(!String(stored[0]?.e).includes('alice'));

    // Every journal step points at the audit record of the run that performed it.
    const linked = await sql(
      'target',
      `SELECT DISTINCT j.audit_id, a.command, a.result FROM ${OPS}.gdpr_journal j LEFT JOIN ${OPS}._cdc_audit_log a ON a.id::text = j.audit_id WHERE j.request_id = $1`,
      [`happy-${id}`],
    );
    assert.equal(linked.length, 1, 'one run, one audit record');
    assert.equal(linked[0]?.command, 'gdpr:erase');
    assert.equal(linked[0]?.result, 'ok');

    const again = await runCli(['gdpr', 'verify', `happy-${id}`, '--subject', 'alice', '--json'], {env});
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json<{ok: boolean}>(again).ok, true);
  });

  it('treats crafted subject ids as values: each erases only its own rows', async (t) => {
    if (skip) return t.skip(skip);
    const crafted = [
      "x' OR '1'='1",
      'a"; DROP TABLE customers; --',
      "'); DELETE FROM orders; /* */ --",
      'ünï©ødé 😀 NUL-free',
      '%_*\\',
    ];
    for (const s of crafted) await seed(s);
    const probe = "nobody' OR 1=1; --";
    const dry = json<{cassandra: Array<{rows: number}>; postgres: Array<{rows: number}>}>(
      await runCli(['gdpr', 'erase', '--subject', probe, '--dry-run', '--json'], {env}),
    );
    assert.deepEqual(
      [...dry.cassandra, ...dry.postgres].map((x) => x.rows),
      [0, 0, 0, 0, 0],
    );
    for (const [i, s] of crafted.entries()) {
      const before = await dump();
      const r = await runCli(
        ['gdpr', 'erase', '--subject-stdin', '--request-id', `inj-${i}-${id}`, '--yes', '--json'],
        {env, input: s},
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(json<{state: string}>(r).state, 'closed');
      const after = await dump();
      assert.equal(mine(before, s).length, 8, s);
      assert.deepEqual(mine(after, s), [], s);
      assert.deepEqual(others(after, s), others(before, s), `erasing ${JSON.stringify(s)} touched nothing else`);
    }
  });

  it('compensates a PostgreSQL failure after the Cassandra delete: values and writetime order restored', async (t) => {
    if (skip) return t.skip(skip);
    await seed('dave');
    const before = await dump();
    await sql(
      'target',
      `CREATE FUNCTION ${PGS}.boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`,
    );
    await sql(
      'target',
      `CREATE TRIGGER boom BEFORE DELETE ON ${PGS}.orders FOR EACH ROW EXECUTE FUNCTION ${PGS}.boom()`,
    );
    try {
      const r = await runCli(
        [
          'gdpr',
          'erase',
          '--subject',
          'dave',
          '--request-id',
          `comp-${id}`,
          '--on-failure',
          'restore',
          '--yes',
          '--json',
        ],
        {env},
      );
      assert.equal(r.code, 3, `${r.stderr}${r.stdout}`);
      const v = json<{state: string; journal: Array<{step: string; phase: string}>}>(r);
      assert.equal(v.state, 'restored');
      assert.ok(v.journal.some((j) => j.step === 'postgres_delete' && j.phase === 'failed'));
      assert.ok(v.journal.some((j) => j.step === 'cassandra_delete' && j.phase === 'done'));
    } finally {
      await sql('target', `DROP TRIGGER boom ON ${PGS}.orders`);
    }
    const after = await dump();
    assert.deepEqual(others(after, 'dave'), others(before, 'dave'));
    const strip = (rows: string[]) => rows.map((x) => x.replace(/"w[ne]": \d+/g, ''));
    assert.deepEqual(strip(mine(after, 'dave')), strip(mine(before, 'dave')), 'values restored exactly');
    const wt = async () => {
      const r = (
        await cql(
          `SELECT writetime(name) AS n, writetime(email) AS e, writetime(score) AS s FROM ${KS}.customers WHERE id = ?`,
          ['dave'],
        )
      ).rows[0];
      return [BigInt(String(r?.n)), BigInt(String(r?.e)), BigInt(String(r?.s))];
    };
    const [n, e, s] = await wt();
    assert.ok(
      (e as bigint) < (s as bigint) && (s as bigint) < (n as bigint),
      'writetime order email < score < name kept',
    );
  });

  const steps = ['locate', 'backup', 'cassandra_delete', 'postgres_delete', 'settle', 'verify', 'purge'];
  for (const phase of ['intent', 'done']) {
    it(`SIGKILL right after each step's ${phase}: gdpr resume ends consistent`, async (t) => {
      if (skip) return t.skip(skip);
      for (const step of steps) {
        const subject = `crash-${phase}-${step}`;
        await seed(subject);
        const before = await dump();
        const code = await child([subject, `crash-${phase}-${step}-${id}`, phase, step]);
        assert.equal(code, 'SIGKILL', `${phase} ${step}: the child was killed`);
        const r = await runCli(['gdpr', 'resume', '--json'], {env});
        assert.equal(r.code, 0, `${phase} ${step}: ${r.stderr}${r.stdout}`);
        const st = json<{state: string}>(
          await runCli(['gdpr', 'status', `crash-${phase}-${step}-${id}`, '--json'], {env}),
        );
        assert.equal(st.state, 'closed', `${phase} ${step}`);
        const after = await dump();
        assert.deepEqual(mine(after, subject), [], `${phase} ${step}: erased`);
        assert.deepEqual(others(after, subject), others(before, subject), `${phase} ${step}: nothing else lost`);
      }
    });
  }

  it('resume --dry-run: the request, the journal entry it stopped at and the steps it would run; nothing changes', async (t) => {
    if (skip) return t.skip(skip);
    const subject = 'dry-resume';
    const req = `dry-resume-${id}`;
    await seed(subject);
    assert.equal(await child([subject, req, 'intent', 'cassandra_delete']), 'SIGKILL');
    const state = async () => ({
      rows: await dump(),
      request: await sql('target', `SELECT * FROM ${OPS}.gdpr_requests WHERE request_id = $1`, [req]),
      journal: await sql('target', `SELECT * FROM ${OPS}.gdpr_journal WHERE request_id = $1 ORDER BY id`, [req]),
      backup: await sql('target', `SELECT * FROM ${OPS}.gdpr_backups WHERE request_id = $1`, [req]),
    });
    const before = await state();
    assert.equal(before.request[0]?.state, 'backed_up');
    const r = await runCli(['gdpr', 'resume', '--request', req, '--dry-run', '--json'], {env});
    assert.equal(r.code, 0, r.stderr);
    const plan = json<{
      dryRun: boolean;
      requests: Array<{
        requestId: string;
        state: string;
        action: string;
        step: string | null;
        steps: string[];
        to: string;
        lastJournal: {step: string; phase: string} | null;
        backupExpiresAt: string | null;
      }>;
    }>(r);
    assert.equal(plan.dryRun, true);
    assert.equal(plan.requests.length, 1);
    const [p] = plan.requests;
    assert.deepEqual(
      {...p, lastJournal: {step: p?.lastJournal?.step, phase: p?.lastJournal?.phase}, backupExpiresAt: undefined},
      {
        requestId: req,
        state: 'backed_up',
        action: 'resume',
        step: 'cassandra_delete',
        steps: ['cassandra_delete', 'postgres_delete', 'settle', 'verify', 'purge'],
        to: 'closed',
        lastJournal: {step: 'cassandra_delete', phase: 'intent'},
        lastError: null,
        backupExpiresAt: undefined,
      },
    );
    assert.ok(p?.backupExpiresAt, 'the backup and its expiry are shown');
    // Without --request it is picked like the real resume picks it; the table says where it stopped.
    const text = await runCli(['gdpr', 'resume', '--dry-run'], {env});
    assert.match(text.stdout, new RegExp(`${req}\\s+backed_up\\s+cassandra_delete intent\\s+run cassandra_delete → `));
    assert.match(text.stdout, /nothing was changed/);
    assert.deepEqual(await state(), before, 'a dry run changes neither the data nor the journal');
    // The real resume does what the plan said.
    const real = await runCli(['gdpr', 'resume', '--request', req, '--json'], {env});
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(json<{requests: Array<{from: string; to: string}>}>(real).requests[0], {
      requestId: req,
      from: 'backed_up',
      to: 'closed',
    });
    assert.deepEqual(mine(await dump(), subject), []);
  });

  it('SIGKILL during a compensating restore: resume finishes it', async (t) => {
    if (skip) return t.skip(skip);
    const k = config({retention: '1h'});
    const e2 = {...k.env, ...secrets};
    await seed('erin');
    const before = await dump();
    const r = await runCli(['gdpr', 'erase', '--subject', 'erin', '--request-id', `rk-${id}`, '--yes', '--json'], {
      env: e2,
    });
    assert.equal(json<{state: string}>(r).state, 'verified');
    const code = await new Promise((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          join(repoRoot, 'test/integration/gdpr-crash-child.ts'),
          '',
          `rk-${id}`,
          'intent',
          'verify_restore',
          'restore',
        ],
        {env: {...process.env, ...e2}, cwd: repoRoot},
        (error) => resolve(error?.signal ?? 0),
      );
    });
    assert.equal(code, 'SIGKILL');
    const res = await runCli(['gdpr', 'resume', '--request', `rk-${id}`, '--json'], {env: e2});
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      json<{state: string}>(await runCli(['gdpr', 'status', `rk-${id}`, '--json'], {env: e2})).state,
      'restored',
    );
    const strip = (rows: string[]) => rows.map((x) => x.replace(/"w[ne]": \d+/g, ''));
    assert.deepEqual(strip((await dump()).map((x) => x.row)), strip(before.map((x) => x.row)));
  });

  it('keeps the backup for the grace period, then resume purges it; the fence stops a late upsert', async (t) => {
    if (skip) return t.skip(skip);
    const k = config({retention: '3s', fence: true});
    const e2 = {...k.env, ...secrets};
    const fi = await runCli(['gdpr', 'fence', 'install', '--yes', '--json'], {env: e2});
    assert.equal(fi.code, 0, fi.stderr);
    await seed('frank');
    const r = await runCli(['gdpr', 'erase', '--subject', 'frank', '--request-id', `purge-${id}`, '--yes', '--json'], {
      env: e2,
    });
    assert.equal(json<{state: string}>(r).state, 'verified', r.stderr);
    const held = await sql(
      'target',
      `SELECT ciphertext IS NOT NULL AS c FROM ${OPS}.gdpr_backups WHERE request_id = $1`,
      [`purge-${id}`],
    );
    assert.equal(held[0]?.c, true);
    // A late CDC upsert of the erased subject is dropped by the fence.
    await sql('target', `INSERT INTO ${PGS}.customers (id, name) VALUES ('frank', 'late')`);
    assert.equal((await sql('target', `SELECT count(*)::int AS n FROM ${PGS}.customers WHERE id = 'frank'`))[0]?.n, 0);
    await runCli(['gdpr', 'resume', '--json'], {env: e2});
    assert.equal(
      json<{state: string}>(await runCli(['gdpr', 'status', `purge-${id}`, '--json'], {env: e2})).state,
      'verified',
    );
    await new Promise((res) => setTimeout(res, 3200));
    const p = await runCli(['gdpr', 'resume', '--json'], {env: e2});
    assert.equal(p.code, 0, p.stderr);
    const purged = await sql('target', `SELECT ciphertext, purged_at FROM ${OPS}.gdpr_backups WHERE request_id = $1`, [
      `purge-${id}`,
    ]);
    assert.equal(purged[0]?.ciphertext, null);
    assert.ok(purged[0]?.purged_at);
    assert.equal(
      json<{state: string}>(await runCli(['gdpr', 'status', `purge-${id}`, '--json'], {env: e2})).state,
      'closed',
    );
    const restore = await runCli(['gdpr', 'restore', `purge-${id}`, '--yes'], {env: e2});
    assert.equal(restore.code, 2);
    assert.match(restore.stderr, /purged/);
    await sql('target', `DROP TRIGGER cdcctl_gdpr_fence ON ${PGS}.customers`);
    await sql('target', `DROP TRIGGER cdcctl_gdpr_fence ON ${PGS}.orders`);
  });

  it('signs the JSON report (HMAC and Ed25519) and detects tampering; CSV and HTML views', async (t) => {
    if (skip) return t.skip(skip);
    const file = join(dir, 'report.json');
    const r = await runCli(['compliance', 'report', '--format', 'json', '--output', file], {env});
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.ok(!/alice|dave|frank/.test(text), 'no subject id in the report');
    assert.equal((await runCli(['compliance', 'verify', file], {env})).code, 0);
    const doc = JSON.parse(text);
    const req = doc.payload.requests.find((x: {requestId: string}) => x.requestId === `happy-${id}`);
    assert.ok(req);
    req.systems[0].deleted = 0;
    writeFileSync(file, JSON.stringify(doc));
    const bad = await runCli(['compliance', 'verify', file], {env});
    assert.equal(bad.code, 3);
    assert.match(bad.stdout, /NOT OK/);

    const k = config({signing: `{ed25519PrivateKeyFile: ${join(dir, 'ed.pem')}}`});
    const e2 = {...k.env, ...secrets};
    const edFile = join(dir, 'ed.json');
    assert.equal((await runCli(['compliance', 'report', '--output', edFile], {env: e2})).code, 0);
    assert.equal(
      (await runCli(['compliance', 'verify', edFile, '--public-key', join(dir, 'ed.pub.pem')], {env: e2})).code,
      0,
    );
    writeFileSync(edFile, readFileSync(edFile, 'utf8').replace('"closed"', '"verified"'));
    assert.equal(
      (await runCli(['compliance', 'verify', edFile, '--public-key', join(dir, 'ed.pub.pem')], {env: e2})).code,
      3,
    );

    const csv = await runCli(['compliance', 'report', '--format', 'csv'], {env});
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout.split('\n')[0] ?? '', /^request_id,subject_pseudonym,state/);
    assert.ok(csv.stdout.includes(`happy-${id},`));
    const html = await runCli(['compliance', 'report', '--format', 'html'], {env});
    assert.match(html.stdout, /<svg[^>]*>.*<rect/s);
    const res = json<Array<{name: string; region: string | null}>>(
      await runCli(['compliance', 'residency', '--json'], {env}),
    );
    assert.equal(res.find((x) => x.name === `${KS}.customers`)?.region, 'eu-west-1');
  });

  it('raises the needs_operator alert in Alertmanager', async (t) => {
    if (skip) return t.skip(skip);
    const {raiseNeedsOperatorAlert} = await import('../../src/services/gdpr/saga.js');
    const {createLogger} = await import('../../src/log.js');
    const ctx = {
      contextName: 't',
      config: {alertmanager: {url: 'http://127.0.0.1:9093'}},
      log: createLogger({format: 'text', verbose: false}),
      userAgent: 'test',
      actor: 'test',
    };
    const sent = await raiseNeedsOperatorAlert(ctx, {requestId: `alert-${id}`, error: 'test'});
    assert.deepEqual(sent, {sent: true});
    const res = await fetch(
      `http://127.0.0.1:9093/api/v2/alerts?filter=${encodeURIComponent(`request_id="alert-${id}"`)}`,
    );
    const alerts = (await res.json()) as Array<{labels: Record<string, string>}>;
    assert.equal(alerts[0]?.labels.severity, 'critical');
  });
});
