import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:https';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, runCli, tempDir} from '../helpers.js';
import {cassandraClient, connectRaw, deleteConnectors, requireStack, sql, stackConfig} from './stack.js';

/**
 * `cdcctl doctor` on the real stack. Every prerequisite is broken on purpose on objects of this test
 * only (prefix i23doc: a PostgreSQL source connector with its own slot, publication and tables in
 * the 5433 `target` database, a Cassandra keyspace, a local TLS listener with an expired self-signed
 * certificate, a context pointing at a dead port) — the shared demo objects are never touched.
 */

const P = `i23doc${process.pid}`;
const SOURCE = `${P}-src`;
const SLOT = `${P}_slot`;
const PUB = `${P}_pub`;

interface Check {
  target: string;
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}
interface Report {
  checks: Check[];
  summary: {ok: number; warn: number; fail: number};
  wallMs: number;
}

let skip: string | undefined;

function find(r: Report, target: string, check: string | RegExp): Check | undefined {
  return r.checks.find(
    (c) => c.target === target && (typeof check === 'string' ? c.check === check : check.test(c.check)),
  );
}

async function doctor(extra: string[], contextLines: string[] = []): Promise<{code: number; report: Report}> {
  const cfg = stackConfig(contextLines);
  const r = await runCli(['doctor', '--json', ...extra], {env: cfg.env});
  return {code: r.code, report: json<Report>(r)};
}

/** An expired self-signed certificate for CN=localhost, made with `openssl ca` (-startdate/-enddate). */
function expiredCert(): {key: string; cert: string} {
  const dir = tempDir('i23doc-ca-');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n',
  );
  const run = (args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'});
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.pem', '-subj', '/CN=localhost']);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-selfsign',
    '-keyfile',
    'key.pem',
    '-in',
    'req.pem',
    '-out',
    'cert.pem',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
  ]);
  return {key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem')};
}

describe('doctor on the real stack', {timeout: 300_000}, () => {
  let tlsServer: Server | undefined;
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    await sql('target', `CREATE SCHEMA ${P}`);
    await sql('target', `CREATE TABLE ${P}.items (id int PRIMARY KEY, name text)`);
    await sql('target', `CREATE TABLE ${P}.nokey (id int, name text)`);
    await sql('target', `INSERT INTO ${P}.items VALUES (1, 'a')`);
    const put = await connectRaw('PUT', `/connectors/${SOURCE}/config`, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': '127.0.0.1',
      'database.port': '5433',
      'database.user': 'cdc',
      'database.password': 'cdc',
      'database.dbname': 'target',
      'plugin.name': 'pgoutput',
      'slot.name': SLOT,
      'publication.name': PUB,
      'publication.autocreate.mode': 'filtered',
      'topic.prefix': P,
      'table.include.list': `${P}.items,${P}.nokey`,
      'snapshot.mode': 'initial',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    await eventually(
      async () =>
        (await sql('target', 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [SLOT])).length ===
        1,
      90_000,
      1000,
    );
    const cass = await cassandraClient();
    await cass.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${P} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await cass.execute(`CREATE TABLE IF NOT EXISTS ${P}.t (id int PRIMARY KEY, v text) WITH cdc = true`);
    await cass.shutdown();
  });

  after(async () => {
    tlsServer?.close();
    if (skip) return;
    await deleteConnectors([SOURCE]);
    await eventually(
      async () => {
        await sql(
          'target',
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
          [SLOT],
        );
        return true;
      },
      30_000,
      1000,
    ).catch(() => {});
    await sql('target', `DROP PUBLICATION IF EXISTS ${PUB}`).catch(() => {});
    await sql('target', `DROP SCHEMA IF EXISTS ${P} CASCADE`).catch(() => {});
    const cass = await cassandraClient();
    await cass.execute(`DROP KEYSPACE IF EXISTS ${P}`).catch(() => {});
    await cass.shutdown();
    const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING});
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${P}.`));
    if (topics.length) await admin.deleteTopics({topics}).catch(() => {});
    await admin.disconnect();
  });

  it('every endpoint of the healthy stack is ok', async (t) => {
    if (skip) return t.skip(skip);
    const {code, report} = await doctor(['--only', 'endpoints']);
    assert.deepEqual(
      report.checks.filter((c) => c.status === 'fail'),
      [],
    );
    assert.equal(code, 0);
    for (const target of [
      'connect',
      'kafka cluster',
      'postgres',
      'cassandra',
      'prometheus',
      'alertmanager',
      'pushgateway',
    ]) {
      assert.ok(
        report.checks.some((c) => c.target === target && c.status === 'ok'),
        `${target} checked`,
      );
    }
    assert.match(find(report, 'postgres', 'version')?.detail ?? '', /PostgreSQL 15/);
    assert.match(find(report, 'cassandra', 'version')?.detail ?? '', /Cassandra 5/);
    assert.equal(find(report, 'postgres', 'clock')?.status, 'ok');
  });

  it("the test's own source passes its prerequisites", async (t) => {
    if (skip) return t.skip(skip);
    const {report} = await doctor(
      ['--only', 'cdc'],
      ['reconcile: {tables: [{cassandra: ' + `${P}.t, postgres: ${P}.items, key: [id]}]}`],
    );
    const src = `source ${SOURCE}`;
    assert.equal(find(report, src, 'wal_level')?.status, 'ok');
    assert.equal(find(report, src, 'replication privilege')?.status, 'ok');
    assert.equal(find(report, src, 'slot')?.status, 'ok', JSON.stringify(find(report, src, 'slot')));
    assert.equal(find(report, src, 'publication')?.status, 'ok', JSON.stringify(find(report, src, 'publication')));
    assert.equal(find(report, src, `replica identity ${P}.items`)?.status, 'ok');
    assert.equal(find(report, `cassandra table ${P}.t`, 'cdc')?.status, 'ok');
    assert.equal(find(report, `connector ${SOURCE}`, 'plugins')?.status, 'ok');
    await eventually(
      async () => {
        const r = (await doctor(['--only', 'cdc'])).report;
        return find(r, `topic ${P}.${P}.items`, 'change')?.status === 'ok';
      },
      60_000,
      2000,
    );
  });

  it('a table without a key and REPLICA IDENTITY NOTHING fails with the ALTER TABLE hint', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `ALTER TABLE ${P}.nokey REPLICA IDENTITY NOTHING`);
    const {code, report} = await doctor(['--only', 'cdc']);
    const c = find(report, `source ${SOURCE}`, `replica identity ${P}.nokey`);
    assert.equal(c?.status, 'fail');
    assert.match(c?.hint ?? '', /REPLICA IDENTITY FULL/);
    assert.equal(code, 3);
    await sql('target', `ALTER TABLE ${P}.nokey REPLICA IDENTITY FULL`);
    assert.equal(
      find((await doctor(['--only', 'cdc'])).report, `source ${SOURCE}`, `replica identity ${P}.nokey`)?.status,
      'ok',
    );
  });

  it('cdc disabled on a captured Cassandra table fails with the ALTER TABLE hint', async (t) => {
    if (skip) return t.skip(skip);
    const cass = await cassandraClient();
    await cass.execute(`ALTER TABLE ${P}.t WITH cdc = false`);
    await cass.shutdown();
    const {code, report} = await doctor(
      ['--only', 'cdc'],
      [`reconcile: {tables: [{cassandra: ${P}.t, postgres: ${P}.items, key: [id]}]}`],
    );
    const c = find(report, `cassandra table ${P}.t`, 'cdc');
    assert.equal(c?.status, 'fail');
    assert.match(c?.hint ?? '', /WITH cdc = true/);
    assert.equal(code, 3);
  });

  it('a dropped publication fails, and the publication is named in the hint', async (t) => {
    if (skip) return t.skip(skip);
    await sql('target', `DROP PUBLICATION ${PUB}`);
    const {code, report} = await doctor(['--only', 'cdc']);
    const c = find(report, `source ${SOURCE}`, 'publication');
    assert.equal(c?.status, 'fail');
    assert.match(c?.detail ?? '', new RegExp(`${PUB} does not exist`));
    assert.match(c?.hint ?? '', /publication\.autocreate\.mode=filtered/);
    assert.equal(code, 3);
  });

  it('a dropped slot fails with the resume-and-resnapshot hint', async (t) => {
    if (skip) return t.skip(skip);
    // a slot in use cannot be dropped: stop the connector's task first (PUT /stop), then drop the slot
    await connectRaw('PUT', `/connectors/${SOURCE}/stop`);
    await eventually(
      async () => {
        await sql('target', 'SELECT pg_drop_replication_slot($1)', [SLOT]);
        return true;
      },
      60_000,
      1000,
    );
    const {code, report} = await doctor(['--only', 'cdc']);
    const c = find(report, `source ${SOURCE}`, 'slot');
    assert.equal(c?.status, 'fail');
    assert.match(c?.detail ?? '', new RegExp(`${SLOT} does not exist`));
    assert.match(c?.hint ?? '', /slot\.name/);
    assert.equal(code, 3);
  });

  it('a dead port fails on its own and hides no other endpoint', async (t) => {
    if (skip) return t.skip(skip);
    const cfg = stackConfig();
    const yaml = `current-context: dead\ncontexts:\n  dead:\n    connect: {url: "http://127.0.0.1:1"}\n    prometheus: {url: "http://127.0.0.1:9090"}\n    kafka: {brokers: ["127.0.0.1:9"]}\n`;
    writeFileSync(cfg.path, yaml);
    const r = await runCli(['doctor', '--json', '--check-timeout', '2s'], {env: cfg.env});
    const report = json<Report>(r);
    assert.equal(r.code, 3);
    const tcp = find(report, 'connect', 'tcp');
    assert.equal(tcp?.status, 'fail');
    assert.match(tcp?.detail ?? '', /ECONNREFUSED/);
    assert.match(tcp?.hint ?? '', /127\.0\.0\.1:1/);
    assert.equal(find(report, 'kafka 127.0.0.1:9', 'tcp')?.status, 'fail');
    assert.equal(find(report, 'prometheus', 'auth')?.status, 'ok');
    assert.equal(find(report, 'prometheus', 'version')?.status, 'ok');
  });

  it('an expired self-signed certificate fails the TLS check with its expiry', async (t) => {
    if (skip) return t.skip(skip);
    const {readFileSync} = await import('node:fs');
    const files = expiredCert();
    tlsServer = createServer({key: readFileSync(files.key), cert: readFileSync(files.cert)}, (_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end('{"status":"success","data":{"version":"0.0.0-i23"}}');
    });
    await new Promise<void>((r) => tlsServer?.listen(0, '127.0.0.1', r));
    const port = (tlsServer.address() as AddressInfo).port;
    const cfg = stackConfig();
    writeFileSync(
      cfg.path,
      `current-context: tls\ncontexts:\n  tls:\n    prometheus: {url: "https://localhost:${port}"}\n`,
    );
    const r = await runCli(['doctor', '--json'], {env: cfg.env});
    const report = json<Report>(r);
    const tls = find(report, 'prometheus', 'tls');
    assert.equal(tls?.status, 'fail', JSON.stringify(report));
    assert.match(tls?.detail ?? '', /certificate expired \d+ days ago \(2020-02-01/);
    assert.match(tls?.detail ?? '', /self-signed/);
    assert.match(tls?.hint ?? '', /Renew/);
    assert.equal(r.code, 3);
  });
});
