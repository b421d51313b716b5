import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {eventually, json, runCli, startCli, tempConfig} from '../helpers.js';
import {cassandraPipeline, createCapturedTables, dropKafkaLeftovers, ownSinkConfig} from './cassandra-pipeline.js';
import {cassandraClient, connectRaw, requireStack, sql} from './stack.js';

/**
 * `gdpr erase` on a subject whose rows the real pipeline replicates (Cassandra → Debezium Server →
 * Kafka → JDBC sink → PostgreSQL). The erasure holds while the subject's CDC events are still in
 * flight (a paused sink; a late write Cassandra shadows but CDC still ships), and a PostgreSQL failure
 * after the Cassandra delete is compensated: the restore flows through the pipeline like any write.
 */

const id = process.pid;
const KS = `i21c_gd${id}`;
const OPS = `i21c_ops${id}`;
const SINK = `i21c-gd${id}-sink`;
const TOPIC = `cassandra.${KS}.customers`;

const cfg = tempConfig(`current-context: t
contexts:
  t:
    connect: {url: "http://127.0.0.1:8083"}
    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}", opsSchema: ${OPS}}
    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}
    kafka: {brokers: ["127.0.0.1:9092"]}
    gdpr:
      cassandra:
        - {keyspace: ${KS}, table: customers, subjectColumns: [id]}
      postgres:
        - {schema: ${KS}, table: customers, column: id}
      backupKey: "\${env:GDPR_BACKUP_KEY}"
      reportKey: "\${env:GDPR_REPORT_KEY}"
      signing: {hmacKey: "\${env:GDPR_SIGNING_KEY}"}
      backupRetention: 0s
      fence: true
      sinkGroup: connect-${SINK}
      topics: [${TOPIC}]
      settleTimeout: 2m
`);
const env = {
  ...cfg.env,
  CDC_PG_PASSWORD: 'cdc',
  GDPR_BACKUP_KEY: randomBytes(32).toString('hex'),
  GDPR_REPORT_KEY: randomBytes(24).toString('hex'),
  GDPR_SIGNING_KEY: randomBytes(24).toString('hex'),
};

let skip: string | undefined;
let cass: driver.Client;
const cql = (q: string, p: unknown[] = []) => cass.execute(q, p, {prepare: true});
const pgRow = async (subject: string) =>
  (
    await sql<{id: string; name: string | null; email: string | null}>(
      'target',
      `SELECT id, name, email FROM ${KS}.customers WHERE id = $1`,
      [subject],
    )
  )[0];
const cassRow = async (subject: string) =>
  (await cql(`SELECT id, name, email FROM ${KS}.customers WHERE id = ?`, [subject])).rows[0];

async function sinkState(): Promise<string | undefined> {
  const b = (await connectRaw('GET', `/connectors/${SINK}/status`)).body as {
    connector?: {state: string};
    tasks?: Array<{state: string}>;
  };
  return b.tasks?.[0]?.state ?? b.connector?.state;
}
async function setSink(state: 'pause' | 'resume'): Promise<void> {
  await connectRaw('PUT', `/connectors/${SINK}/${state}`);
  await eventually(async () => (await sinkState()) === (state === 'pause' ? 'PAUSED' : 'RUNNING'), 30_000);
}
/** Until the sink has consumed everything written to the topic so far. */
async function sinkCaughtUp(): Promise<void> {
  await eventually(
    async () => {
      const s = json<{kafka?: {lag: Array<{connector: string; total: string | null}>}}>(
        await runCli(['pipeline', 'status', '--json'], {env}),
      );
      return s.kafka?.lag.find((l) => l.connector === SINK)?.total === '0';
    },
    60_000,
    1000,
  );
}
async function seed(subject: string, name: string): Promise<void> {
  await cql(`INSERT INTO ${KS}.customers (id, name, email) VALUES (?, ?, ?)`, [subject, name, `${subject}@x`]);
}

describe('gdpr erase on replicated tables (real Cassandra CDC pipeline)', {timeout: 300_000}, () => {
  before(async () => {
    skip = (await cassandraPipeline()) ?? (await requireStack());
    if (skip) return;
    cass = await cassandraClient();
    await sql('target', `CREATE SCHEMA IF NOT EXISTS ${KS}`);
    await createCapturedTables(cass, KS, [
      `CREATE TABLE ${KS}.customers (id text PRIMARY KEY, name text, email text) WITH cdc = true`,
    ]);
    const put = await connectRaw('PUT', `/connectors/${SINK}/config`, ownSinkConfig(KS));
    assert.ok(put.status < 300, JSON.stringify(put.body));
    for (const s of ['alice', 'bob', 'carol', 'dave']) await seed(s, `n-${s}`);
    await eventually(async () => (await pgRow('dave').catch(() => undefined))?.name === 'n-dave', 90_000, 500);
    const fence = await runCli(['gdpr', 'fence', 'install', '--yes', '--json'], {env});
    assert.equal(fence.code, 0, fence.stderr);
  });
  after(async () => {
    if (skip) return;
    await connectRaw('DELETE', `/connectors/${SINK}`).catch(() => {});
    await cass.execute(`DROP KEYSPACE IF EXISTS ${KS}`).catch(() => {});
    await cass.shutdown();
    await dropKafkaLeftovers(KS, [`connect-${SINK}`]).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${KS} CASCADE`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${OPS} CASCADE`).catch(() => {});
  });

  it('holds while the subject’s CDC events are in flight: a paused sink, then a late upsert', async (t) => {
    if (skip) return t.skip(skip);
    const seededAt = BigInt(Date.now()) * 1000n;
    // the subject's change waits in Kafka while the erasure runs
    await setSink('pause');
    await cql(`UPDATE ${KS}.customers SET name = ? WHERE id = ?`, ['in flight', 'alice']);
    await cql(`UPDATE ${KS}.customers SET name = ? WHERE id = ?`, ['changed', 'bob']);
    await new Promise((r) => setTimeout(r, 3000)); // shipped by the connector, not consumed
    const erase = startCli(['gdpr', 'erase', '--subject', 'alice', '--request-id', `fl-${id}`, '--yes', '--json'], {
      env,
    });
    // the erasure deletes both sides, then settles: it waits for the sink to consume past its delete
    await eventually(async () => !(await cassRow('alice')) && !(await pgRow('alice')), 60_000, 250);
    await setSink('resume');
    const r = await erase.done;
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(json<{state: string}>(r).state, /^(verified|closed)$/);
    await sinkCaughtUp();
    assert.equal(await pgRow('alice'), undefined, 'the in-flight upsert did not bring the subject back');
    assert.equal((await pgRow('bob'))?.name, 'changed', 'the pipeline went on for everyone else');

    // a write Cassandra shadows (older than the erasure's tombstone) is still shipped by CDC
    await cql(`INSERT INTO ${KS}.customers (id, name) VALUES (?, ?) USING TIMESTAMP ?`, [
      'alice',
      'zombie',
      driver.types.Long.fromString((seededAt + 1n).toString()),
    ]);
    // the same for carol, deleted by hand without the fence: PostgreSQL gets her back
    await cql(`DELETE FROM ${KS}.customers WHERE id = ?`, ['carol']);
    await cql(`INSERT INTO ${KS}.customers (id, name) VALUES (?, ?) USING TIMESTAMP ?`, [
      'carol',
      'zombie',
      driver.types.Long.fromString((seededAt + 1n).toString()),
    ]);
    assert.equal(await cassRow('carol'), undefined, 'Cassandra shadows the late write');
    // without the fence the late CDC upsert resurrects the row. Debezium Server ships the commit log's CDC
    // segments in batches, so a caught-up sink may not have been sent it yet: wait for the row itself. Alice's
    // late write went before it into the same (one-partition) topic, so it has been consumed by then too.
    await eventually(async () => (await pgRow('carol'))?.name === 'zombie', 90_000, 500);
    await sinkCaughtUp();
    assert.equal(await cassRow('alice'), undefined);
    assert.equal(await pgRow('alice'), undefined, 'the fence drops the late upsert of the erased subject');
  });

  it('compensates a PostgreSQL failure after the Cassandra delete; the restore replicates', async (t) => {
    if (skip) return t.skip(skip);
    const before = await pgRow('dave');
    assert.equal(before?.name, 'n-dave');
    // PostgreSQL refuses the delete; the sink is paused so that it does not meet the same failure
    await setSink('pause');
    await sql(
      'target',
      `CREATE FUNCTION ${KS}.boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`,
    );
    await sql(
      'target',
      `CREATE TRIGGER boom BEFORE DELETE ON ${KS}.customers FOR EACH ROW EXECUTE FUNCTION ${KS}.boom()`,
    );
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(
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
    } finally {
      await sql('target', `DROP TRIGGER boom ON ${KS}.customers`);
    }
    assert.equal(r.code, 3, `${r.stderr}${r.stdout}`);
    const v = json<{state: string; journal: Array<{step: string; phase: string}>}>(r);
    assert.equal(v.state, 'restored');
    assert.ok(v.journal.some((j) => j.step === 'postgres_delete' && j.phase === 'failed'));
    const back = await cassRow('dave');
    assert.equal(back?.name, 'n-dave', 'Cassandra restored');
    // the delete and the restore both went through CDC: once the sink has them, PostgreSQL agrees. The
    // restore is a fresh Cassandra write that reaches Kafka a moment after the resume (the commit log is
    // read in near real time), so a caught-up sink alone can still be before it: wait for the row itself.
    await setSink('resume');
    await sinkCaughtUp();
    await eventually(async () => (await pgRow('dave'))?.name === before?.name, 60_000, 500).catch(() => undefined);
    assert.deepEqual(await pgRow('dave'), before, 'PostgreSQL holds the restored row');
    assert.equal(await sinkState(), 'RUNNING');
  });
});
