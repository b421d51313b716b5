import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {checkPlan, parseCsv, parsePlanText, readCsvColumn, withFiles} from '../../src/services/batch/plan.js';
import {finalState} from '../../src/services/batch/runner.js';
import type {BatchItemRecord} from '../../src/store/batch.js';
import {tempDir} from '../helpers.js';

/** The batch plan: YAML and shape errors with their place, dependency order and cycles, CSV reading. */

describe('batch plan', () => {
  it('orders steps after their dependencies, keeping plan order among ready ones', () => {
    const plan = parsePlanText(
      `steps:
  - {id: resume, op: connectors.resume, connectors: [a], dependsOn: [erase]}
  - {id: pause, op: connectors.pause, connectors: [a]}
  - {id: erase, op: gdpr.erase, subjects: s.csv, dependsOn: [pause]}
  - {id: check, op: reconcile, tables: [demo.accounts]}
`,
      'plan.yaml',
    );
    assert.deepEqual(
      plan.steps.map((s) => s.id),
      ['pause', 'check', 'erase', 'resume'],
    );
  });

  it('refuses cycles, unknown dependencies, duplicate ids, unknown ops and keys, with the place', () => {
    const bad: Array<[string, RegExp]> = [
      [
        'steps: [{id: a, op: reconcile, tables: [t], dependsOn: [b]}, {id: b, op: reconcile, tables: [t], dependsOn: [a]}]',
        /"a", "b" form a cycle/,
      ],
      [
        'steps: [{id: a, op: reconcile, tables: [t], dependsOn: [zz]}]',
        /depends on "zz", which the plan does not have/,
      ],
      ['steps: [{id: a, op: reconcile, tables: [t]}, {id: a, op: reconcile, tables: [u]}]', /two steps are named "a"/],
      ['steps: [{id: a, op: connectors.delete, connectors: [x]}]', /steps\.0\.op/],
      ['steps: [{id: a, op: reconcile, tables: [t], tabels: [u]}]', /steps\.0: .*tabels/],
      ['steps: [{id: a, op: gdpr.erase, subjects: s.csv, subjectPattern: "("}]', /invalid regular expression/],
      ['steps: []', /steps/],
      ['steps: [{id: a, op: reconcile, tables: [t]}\n  bad: [', /plan\.yaml:\d+:\d+: invalid YAML/],
    ];
    for (const [text, re] of bad) assert.throws(() => parsePlanText(text, 'plan.yaml'), re, text);
  });

  it('resolves CSV files against the plan directory and fingerprints them', () => {
    const dir = tempDir('cdcctl-plan-');
    writeFileSync(join(dir, 's.csv'), 'subject\n1\n');
    const loaded = withFiles(
      checkPlan({steps: [{id: 'e', op: 'gdpr.erase', subjects: 's.csv'}]}, 'x'),
      join(dir, 'plan.yaml'),
      dir,
    );
    const step = loaded.plan.steps[0] as {subjects: string};
    assert.equal(step.subjects, join(dir, 's.csv'));
    assert.match(loaded.files[join(dir, 's.csv')] ?? '', /^[0-9a-f]{64}$/);
  });
});

describe('CSV', () => {
  it('reads quoted fields, doubled quotes, CRLF, embedded newlines; skips blank lines but keeps empty fields', () => {
    const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\n\n"multi\nline",z\n"",\n');
    assert.deepEqual(
      rows.map((r) => [r.line, r.cells]),
      [
        [1, ['a', 'b']],
        [2, ['x, y', 'say "hi"']],
        [4, ['multi\nline', 'z']],
        [6, ['', '']],
      ],
    );
    assert.throws(() => parseCsv('"open\n'), /unterminated quoted field starting on line 1/);
  });

  it('picks the "subject" column, a named one, or the first; refuses an unknown column', () => {
    const dir = tempDir('cdcctl-csv-');
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'ticket,subject,id\nT1,s1,i1\nT2,s2,i2\n');
    assert.deepEqual(
      readCsvColumn(f, {}).map((r) => r.value),
      ['s1', 's2'],
    );
    assert.deepEqual(
      readCsvColumn(f, {column: 'id'}).map((r) => [r.line, r.value]),
      [
        [2, 'i1'],
        [3, 'i2'],
      ],
    );
    assert.deepEqual(
      readCsvColumn(f, {noHeader: true}).map((r) => r.value),
      ['ticket', 'T1', 'T2'],
    );
    assert.throws(() => readCsvColumn(f, {column: 'email'}), /no column "email"/);
  });
});

describe('batch final state', () => {
  const item = (state: BatchItemRecord['state']): BatchItemRecord => ({
    step: 's',
    item: 0,
    label: 'x',
    state,
    attempts: 1,
    result: null,
    error: null,
    startedAt: null,
    finishedAt: null,
  });
  it('succeeded only when every item did; partial with some; failed with none; cancelled wins', () => {
    assert.equal(finalState([item('succeeded'), item('succeeded')], false), 'succeeded');
    assert.equal(finalState([item('succeeded'), item('pending')], false), 'partial');
    assert.equal(finalState([item('failed'), item('skipped')], false), 'failed');
    assert.equal(finalState([item('succeeded')], true), 'cancelled');
  });
});
