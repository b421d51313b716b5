import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {qualitySchema} from '../../src/config/schema.js';
import {changePercent, deviation, judge, registryFields} from '../../src/services/quality/engine.js';
import {resolveRules} from '../../src/services/quality/rules.js';
import {duplicatesQuery, orphansWhere, singlePassQuery} from '../../src/services/quality/sql.js';
import type {ResolvedCheck, ResolvedTable} from '../../src/services/quality/types.js';
import {jsRegex, rowJudge} from '../../src/services/quality/validate-events.js';
import {repoRoot} from '../helpers.js';

/** Pure parts of `quality`: rule resolution, thresholds, change and anomaly maths, SQL shape, row judges. */

const rules = (tables: unknown) => resolveRules(qualitySchema.parse({tables}), 'test');

describe('quality rules', () => {
  it('rejects identifiers that are not identifiers, and unknown keys', () => {
    for (const bad of [
      {table: 'a.b', checks: [{type: 'missing', column: 'x; DROP TABLE y'}]},
      {table: 'a.b"; --', checks: [{type: 'row_count'}]},
      {table: 'a.b', checks: [{type: 'duplicates', columns: ['a b']}]},
      {table: 'a.b', checks: [{type: 'row_count', where: 'true'}]},
      {table: 'a.b', checks: [{type: 'pattern', column: 'x'}]},
      {table: 'a.b', checks: [{type: 'range', column: 'x'}]},
    ])
      assert.equal(qualitySchema.safeParse({tables: [bad]}).success, false, JSON.stringify(bad));
  });

  it('names checks, defaults thresholds, turns durations into seconds, refuses duplicate names', () => {
    const [t] = rules([
      {
        table: 's.t',
        updatedAt: 'u',
        checks: [
          {type: 'row_count'},
          {type: 'missing', column: 'a'},
          {type: 'pattern', column: 'e', format: 'email'},
          {type: 'freshness', warn: {max: '15m'}, fail: {max: '2h'}},
          {type: 'sql', query: 'SELECT 1', name: 'one'},
        ],
      },
    ]);
    assert.deepEqual(
      t?.checks.map((c) => [c.name, c.warn, c.fail]),
      [
        ['row_count', undefined, {min: 1}],
        ['missing_a', undefined, {max: 0}],
        ['format_e', undefined, {max: 0}],
        ['freshness', {min: undefined, max: 900}, {min: undefined, max: 7200}],
        ['one', undefined, undefined],
      ],
    );
    assert.throws(
      () =>
        rules([
          {
            table: 's.t',
            checks: [
              {type: 'missing', column: 'a'},
              {type: 'missing', column: 'a'},
            ],
          },
        ]),
      /a second check named missing_a/,
    );
  });
});

describe('quality judgement', () => {
  it('fail beats warn; bounds are inclusive', () => {
    assert.deepEqual(judge(5, {max: 5}, {max: 10}), {status: 'pass'});
    assert.equal(judge(6, {max: 5}, {max: 10}).status, 'warn');
    assert.equal(judge(11, {max: 5}, {max: 10}).status, 'fail');
    assert.equal(judge(0, undefined, {min: 1}).status, 'fail');
  });

  it('change since the last run and deviation from the trailing runs', () => {
    assert.equal(changePercent(100, 150), 50);
    assert.equal(changePercent(100, 50), -50);
    assert.equal(changePercent(0, 0), 0);
    assert.equal(changePercent(0, 1), Number.POSITIVE_INFINITY);
    assert.equal(deviation([10, 10, 10], 10), 0);
    assert.equal(deviation([10, 10, 10], 11), Number.POSITIVE_INFINITY);
    assert.equal(deviation([9, 11, 9, 11], 13), 3);
  });
});

describe('quality SQL', () => {
  const [t] = rules([
    {
      table: 's.t',
      updatedAt: 'u',
      checks: [
        {type: 'row_count'},
        {type: 'freshness'},
        {type: 'missing', column: 'name'},
        {type: 'values_in_set', column: 'status', values: ["a'; DROP TABLE t; --", 'b']},
        {type: 'pattern', column: 'email', regex: "^x'$"},
        {type: 'range', column: 'n', min: 0, max: "9'"},
        {type: 'length', column: 'code', max: 5},
      ],
    },
  ]);
  const types = new Map([
    ['name', 'text'],
    ['status', 'text'],
    ['email', 'character varying'],
    ['n', 'integer'],
    ['code', 'text'],
  ]);

  it('one aggregate over one scan, every user value a bind parameter', () => {
    const table = t as ResolvedTable;
    const q = singlePassQuery(table, table.checks, types);
    assert.equal((q.text.match(/ FROM "/g) ?? []).length, 1);
    assert.equal((q.text.match(/FILTER \(WHERE/g) ?? []).length, 5);
    assert.doesNotMatch(q.text, /DROP|x'|9'/);
    assert.deepEqual(q.values, [["a'; DROP TABLE t; --", 'b'], "^x'$", 0, "9'", 5]);
    assert.match(q.text, /^SELECT count\(\*\)::float8 AS m__rows, count\(\*\)::float8 AS m0, /);
    assert.match(q.text, /FROM "s"\."t" x$/);
  });

  it('duplicates and orphans: quoted identifiers, NULLs left out', () => {
    assert.match(
      duplicatesQuery(t as ResolvedTable, ['a', 'b']),
      /WHERE x\."a" IS NOT NULL AND x\."b" IS NOT NULL GROUP BY x\."a", x\."b" HAVING count\(\*\) > 1/,
    );
    assert.equal(
      orphansWhere(['c'], {table: 'p.q', columns: ['id']}),
      'x."c" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "p"."q" r WHERE r."id" = x."c")',
    );
  });
});

describe('quality validate: row judges', () => {
  const [t] = rules([
    {
      table: 's.t',
      checks: [
        {type: 'missing', column: 'a'},
        {type: 'values_in_set', column: 'b', values: [1, 2]},
        {type: 'pattern', column: 'c', format: 'email'},
        {type: 'range', column: 'd', min: 0, max: 10},
        {type: 'range', column: 'e', min: '2020-01-01'},
        {type: 'length', column: 'f', min: 2, max: 3},
      ],
    },
  ]);
  const j = (i: number) => rowJudge((t as ResolvedTable).checks[i] as ResolvedCheck);
  it('judge present values; blank text is missing', () => {
    assert.equal(j(0)('  '), 'missing');
    assert.equal(j(0)('x'), undefined);
    assert.equal(j(1)(2), undefined);
    assert.equal(j(1)(3), 'not in the allowed values');
    assert.equal(j(1)(null), undefined);
    const [deny] = rules([
      {table: 's.t', checks: [{type: 'values_in_set', column: 'b', values: ['x'], invalid: true}]},
    ]);
    const d = rowJudge((deny as ResolvedTable).checks[0] as ResolvedCheck);
    assert.equal(d('x'), 'one of the invalid values');
    assert.equal(d('y'), undefined);
    assert.equal(j(2)('a@b.co'), undefined);
    assert.equal(j(2)('a@b'), 'not a valid email');
    assert.equal(j(2)(''), undefined);
    assert.equal(j(3)(11), 'above 10');
    assert.equal(j(3)('-1'), 'below 0');
    assert.equal(j(4)('2019-12-31'), 'below 2020-01-01');
    assert.equal(j(5)('abcd'), 'length 4 > 3');
    assert.ok(jsRegex('^[^@[:space:]]+$').test('ab'));
  });
});

describe('quality schema check: registry fields', () => {
  it("reads a Debezium envelope's after record, a plain record, and JSON Schema properties", () => {
    const row = {
      type: 'record',
      name: 'V',
      fields: [
        {name: 'id', type: 'int'},
        {name: 'email', type: ['null', 'string']},
      ],
    };
    const env = {
      type: 'record',
      name: 'E',
      fields: [
        {name: 'after', type: ['null', row]},
        {name: 'op', type: 'string'},
      ],
    };
    assert.deepEqual(registryFields(JSON.stringify(env), 'AVRO'), ['id', 'email']);
    // Debezium's own layout: the record inline in `before`, named by `after`
    const named = {
      ...env,
      fields: [
        {name: 'before', type: ['null', row]},
        {name: 'after', type: ['null', 'V']},
        {name: 'op', type: 'string'},
      ],
    };
    assert.deepEqual(registryFields(JSON.stringify(named), 'AVRO'), ['id', 'email']);
    assert.deepEqual(registryFields(JSON.stringify(row), 'AVRO'), ['id', 'email']);
    assert.deepEqual(registryFields(JSON.stringify({type: 'object', properties: {a: {}, b: {}}}), 'JSON'), ['a', 'b']);
  });
});

describe('quality alert rule (examples/stack/conf/rules.yml)', () => {
  it('CdcQualityCheckFailed fires per check from a failing pushed status, not from a warning', (t) => {
    if (!existsSync('/usr/bin/promtool')) {
      if (process.env.CI) throw new Error('promtool is not installed (apt-get install prometheus)');
      return t.skip('promtool is not installed');
    }
    const dir = mkdtempSync(join(tmpdir(), 'i25q-prom-'));
    const file = join(dir, 'quality-rules.test.yml');
    writeFileSync(
      file,
      JSON.stringify({
        rule_files: [join(repoRoot, 'examples/stack/conf/rules.yml')],
        evaluation_interval: '1s',
        tests: [
          {
            interval: '1s',
            input_series: [
              {
                series: 'cdc_quality_check_status{job="cdc_quality",table="demo.accounts",check="missing_name"}',
                values: '0 2 2',
              },
              {
                series: 'cdc_quality_check_status{job="cdc_quality",table="demo.accounts",check="row_count"}',
                values: '0 1 1',
              },
            ],
            alert_rule_test: [
              {eval_time: '0s', alertname: 'CdcQualityCheckFailed', exp_alerts: []},
              {
                eval_time: '2s',
                alertname: 'CdcQualityCheckFailed',
                exp_alerts: [
                  {
                    exp_labels: {
                      severity: 'warning',
                      job: 'cdc_quality',
                      table: 'demo.accounts',
                      check: 'missing_name',
                    },
                    exp_annotations: {
                      summary: 'Data-quality check missing_name of demo.accounts fails',
                      description: 'See `cdcctl quality history --table demo.accounts --check missing_name`',
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const out = execFileSync('promtool', ['test', 'rules', file], {encoding: 'utf8'});
    assert.match(out, /SUCCESS/);
  });
});
