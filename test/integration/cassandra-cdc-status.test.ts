import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type driver from 'cassandra-driver';
import {eventually, json, runCli} from '../helpers.js';
import {
  cassandraPipeline,
  createCapturedTables,
  DEBEZIUM_SERVER_URL,
  dropKafkaLeftovers,
  ENGINE_OFFSETS,
} from './cassandra-pipeline.js';
import {cassandraClient, stackConfig} from './stack.js';

/**
 * `pipeline status` and `events tail` on the real Cassandra CDC path: Cassandra 5.0.8 (cdc_enabled)
 * → Debezium Server 3.6.1 with the cassandra-5 connector → Kafka. A keyspace of our own holds a
 * table WITH cdc = true and one without; its events are written by the connector, not by the test.
 */

const KS = `i21c_st${process.pid}`;
const TOPIC = `cassandra.${KS}.ev`;

interface CdcComponent {
  component: string;
  verdict: string;
  detail: string;
}
interface Status {
  verdict: string;
  debezium: Array<{name: string; status: string; checks?: Array<{name: string; status: string}>}>;
  cassandraCdc: {
    settings: Record<string, string>;
    tables: Array<{table: string; cdc: boolean | null; expected: boolean}>;
    cdcRaw?: {bytes: number; totalSpace: number; segments: unknown[]};
    connector?: {segment: string | null; behindBytes: number | null};
    components: CdcComponent[];
  };
  problems: Array<{component: string; message: string}>;
}
interface Cell {
  column: string;
  state: string;
  value: unknown;
  expiresAt?: string;
  deletedAt?: string;
}
interface Ev {
  op: string;
  table: string;
  key: Record<string, unknown>;
  cassandra: {keyspace: string; table: string; file: string; pos: number; cells: Cell[]};
}

let skip: string | undefined;
let cass: driver.Client;

describe('pipeline status and events tail on the Cassandra CDC pipeline', {timeout: 180_000}, () => {
  before(async () => {
    skip = await cassandraPipeline();
    if (skip) return;
    cass = await cassandraClient();
    await createCapturedTables(cass, KS, [
      `CREATE TABLE ${KS}.ev (k int, c int, v text, n int, PRIMARY KEY ((k), c)) WITH cdc = true`,
      `CREATE TABLE ${KS}.off (id int PRIMARY KEY, v text) WITH cdc = false`,
    ]);
  });
  after(async () => {
    if (skip) return;
    await cass.execute(`DROP KEYSPACE IF EXISTS ${KS}`).catch(() => {});
    await cass.shutdown();
    await dropKafkaLeftovers(KS).catch(() => {});
  });

  const config = () =>
    stackConfig([
      'debezium:',
      `  health: [{name: cassandra, kind: server, url: "${DEBEZIUM_SERVER_URL}"}]`,
      `  cassandra: {tables: [${KS}.ev, ${KS}.off, ${KS}.gone], offsetsFile: "${ENGINE_OFFSETS}"}`,
    ]).env;

  it('gives each piece of the CDC state a verdict: a table without cdc = true degrades the pipeline', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['pipeline', 'status', '--json'], {env: config()});
    const s = json<Status>(r);
    const byName = Object.fromEntries(s.cassandraCdc.components.map((c) => [c.component, c]));
    assert.equal(byName['cassandra cdc']?.verdict, 'ok', JSON.stringify(byName));
    assert.equal(s.cassandraCdc.settings.cdc_enabled, 'true');
    assert.equal(byName[`cdc table ${KS}.ev`]?.verdict, 'ok');
    assert.equal(byName[`cdc table ${KS}.off`]?.verdict, 'degraded');
    assert.match(byName[`cdc table ${KS}.off`]?.detail ?? '', /cdc = false/);
    assert.equal(byName[`cdc table ${KS}.gone`]?.verdict, 'degraded');
    // the stack runs cdcctl on the node: cdc_raw is read, and counted against cdc_total_space (512MiB)
    assert.equal(byName['cdc_raw usage']?.verdict, 'ok', byName['cdc_raw usage']?.detail);
    assert.equal(s.cassandraCdc.cdcRaw?.totalSpace, 512 * 1024 * 1024);
    assert.ok((s.cassandraCdc.cdcRaw?.bytes ?? 0) > 0, 'cdc_raw holds the active segment');
    assert.ok(byName['cdc segments'], 'segments are reported');
    assert.ok(byName['connector lag'], 'the connector position is read from its offsets file');
    const server = s.debezium.find((d) => d.name === 'cassandra');
    assert.equal(server?.status, 'up');
    assert.ok(server?.checks?.some((c) => c.name === 'debezium' && c.status === 'UP'));
    assert.ok(s.problems.some((p) => p.component === `cdc table ${KS}.off`));
    assert.equal(r.code, 3, 'degraded → exit 3');
  });

  it('is healthy on this side once every configured table is captured', async (t) => {
    if (skip) return t.skip(skip);
    const env = stackConfig(['debezium:', `  cassandra: {tables: [${KS}.ev]}`]).env;
    const s = json<Status>(await runCli(['pipeline', 'status', '--json'], {env}));
    const bad = s.cassandraCdc.components.filter((c) => c.verdict === 'degraded');
    assert.deepEqual(bad, []);
  });

  it('events tail shows the connector’s cells: set, written null, untouched, TTL, deleted', async (t) => {
    if (skip) return t.skip(skip);
    await cass.execute(`INSERT INTO ${KS}.ev (k, c, v, n) VALUES (1, 1, 'one', 10)`);
    await cass.execute(`UPDATE ${KS}.ev SET n = 11 WHERE k = 1 AND c = 1`);
    await cass.execute(`UPDATE ${KS}.ev SET v = null WHERE k = 1 AND c = 1`);
    await cass.execute(`INSERT INTO ${KS}.ev (k, c, v) VALUES (2, 1, 'brief') USING TTL 3600`);
    await cass.execute(`DELETE FROM ${KS}.ev WHERE k = 1 AND c = 1`);
    const events = await eventually(
      async () => {
        const r = await runCli(['events', 'tail', TOPIC, '--from-beginning', '--until-end', '--format', 'ndjson'], {
          env: config(),
        });
        const evs = r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Ev);
        return evs.length >= 5 ? evs : undefined;
      },
      60_000,
      1000,
    );
    assert.deepEqual(
      events.map((e) => e.op),
      ['c', 'u', 'u', 'c', 'd'],
    );
    const cells = (e: Ev) => Object.fromEntries(e.cassandra.cells.map((c) => [c.column, c]));
    assert.equal(events[0]?.table, `${KS}.ev`);
    assert.deepEqual(events[0]?.key, {k: 1, c: 1});
    assert.match(events[0]?.cassandra.file ?? '', /^CommitLog-\d+-\d+\.log$/);
    assert.equal(cells(events[0] as Ev).v?.state, 'set');
    assert.equal(cells(events[0] as Ev).v?.value, 'one');
    const upd = cells(events[1] as Ev);
    assert.equal(upd.n?.state, 'set');
    assert.equal(upd.n?.value, 11);
    assert.equal(upd.v?.state, 'unset', 'an update carries only the cells it wrote');
    assert.equal(cells(events[2] as Ev).v?.state, 'null', 'SET v = null is a cell tombstone');
    const ttl = cells(events[3] as Ev).v;
    assert.equal(ttl?.state, 'set');
    const expires = Date.parse(ttl?.expiresAt ?? '');
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 120_000, `TTL expiry ${ttl?.expiresAt}`);
    const del = cells(events[4] as Ev);
    assert.equal(del.v?.state, 'deleted');
    assert.ok(del.v?.deletedAt);

    const table = await runCli(['events', 'tail', TOPIC, '--from-beginning', '--max', '5', '--format', 'table'], {
      env: config(),
    });
    const lines = table.stdout.split('\n');
    assert.match(lines[2] ?? '', /UPDATE .* n=11 unset: v/);
    assert.match(lines[3] ?? '', /UPDATE .* v=NULL unset: n/);
    assert.match(lines[4] ?? '', /INSERT .* v="brief" \[ttl → /);
    assert.match(lines[5] ?? '', /DELETE .* deleted at /);
  });
});
