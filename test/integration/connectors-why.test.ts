import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import kafkajs from 'kafkajs';
import {eventually, json, runCli} from '../helpers.js';
import {connectRaw, deleteConnectors, env, requireStack, sql} from './stack.js';

/**
 * `cdcctl connectors why` on failures produced for real: JDBC sinks of this test only (prefix i23why)
 * with a wrong password, an unreachable database port, an input topic of bytes that are not JSON, a
 * record whose key is already in the target table, a text value for an integer column, and a target
 * table that does not exist (schema evolution off). Hibernate hides the first two behind one message;
 * why tells them apart by trying the connection. (test/fixtures/why holds these and more, recorded.)
 */

const P = `i23why${process.pid}`;
const TOPIC = `${P}_in`;
const SINK = {
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  'tasks.max': '1',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5433/target',
  'connection.username': 'cdc',
  'connection.password': 'cdc',
  'insert.mode': 'insert',
  'primary.key.mode': 'record_key',
  'schema.evolution': 'none',
  topics: TOPIC,
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
};
// the typed cases write into this test's own schema: table <schema>.<topic>
const TYPED = {
  'collection.name.format': `${P}.\${topic}`,
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'true',
};
const CASES = {
  [`${P}-auth`]: {
    config: {...SINK, 'connection.password': 'wrong'},
    kind: 'auth',
    cause: /password authentication failed/,
  },
  [`${P}-down`]: {
    config: {...SINK, 'connection.url': 'jdbc:postgresql://127.0.0.1:5499/target'},
    kind: 'unreachable-database',
    cause: /ECONNREFUSED|unreachable/,
  },
  [`${P}-serde`]: {config: SINK, kind: 'serialization', cause: /JsonParseException/},
  [`${P}-dup`]: {
    config: {...SINK, topics: `${P}_dup`, ...TYPED},
    kind: 'constraint-violation',
    cause: /duplicate key value violates unique constraint/,
  },
  [`${P}-type`]: {
    config: {...SINK, topics: `${P}_type`, ...TYPED},
    kind: 'schema-incompatible',
    cause: /column "name" is of type integer/,
  },
  [`${P}-notable`]: {
    config: {...SINK, topics: `${P}_notable`, ...TYPED},
    kind: 'missing-table',
    cause: /Could not find table/,
  },
};

/** A Connect JSON record with its schema: {id: int32} key, {id: int32, name: string} value. */
function typedRecord(id: number, name: string): {key: string; value: string} {
  const field = (f: string, type: string, optional: boolean) => ({field: f, type, optional});
  return {
    key: JSON.stringify({
      schema: {type: 'struct', optional: false, fields: [field('id', 'int32', false)]},
      payload: {id},
    }),
    value: JSON.stringify({
      schema: {type: 'struct', optional: false, fields: [field('id', 'int32', false), field('name', 'string', true)]},
      payload: {id, name},
    }),
  };
}

let skip: string | undefined;
const kafka = new kafkajs.Kafka({brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING});

describe('connectors why on the real stack', {timeout: 240_000}, () => {
  before(async () => {
    skip = await requireStack();
    if (skip) return;
    const admin = kafka.admin();
    await admin.connect();
    const typed = ['dup', 'type', 'notable'].map((t) => `${P}_${t}`);
    await admin.createTopics({
      topics: [TOPIC, ...typed].map((topic) => ({topic, numPartitions: 1})),
      waitForLeaders: true,
    });
    await admin.disconnect();
    await sql(
      'target',
      `CREATE SCHEMA ${P}; CREATE TABLE ${P}.${P}_dup (id int PRIMARY KEY, name text);
       INSERT INTO ${P}.${P}_dup VALUES (1, 'already'); CREATE TABLE ${P}.${P}_type (id int PRIMARY KEY, name int)`,
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({topic: TOPIC, messages: [{key: 'not json', value: '{oops'}]});
    for (const topic of typed) await producer.send({topic, messages: [typedRecord(1, 'not a number')]});
    await producer.disconnect();
    for (const [name, c] of Object.entries(CASES)) {
      const put = await connectRaw('PUT', `/connectors/${name}/config`, c.config);
      assert.ok(put.status < 300, JSON.stringify(put.body));
    }
  });
  after(async () => {
    if (skip) return;
    await deleteConnectors(Object.keys(CASES));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({topics: [TOPIC, ...['dup', 'type', 'notable'].map((t) => `${P}_${t}`)]}).catch(() => {});
    await admin.disconnect();
    await sql('target', `DROP SCHEMA IF EXISTS ${P} CASCADE`).catch(() => {});
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name.slice(P.length + 1)}: ${c.kind}`, async (t) => {
      if (skip) return t.skip(skip);
      const r = await eventually(
        async () => {
          const res = await runCli(['connectors', 'why', name, '--json'], {env});
          return res.code === 3 ? res : undefined;
        },
        90_000,
        2000,
      );
      const report = json<{failures: Array<{kind: string; rootCause: string; fix: string; logger: string}>}>(r);
      assert.equal(report.failures[0]?.kind, c.kind, JSON.stringify(report.failures[0]));
      assert.match(report.failures[0]?.rootCause ?? '', c.cause);
      const text = await runCli(['connectors', 'why', name], {env});
      assert.match(text.stdout, /root cause: .+\n\s+fix: .+\n\s+more detail: cdcctl connectors loggers set \S+ DEBUG/);
    });
  }

  it('an unknown connector is a usage error (exit 2)', async (t) => {
    if (skip) return t.skip(skip);
    const r = await runCli(['connectors', 'why', 'no-such-connector-i23'], {env});
    assert.equal(r.code, 2, r.stderr);
  });
});
