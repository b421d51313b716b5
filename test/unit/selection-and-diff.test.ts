import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {durationOrOffFlag, parseDuration, parseDurationOrOff} from '../../src/flags.js';
import {parseDefinitions} from '../../src/services/connectors/definitions.js';
import {diffConfigs, formatChange} from '../../src/services/connectors/diff.js';
import {compileSelector} from '../../src/services/connectors/select.js';
import {describeFailure, rootCause} from '../../src/services/connectors/trace.js';

describe('connector selection', () => {
  it('matches exact names, globs and /regex/', () => {
    const names = ['inventory-source', 'inventory-sink', 'orders-sink', 'misc'];
    const pick = (p: string[]) => names.filter(compileSelector(p));
    assert.deepEqual(pick([]), names);
    assert.deepEqual(pick(['misc']), ['misc']);
    assert.deepEqual(pick(['inventory-*']), ['inventory-source', 'inventory-sink']);
    assert.deepEqual(pick(['*-sink']), ['inventory-sink', 'orders-sink']);
    assert.deepEqual(pick(['/^(orders|misc)/']), ['orders-sink', 'misc']);
    assert.deepEqual(pick(['inventory.sink']), [], 'a dot in a plain name is not a wildcard');
    assert.throws(() => compileSelector(['/(/']), /invalid regular expression/);
  });
});

describe('config diff', () => {
  it('lists added, removed and changed keys, never secret values', () => {
    const changes = diffConfigs(
      {a: '1', b: '2', 'connection.password': 'old', gone: 'x'},
      {a: '1', b: '3', 'connection.password': 'new', added: 'y'},
    );
    assert.deepEqual(changes.map(formatChange), [
      '+ added: y',
      '~ b: 2 → 3',
      '~ connection.password: (secret changed)',
      '- gone: x',
    ]);
    assert.ok(!JSON.stringify(changes).includes('new'));
    assert.deepEqual(diffConfigs(undefined, {a: '1'}), [{key: 'a', change: 'added', after: '1'}]);
  });
});

describe('connector definitions', () => {
  it('accepts {name, config}, lists, YAML documents and flat configs', () => {
    const one = parseDefinitions('{"name":"a","config":{"connector.class":"X","tasks.max":1}}', 'a.json');
    assert.deepEqual(one[0]?.config, {'connector.class': 'X', 'tasks.max': '1', name: 'a'});
    const many = parseDefinitions(
      'name: b\nconfig: {connector.class: Y}\n---\nname: c\nconnector.class: Z\n',
      'x.yaml',
    );
    assert.deepEqual(
      many.map((d) => d.name),
      ['b', 'c'],
    );
    const list = parseDefinitions('[{"name":"d","config":{"connector.class":"X"}}]', 'l.json');
    assert.equal(list[0]?.source, 'l.json');
  });

  it('rejects definitions without a class, with nested values or mismatched names', () => {
    assert.throws(() => parseDefinitions('{"name":"a","config":{}}', 'a.json'), /no connector.class/);
    assert.throws(
      () => parseDefinitions('{"name":"a","config":{"connector.class":"X","o":{"x":1}}}', 'a.json'),
      /must be a string/,
    );
    assert.throws(
      () => parseDefinitions('{"name":"a","config":{"connector.class":"X","name":"b"}}', 'a.json'),
      /differs/,
    );
    assert.throws(() => parseDefinitions('{"name":"a/b","config":{"connector.class":"X"}}', 'a.json'), /invalid/);
    assert.throws(() => parseDefinitions('{"name": [', 'bad.json'), /bad\.json:\d+:\d+: cannot parse/);
  });
});

describe('helpers', () => {
  it('extracts the deepest cause from a Java trace', () => {
    const trace = [
      'org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask',
      '\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:636)',
      'Caused by: org.hibernate.exception.JDBCConnectionException: unable to obtain isolated JDBC connection',
      '\tat x.y(Z.java:1)',
      'Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "cdc"',
      '\tat a.b(C.java:2)',
    ].join('\n');
    assert.equal(
      rootCause(trace),
      'org.postgresql.util.PSQLException: FATAL: password authentication failed for user "cdc"',
    );
    assert.equal(
      rootCause('java.lang.IllegalStateException: boom\n\tat a.b(C.java:1)'),
      'java.lang.IllegalStateException: boom',
    );
    assert.equal(rootCause(undefined), undefined);
  });

  it('explains causes whose words hide what happened', () => {
    const trace =
      'org.hibernate.service.spi.ServiceException: x\nCaused by: org.hibernate.HibernateException: Unable to determine Dialect without JDBC metadata (please set …)';
    assert.match(
      describeFailure(trace) ?? '',
      /^org\.hibernate\.HibernateException: Unable to determine Dialect.*\(likely: the JDBC sink could not connect to its database/,
    );
    assert.equal(describeFailure('java.lang.IllegalStateException: boom'), 'java.lang.IllegalStateException: boom');
  });

  it('parses durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('3'), 3000);
    assert.throws(() => parseDuration('soon'), /invalid duration/);
    assert.throws(() => parseDuration('0s'), /must be positive/);
  });

  it('parses durations where 0 means off (--min-age 0 overrides a configured one)', async () => {
    const parse = (v: string) => (durationOrOffFlag() as unknown as {parse: (v: string) => Promise<number>}).parse(v);
    assert.equal(await parse('0'), 0);
    assert.equal(await parse('0s'), 0);
    assert.equal(await parse('90s'), 90_000);
    await assert.rejects(parse('soon'), /invalid duration/);
    // a table's minAge takes the same values (config validate accepts 0s; the run once refused it)
    for (const zero of ['0s', '0ms', '00m', '0h']) assert.equal(parseDurationOrOff(zero), 0);
    assert.equal(parseDurationOrOff('5m'), 300_000);
  });
});
