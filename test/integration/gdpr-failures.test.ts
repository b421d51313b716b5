import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import cassandra from 'cassandra-driver';
import pg from 'pg';
import {json, repoRoot, runCli, tempConfig} from '../helpers.js';
import {PG, requireStack, sql} from './stack.js';

/**
 * GDPR erasure where things go wrong, against the real Cassandra 5.0 and PostgreSQL of the stack:
 * non-frozen collections and UDTs without TTLs (backup and exact restore), a PostgreSQL row locked
 * by another session (--timeout, compensation), each step failing for real (journal and compliance
 * report), long subject ids, a subject map naming what does not exist, and tables the map misses.
 * Everything lives in a keyspace, schema and store schema of its own.
 */

const id = process.pid;
const KS = `gdpr_f_${id}`;
const PGS = `gdpr_f_${id}`;
const OPS = `cdc_ops_gdprf_${id}`;

const secrets = {
  CDC_PG_PASSWORD: 'cdc',
  GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
  GDPR_SIGNING_KEY: randomBytes(24).toString('hex'),
};

function config(o: {retention?: string; cassandra?: string[]; postgres?: string[]} = {}) {
  const cass = o.cassandra ?? [`{keyspace: ${KS}, table: people, subjectColumns: [id]}`];
  const post = o.postgres ?? [`{schema: ${PGS}, table: people, column: id}`];
  const k = tempConfig(`current-context: t
contexts:
  t:
    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${OPS}}
    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}
    gdpr:
      cassandra:
${cass.map((c) => `        - ${c}`).join('\n')}
      postgres:
${post.map((p) => `        - ${p}`).join('\n')}
      backupKey: "\${env:GDPR_BACKUP_KEY}"
      reportKey: "\${env:GDPR_REPORT_KEY}"
      backupRetention: ${o.retention ?? '0s'}
      signing: {hmacKey: "\${env:GDPR_SIGNING_KEY}"}
`);
  return {...k.env, ...secrets};
}
const env = config();

let skip: string | undefined;
let client: cassandra.Client;
const cql = (q: string, p: unknown[] = []) => client.execute(q, p, {prepare: true});

/** A person with non-frozen collections and a non-frozen UDT, none of them with a TTL; and the PostgreSQL row. */
async function seed(subject: string): Promise<void> {
  await cql(
    `INSERT INTO ${KS}.people (id, name, tags, scores, attrs, home) VALUES (?, ?, {'a', 'b'}, [3, 1, 2], {10: 'x', -5: 'y'}, {street: 'main', zip: 1234})`,
    [subject, `n-${subject}`],
  );
  await sql('target', `INSERT INTO ${PGS}.people (id, name) VALUES ($1, $2)`, [subject, `n-${subject}`]);
}

/** The Cassandra row as CQL JSON (none for an id longer than any Cassandra key), and the PostgreSQL row. */
async function rowOf(subject: string): Promise<{c: string | undefined; p: string | undefined}> {
  const c =
    Buffer.byteLength(subject) > 65_535
      ? undefined
      : (await cql(`SELECT JSON id, name, tags, scores, attrs, home FROM ${KS}.people WHERE id = ?`, [subject]))
          .rows[0];
  const p = await sql('target', `SELECT row_to_json(x)::text AS j FROM ${PGS}.people x WHERE id = $1`, [subject]);
  return {c: c ? String(c['[json]']) : undefined, p: p[0]?.j};
}

/** Shortest and longest remaining TTL of the elements of each collection (null: no element has one). */
async function ttls(subject: string): Promise<Record<string, unknown>> {
  const r = (
    await cql(
      `SELECT collection_min(ttl(tags)) AS tmin, collection_max(ttl(tags)) AS tmax, collection_max(ttl(scores)) AS s, collection_max(ttl(attrs)) AS a, ttl(home.zip) AS z FROM ${KS}.people WHERE id = ?`,
      [subject],
    )
  ).rows[0];
  return {tmin: r?.tmin ?? null, tmax: r?.tmax ?? null, s: r?.s ?? null, a: r?.a ?? null, z: r?.z ?? null};
}

async function journal(requestId: string): Promise<Array<{step: string; phase: string; error: string | null}>> {
  return sql(
    'target',
    `SELECT step, phase, detail->>'error' AS error FROM ${OPS}.gdpr_journal WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
}

/** Runs `gdpr erase` in a child that SIGKILLs itself right after the step's completion is journalled. */
function eraseUntil(subject: string, requestId: string, step: string): Promise<number | string> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'test/integration/gdpr-crash-child.ts'), subject, requestId, 'done', step],
      {env: {...process.env, ...env}, cwd: repoRoot, timeout: 120_000},
      (error) => resolve(error ? (error.signal ?? (error.code as number)) : 0),
    );
  });
}

/** One replica of a keyspace of one node: every LOCAL_QUORUM read and write is refused (Unavailable). */
const replicas = (n: number) =>
  client.execute(`ALTER KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${n}}`);

describe('gdpr erasure failures (real Cassandra and PostgreSQL)', () => {
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
    await client.execute(`CREATE TYPE ${KS}.addr (street text, zip int)`);
    await client.execute(
      `CREATE TABLE ${KS}.people (id text PRIMARY KEY, name text, tags set<text>, scores list<int>, attrs map<int, text>, home addr)`,
    );
    await client.execute(`CREATE TABLE ${KS}.visits (visit_id uuid PRIMARY KEY, person text, at timestamp)`);
    await client.execute(
      `CREATE TABLE ${KS}.visits_by_person (person text, visit_id uuid, PRIMARY KEY (person, visit_id))`,
    );
    await sql('target', `CREATE SCHEMA ${PGS}`);
    await sql('target', `CREATE TABLE ${PGS}.people (id text PRIMARY KEY, name text)`);
    await sql('target', `CREATE TABLE ${PGS}.notes (note_id serial PRIMARY KEY, person text, body text)`);
    await seed('bystander');
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

  it('erases and restores exactly a row whose non-frozen collections and UDT have no TTL', async (t) => {
    if (skip) return t.skip(skip);
    const kept = config({retention: '1h'});
    const cases = {
      none: async () => {},
      // one element with a TTL, the others without: restored without TTL (an element that never expired must not)
      mixed: async (s: string) =>
        cql(`UPDATE ${KS}.people USING TTL 86400 SET tags = tags + {'c'}, scores = scores + [9] WHERE id = ?`, [s]),
      // every element with a TTL: the shortest one is kept
      all: async (s: string) =>
        cql(
          `UPDATE ${KS}.people USING TTL 86400 SET tags = {'a', 'b'}, scores = [3, 1, 2], attrs = {10: 'x', -5: 'y'}, home = {street: 'main', zip: 1234} WHERE id = ?`,
          [s],
        ),
    };
    for (const [name, extra] of Object.entries(cases)) {
      const subject = `coll-${name}`;
      const req = `coll-${name}-${id}`;
      await seed(subject);
      await extra(subject);
      const before = await rowOf(subject);
      const bystander = await rowOf('bystander');
      const r = await runCli(['gdpr', 'erase', '--subject', subject, '--request-id', req, '--yes', '--json'], {
        env: kept,
      });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(json<{state: string}>(r).state, 'verified', name);
      assert.deepEqual(await rowOf(subject), {c: undefined, p: undefined}, `${name}: erased`);
      const back = await runCli(['gdpr', 'restore', req, '--yes', '--json'], {env: kept});
      assert.equal(json<{state: string}>(back).state, 'restored', `${name}: ${back.stderr}`);
      assert.deepEqual(await rowOf(subject), before, `${name}: values restored exactly`);
      assert.deepEqual(await rowOf('bystander'), bystander, `${name}: nothing else touched`);
      const after = await ttls(subject);
      if (name === 'all') {
        for (const [k, v] of Object.entries(after)) assert.ok(Number(v) > 86000, `${name}: ${k} keeps its TTL`);
      } else {
        assert.deepEqual(after, {tmin: null, tmax: null, s: null, a: null, z: null}, `${name}: no TTL after restore`);
      }
    }
  });

  for (const policy of ['restore', 'retry'] as const) {
    it(`--timeout bounds a PostgreSQL delete blocked by a lock (on-failure ${policy}): journalled once, no waiting for the lock`, async (t) => {
      if (skip) return t.skip(skip);
      const subject = `locked-${policy}`;
      const req = `lock-${policy}-${id}`;
      await seed(subject);
      const before = await rowOf(subject);
      const locker = new pg.Client({...PG, database: 'target'});
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM ${PGS}.people WHERE id = $1 FOR UPDATE`, [subject]);
      // Without a bound the delete would wait for this lock: let it go eventually so that such a run ends.
      const release = setTimeout(() => locker.query('ROLLBACK').catch(() => {}), 45_000);
      let r: Awaited<ReturnType<typeof runCli>>;
      try {
        r = await runCli(
          [
            'gdpr',
            'erase',
            '--subject',
            subject,
            '--request-id',
            req,
            '--on-failure',
            policy,
            '--timeout',
            '2s',
            '--yes',
            '--json',
          ],
          {env},
        );
      } finally {
        clearTimeout(release);
        await locker.query('ROLLBACK').catch(() => {});
        await locker.end();
      }
      assert.ok(r.ms < 15_000, `the step failed within the timeout, not after the lock (${r.ms} ms)`);
      const failed = (await journal(req)).filter((j) => j.phase === 'failed');
      assert.deepEqual(
        failed.map((j) => j.step),
        ['postgres_delete'],
        'one failure, journalled once',
      );
      assert.match(failed[0]?.error ?? '', /canceling statement due to (lock|statement) timeout/);
      if (policy === 'restore') {
        assert.equal(r.code, 3, `${r.stderr}${r.stdout}`);
        assert.equal(json<{state: string}>(r).state, 'restored');
        assert.deepEqual(await rowOf(subject), before, 'restored as it was');
      } else {
        assert.equal(r.code, 5, `${r.stderr}${r.stdout}`);
        assert.match(`${r.stdout}${r.stderr}`, /deleted the Cassandra rows but not the PostgreSQL rows/);
        const res = await runCli(['gdpr', 'resume', '--request', req, '--json'], {env});
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(await rowOf(subject), {c: undefined, p: undefined}, 'rolled forward once the lock is gone');
      }
    });
  }

  it('journals a failure of every step (locate, backup, Cassandra delete) and the compliance report counts them', async (t) => {
    if (skip) return t.skip(skip);
    const reqs = {locate: `f-locate-${id}`, backup: `f-backup-${id}`, cassandra_delete: `f-cdel-${id}`};
    try {
      // locate: the keyspace cannot answer at LOCAL_QUORUM
      await seed('f-locate');
      await replicas(2);
      const l = await runCli(['gdpr', 'erase', '--subject', 'f-locate', '--request-id', reqs.locate, '--yes'], {env});
      assert.equal(l.code, 4, l.stderr);
      await replicas(1);
      // backup and Cassandra delete: the erasure stopped after the step before, the keyspace then fails the next one
      for (const [step, prev] of [
        ['backup', 'locate'],
        ['cassandra_delete', 'backup'],
      ] as const) {
        await seed(`f-${step}`);
        assert.equal(await eraseUntil(`f-${step}`, reqs[step], prev), 'SIGKILL');
        await replicas(2);
        const res = await runCli(['gdpr', 'resume', '--request', reqs[step], '--json'], {env});
        assert.equal(res.code, 5, res.stderr);
        assert.match(json<{requests: Array<{error: string}>}>(res).requests[0]?.error ?? '', /Not enough replicas/);
        await replicas(1);
      }
    } finally {
      await replicas(1);
    }
    for (const [step, req] of Object.entries(reqs)) {
      const failed = (await journal(req)).filter((j) => j.phase === 'failed');
      assert.deepEqual(
        failed.map((j) => j.step),
        [step],
        `${step} failure journalled`,
      );
      assert.match(failed[0]?.error ?? '', /Not enough replicas/);
    }
    const report = json<{
      payload: {summary: {failures: number}; requests: Array<{requestId: string; failures: Array<{step: string}>}>};
    }>(await runCli(['compliance', 'report', '--json'], {env}));
    for (const [step, req] of Object.entries(reqs)) {
      const r = report.payload.requests.find((x) => x.requestId === req);
      assert.deepEqual(
        r?.failures.map((f) => f.step),
        [step],
        `report lists the ${step} failure`,
      );
    }
    assert.ok(report.payload.summary.failures >= 3, `summary counts failures (${report.payload.summary.failures})`);
    // Once Cassandra answers again, resume finishes all three.
    const done = await runCli(['gdpr', 'resume', '--json'], {env});
    assert.equal(done.code, 0, done.stderr);
    for (const s of ['f-locate', 'f-backup', 'f-cassandra_delete']) {
      assert.deepEqual(await rowOf(s), {c: undefined, p: undefined}, `${s} erased after all`);
    }
  });

  it('erases subject ids far longer than 1,024 characters', async (t) => {
    if (skip) return t.skip(skip);
    const long = 'long-id/'.repeat(640); // 5,120 characters: in both stores
    const huge = 'huge-id/'.repeat(9000); // 72,000: more than any Cassandra key, so only in PostgreSQL
    await seed(long);
    await sql('target', `INSERT INTO ${PGS}.people (id, name) VALUES ($1, 'huge')`, [huge]);
    const plan = json<{cassandra: Array<{rows: number}>; postgres: Array<{rows: number}>}>(
      await runCli(['gdpr', 'erase', '--subject-stdin', '--dry-run', '--json'], {env, input: huge}),
    );
    assert.deepEqual([plan.cassandra[0]?.rows, plan.postgres[0]?.rows], [0, 1]);
    for (const [name, subject] of Object.entries({long, huge})) {
      const r = await runCli(['gdpr', 'erase', '--subject-stdin', '--request-id', `${name}-${id}`, '--yes', '--json'], {
        env,
        input: subject,
      });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(json<{state: string}>(r).state, 'closed', name);
      assert.deepEqual(await rowOf(subject), {c: undefined, p: undefined}, `${name} erased`);
    }
    assert.notDeepEqual(await rowOf('bystander'), {c: undefined, p: undefined});
  });

  it('a subject map naming a table or column that does not exist is a config error before anything is erased', async (t) => {
    if (skip) return t.skip(skip);
    await seed('wrong-map');
    const maps = {
      'postgres table': {
        postgres: [`{schema: ${PGS}, table: people, column: id}`, `{schema: ${PGS}, table: nope, column: id}`],
      },
      'postgres column': {postgres: [`{schema: ${PGS}, table: people, column: nope}`]},
      'postgres schema': {postgres: [`{schema: nope_${id}, table: people, column: id}`]},
      'cassandra table': {
        cassandra: [
          `{keyspace: ${KS}, table: people, subjectColumns: [id]}`,
          `{keyspace: ${KS}, table: nope, subjectColumns: [id]}`,
        ],
      },
      'cassandra lookup': {
        cassandra: [
          `{keyspace: ${KS}, table: visits, subjectColumns: [person], lookup: {table: nope, subjectColumn: person}}`,
        ],
      },
    };
    for (const [name, m] of Object.entries(maps)) {
      const e2 = config(m);
      for (const args of [['--dry-run'], ['--request-id', `wrong-${id}`, '--yes']]) {
        const r = await runCli(['gdpr', 'erase', '--subject', 'wrong-map', ...args], {env: e2});
        assert.equal(r.code, 2, `${name} ${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, /nope/, name);
      }
    }
    assert.equal(
      (
        await sql('target', `SELECT count(*)::int AS n FROM ${OPS}.gdpr_requests WHERE request_id = $1`, [
          `wrong-${id}`,
        ])
      )[0]?.n,
      0,
      'no request was created',
    );
    assert.notDeepEqual(await rowOf('wrong-map'), {c: undefined, p: undefined}, 'nothing erased');
  });

  it('the dry run warns about tables the map misses that have a subject key column', async (t) => {
    if (skip) return t.skip(skip);
    const e2 = config({
      cassandra: [
        `{keyspace: ${KS}, table: people, subjectColumns: [id]}`,
        `{keyspace: ${KS}, table: visits, subjectColumns: [person], lookup: {table: visits_by_person, subjectColumn: person}}`,
      ],
    });
    const r = await runCli(['gdpr', 'erase', '--subject', 'bystander', '--dry-run', '--json'], {env: e2});
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json<{unmapped: unknown[]}>(r).unmapped, [
      {store: 'cassandra', table: `${KS}.visits_by_person`, column: 'person'},
      {store: 'postgres', table: `${PGS}.notes`, column: 'person'},
    ]);
    const text = await runCli(['gdpr', 'erase', '--subject', 'bystander', '--dry-run'], {env: e2});
    assert.match(
      text.stdout,
      new RegExp(`cassandra ${KS}\\.visits_by_person has a column person but is not in the subject map`),
    );
    // Mapped, the lookup table is no longer mentioned.
    const all = config({
      cassandra: [
        `{keyspace: ${KS}, table: people, subjectColumns: [id]}`,
        `{keyspace: ${KS}, table: visits, subjectColumns: [person], lookup: {table: visits_by_person, subjectColumn: person}}`,
        `{keyspace: ${KS}, table: visits_by_person, subjectColumns: [person]}`,
      ],
      postgres: [`{schema: ${PGS}, table: people, column: id}`, `{schema: ${PGS}, table: notes, column: person}`],
    });
    const ok = await runCli(['gdpr', 'erase', '--subject', 'bystander', '--dry-run', '--json'], {env: all});
    assert.deepEqual(json<{unmapped: unknown[]}>(ok).unmapped, []);
  });
});
