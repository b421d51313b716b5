import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {skewMs, skewStatus} from '../../src/services/diagnostics/checks.js';
import {classifyTrace, exceptionChain, refineConnection} from '../../src/services/diagnostics/classify.js';
import {parseSize, tableFilter} from '../../src/services/diagnostics/prereqs.js';
import {repoRoot} from '../helpers.js';

/** Traces recorded from real failed tasks on the local stack by test/fixtures/why/record.ts. */
const fixture = (kind: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'why', `${kind}.trace`), 'utf8');
const JDBC = 'io.debezium.connector.jdbc.JdbcSinkConnector';
const PG = 'io.debezium.connector.postgresql.PostgresConnector';

describe('connectors why: classification of recorded traces', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'constraint-violation',
      JDBC,
      'constraint-violation',
      /duplicate key value violates unique constraint "i23why_dup_pkey"/,
    ],
    [
      'schema-incompatible',
      JDBC,
      'schema-incompatible',
      /column "name" is of type integer but expression is of type character varying/,
    ],
    ['serialization', JDBC, 'serialization', /JsonParseException: Unrecognized token 'not'/],
    ['missing-table', JDBC, 'missing-table', /Could not find table: i23why\.i23why_notable/],
    ['missing-publication', PG, 'missing-publication', /Publication autocreation is disabled/],
    // ActivateTracingSpan on a PostgreSQL source without the OpenTelemetry API jars in its plugin directory
    [
      'missing-library',
      PG,
      'missing-library',
      /ClassNotFoundException: io\.opentelemetry\.context\.propagation\.TextMapGetter/,
    ],
    // Hibernate hides the JDBC driver's reason: the trace alone says "connection", the probe decides
    ['auth', JDBC, 'database-connection', /Unable to determine Dialect/],
    ['unreachable', JDBC, 'database-connection', /Unable to determine Dialect/],
  ];
  for (const [file, cls, kind, line] of cases) {
    it(`${file}.trace → ${kind}`, () => {
      const c = classifyTrace(fixture(file), cls);
      assert.equal(c.kind, kind);
      assert.match(c.rootCause, line);
      assert.ok(c.fix.length > 20);
      assert.ok(!c.rootCause.includes('\tat '), 'no stack frames in the root cause');
    });
  }

  it('names the plugin logger of the connector class', () => {
    assert.equal(classifyTrace(fixture('missing-table'), JDBC).logger, 'io.debezium.connector.jdbc');
    assert.equal(classifyTrace(fixture('missing-publication'), PG).logger, 'io.debezium.connector.postgresql');
    assert.equal(
      classifyTrace(fixture('serialization'), JDBC).logger,
      'org.apache.kafka.connect.runtime.WorkerSinkTask',
    );
  });

  it('the chain keeps the outermost exception first and every cause', () => {
    const chain = exceptionChain(fixture('constraint-violation'));
    assert.match(chain[0] ?? '', /Exiting WorkerSinkTask/);
    assert.match(chain.at(-1) ?? '', /PSQLException/);
    assert.ok(chain.length >= 5);
  });

  it('a probe turns an ambiguous connection failure into auth or unreachable, and leaves others alone', () => {
    const c = classifyTrace(fixture('auth'), JDBC);
    assert.equal(refineConnection(c, 'auth', 'password authentication failed').kind, 'auth');
    assert.equal(refineConnection(c, 'unreachable', 'ECONNREFUSED').kind, 'unreachable-database');
    assert.equal(refineConnection(c, 'ok', 'fine now').kind, 'database-connection');
    const other = classifyTrace(fixture('missing-table'), JDBC);
    assert.equal(refineConnection(other, 'auth', 'x').kind, 'missing-table');
  });

  it('classifies an out-of-memory error (a JVM message no test may provoke on the shared worker)', () => {
    const trace =
      'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x.y(Z.java:1)\nCaused by: java.lang.OutOfMemoryError: Java heap space\n\tat a.b(C.java:2)';
    assert.equal(classifyTrace(trace, JDBC).kind, 'out-of-memory');
  });

  it('a schema evolution the sink cannot apply is a schema incompatibility (root cause seen on the shared inventory-sink)', () => {
    const trace =
      "org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.\n\tat x.y(Z.java:1)\nCaused by: java.sql.SQLException: Cannot ALTER table 'customers' because field 'first_name' is not optional but has no default value\n\tat a.b(C.java:2)";
    assert.equal(classifyTrace(trace, JDBC).kind, 'schema-incompatible');
  });

  it('an unknown failure says so and keeps the deepest cause', () => {
    const c = classifyTrace(
      'java.lang.IllegalStateException: odd\n\tat a.b(C.java:1)\nCaused by: java.lang.RuntimeException: deeper',
      JDBC,
    );
    assert.equal(c.kind, 'unknown');
    assert.match(c.rootCause, /deeper/);
  });
});

describe('doctor helpers', () => {
  it("Debezium's table filters match the whole schema.table", () => {
    const f = tableFilter('public.orders,inv\\..*', 'inv\\.tmp_.*');
    assert.ok(f('public.orders'));
    assert.ok(!f('public.orders2'));
    assert.ok(f('inv.items'));
    assert.ok(!f('inv.tmp_x'));
    assert.ok(tableFilter(undefined, undefined)('any.thing'));
  });
  it('parses Cassandra sizes', () => {
    assert.equal(parseSize('4096MiB'), 4096 * 1024 ** 2);
    assert.equal(parseSize('512'), 512 * 1024 ** 2);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.equal(parseSize('n/a'), undefined);
  });
  it('skew is measured against the midpoint of the request', () => {
    assert.equal(skewMs(1_000_150, 1_000_000, 1_000_100), 100);
    assert.equal(skewStatus(500), 'ok');
    assert.equal(skewStatus(5000), 'warn');
    assert.equal(skewStatus(-60_000), 'fail');
    assert.equal(skewStatus(1400, 1000), 'ok');
  });
});
