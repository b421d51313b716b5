import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {durationOrOffFlag} from '../../src/cli/flags/common.js';
import {REDACTED} from '../../src/config/secrets.js';
import {formatChange} from '../../src/output/changes.js';
import {type ApplyResult, applyExitCode, namesPlugin} from '../../src/services/connectors/apply.js';
import {restoreWrittenForms} from '../../src/services/connectors/config-history.js';
import {parseDefinitions} from '../../src/services/connectors/definitions.js';
import {diffConfigs} from '../../src/services/connectors/diff.js';
import {editableText, parseEdited, resolveEdited} from '../../src/services/connectors/edit.js';
import {compileSelector} from '../../src/services/connectors/select.js';
import {describeFailure, rootCause} from '../../src/services/connectors/trace.js';
import {parseDuration, parseDurationOrOff} from '../../src/util/time.js';

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

  it('compares live values but shows them as written, through the one redactor', () => {
    const before = {
      note: 'p-Resolved1-s',
      url: 'jdbc:postgresql://h/db?password=Old9',
      'value.converter.basic.auth.user.info': 'u:a',
    };
    const after = {note: 'p-Resolved2-s', url: 'http://u:New9@h/x', 'value.converter.basic.auth.user.info': 'u:b'};
    const changes = diffConfigs(before, after, {
      before: {...before, note: 'p-${env:A}-s'},
      after: {...after, note: 'p-${env:B}-s'},
    });
    assert.deepEqual(changes.map(formatChange), [
      '~ note: p-${env:A}-s → p-${env:B}-s',
      `~ url: jdbc:postgresql://h/db?password=${REDACTED} → http://u:${REDACTED}@h/x`,
      '~ value.converter.basic.auth.user.info: (secret changed)',
    ]);
    assert.doesNotMatch(JSON.stringify(changes), /Resolved|Old9|New9|u:a|u:b/);
  });
});

describe('written forms of a live config', () => {
  it('shows a live value in the stored reference form when the reference could have produced it', () => {
    process.env.CDCCTL_TEST_RW = 'rw-value';
    delete process.env.CDCCTL_TEST_RW_UNSET;
    const live = {a: 'x-rw-value', b: 'y-elsewhere-z', c: 'changed', d: 'plain', e: 'hunter22', f: 'x-other'};
    const stored = {
      a: 'x-${env:CDCCTL_TEST_RW}',
      b: 'y-${env:CDCCTL_TEST_RW_UNSET}-z',
      c: 'q-${env:CDCCTL_TEST_RW_UNSET}',
      d: 'plain',
      e: REDACTED,
      f: 'x-${env:CDCCTL_TEST_RW}',
    };
    assert.deepEqual(restoreWrittenForms(live, stored), {
      a: 'x-${env:CDCCTL_TEST_RW}',
      b: 'y-${env:CDCCTL_TEST_RW_UNSET}-z',
      c: 'changed',
      d: 'plain',
      e: REDACTED,
      f: 'x-other',
    });
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

describe('connectors edit', () => {
  it('shows the config as written, secrets as placeholders, and resolves only what was edited', async () => {
    process.env.CDCCTL_TEST_EDIT = 'edit-secret-1';
    const live = {
      note: 'p-edit-secret-1',
      'connection.url': 'jdbc:postgresql://h/db?password=EditPw9',
      'sasl.jaas.config': 'x password="EditJaas"',
      'tasks.max': '1',
    };
    const written = {...live, note: 'p-${env:CDCCTL_TEST_EDIT}'};
    const text = editableText('c', written);
    assert.match(text, /note: p-\$\{env:CDCCTL_TEST_EDIT\}/);
    assert.doesNotMatch(text, /edit-secret-1|EditPw9|EditJaas/);
    const edited = parseEdited(
      text.replace('tasks.max: "1"', 'tasks.max: "2"').replace('p-${env', 'q-${env'),
      written,
    )!;
    assert.deepEqual(edited, {...written, note: 'q-${env:CDCCTL_TEST_EDIT}', 'tasks.max': '2'});
    const run = {contextName: 't', userAgent: 'cdcctl-test', config: {}};
    assert.deepEqual(await resolveEdited(run, edited, written, live), {
      ...live,
      note: 'q-edit-secret-1',
      'tasks.max': '2',
    });
  });
});

describe('connectors apply: plugin names and exit codes', () => {
  it('knows a plugin by its class, simple name or alias, as Connect does', () => {
    const cls = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
    for (const name of [cls, 'FileStreamSinkConnector', 'FileStreamSink']) assert.equal(namesPlugin(name, cls), true);
    for (const name of ['FileStream', 'com.example.FileStreamSinkConnector', 'filestreamsink'])
      assert.equal(namesPlugin(name, cls), false, name);
  });

  it('a run held back by an invalid definition is exit 2, not partial; a partial write is 5', () => {
    const r = (action: ApplyResult['action'], extra: Partial<ApplyResult> = {}): ApplyResult => ({
      name: action,
      source: 'f',
      action,
      applied: false,
      changes: [],
      errors: [],
      ...extra,
    });
    assert.equal(applyExitCode([r('create', {skipped: 'not applied'}), r('invalid')]), 2);
    assert.equal(applyExitCode([r('unchanged', {skipped: 'not applied'}), r('invalid')]), 2);
    assert.equal(
      applyExitCode([r('create', {applied: true}), r('failed', {error: {code: 'X', message: 'm', exitCode: 2}})]),
      5,
    );
    assert.equal(applyExitCode([r('unchanged'), r('create', {applied: true})]), 0);
  });
});
