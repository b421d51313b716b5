import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {types} from 'cassandra-driver';
import {parseWhere} from '../../src/cli/flags/backfill.js';
import {
  copyField,
  decimalPlain,
  fieldWriter,
  parseShard,
  parseTokens,
  pgValue,
  plannedSplits,
} from '../../src/services/backfill/cassandra.js';
import {
  applyNotification,
  isCaptured,
  keyFraction,
  parseNotification,
  snapshotMatcher,
} from '../../src/services/backfill/signals.js';
import {conditionProblem} from '../../src/services/backfill/source-db.js';
import type {TableProgress} from '../../src/services/backfill/types.js';
import {T} from '../../src/services/reconcile/canonical.js';
import type {ResolvedColumn} from '../../src/services/reconcile/spec.js';

describe('backfill: pure parts', () => {
  it('--where: per table, or bare for a single table', () => {
    assert.deepEqual(parseWhere(['id > 3'], ['public.a']), {'public.a': 'id > 3'});
    assert.deepEqual(parseWhere(['public.b: x = 1', 'public.a:y<2'], ['public.a', 'public.b']), {
      'public.a': 'y<2',
      'public.b': 'x = 1',
    });
    assert.throws(() => parseWhere(['x = 1'], ['public.a', 'public.b']), /names no --table/);
    assert.throws(() => parseWhere(['x = 1', 'y = 2'], ['public.a']), /two --where/);
  });

  it('a condition cannot reach beyond its WHERE clause', () => {
    assert.equal(conditionProblem("name = 'a;b' AND (qty > 1)"), undefined);
    assert.match(conditionProblem('qty = 1; DROP TABLE t') ?? '', /;/);
    assert.match(conditionProblem('qty = 1 -- x') ?? '', /comment/);
    assert.match(conditionProblem('qty = 1 /* x */') ?? '', /comment/);
    assert.match(conditionProblem('qty = 1) UNION (SELECT 1') ?? '', /parenthesis/);
    assert.match(conditionProblem("name = 'open") ?? '', /quote/);
    assert.match(conditionProblem('$$x$$ = 1') ?? '', /dollar/);
    assert.match(conditionProblem('  ') ?? '', /empty/);
  });

  it("captured tables follow Debezium's include/exclude lists (full-match regexes)", () => {
    assert.equal(isCaptured({'table.include.list': 'public.customers,public.orders'}, 'public.orders'), true);
    assert.equal(isCaptured({'table.include.list': 'public.customers'}, 'public.customers_old'), false);
    assert.equal(isCaptured({'table.include.list': 'inv\\..*'}, 'inv.items'), true);
    assert.equal(isCaptured({'table.exclude.list': 'public.audit'}, 'public.audit'), false);
    assert.equal(isCaptured({'schema.include.list': 'sales'}, 'public.orders'), false);
    assert.equal(isCaptured({}, 'public.orders'), true);
    assert.equal(isCaptured({}, 'pg_catalog.pg_class'), false);
  });

  it('notifications drive the tables’ progress and the outcome', () => {
    const value = (type: string, data: Record<string, string>) =>
      Buffer.from(
        JSON.stringify({
          schema: {},
          payload: {id: 's1', type, aggregate_type: 'Incremental Snapshot', additional_data: data, timestamp: 1},
        }),
      );
    const tables: TableProgress[] = [
      {table: 'public.a', state: 'pending', chunks: 0},
      {table: 'public.b', state: 'pending', chunks: 0},
    ];
    const apply = (type: string, data: Record<string, string> = {}) =>
      applyNotification(
        tables,
        parseNotification(value(type, data)) as NonNullable<ReturnType<typeof parseNotification>>,
      );
    assert.equal(apply('STARTED'), 'running');
    assert.equal(
      apply('IN_PROGRESS', {
        current_collection_in_progress: 'public.a',
        last_processed_key: '[25]',
        maximum_key: '[100]',
      }),
      'running',
    );
    assert.equal(tables[0]?.fraction, 0.25);
    assert.equal(
      apply('TABLE_SCAN_COMPLETED', {scanned_collection: 'public.a', status: 'SUCCEEDED', total_rows_scanned: '100'}),
      undefined,
    );
    assert.equal(apply('TABLE_SCAN_COMPLETED', {scanned_collection: 'public.b', status: 'SQL_EXCEPTION'}), undefined);
    assert.equal(apply('COMPLETED'), 'skipped');
    assert.deepEqual(
      tables.map((t) => t.state),
      ['done', 'skipped'],
    );
    // without a table scan completed (stop-snapshot), the table ends aborted
    const stopped: TableProgress[] = [{table: 'public.a', state: 'running', chunks: 3}];
    assert.equal(applyNotification(stopped, {id: 's', type: 'COMPLETED', aggregateType: 'x', data: {}}), 'aborted');
    assert.equal(parseNotification(Buffer.from('not json')), undefined);
    assert.equal(keyFraction('abc', 'def'), undefined);
  });

  it('a blocking snapshot is followed from the first Initial Snapshot STARTED after the signal (recorded shapes)', () => {
    // as Debezium 3.6 sent them on the stack: setup's restart skipped its initial snapshot, then the signal
    const n = (id: string, type: string, timestamp: number | string) =>
      parseNotification(
        Buffer.from(
          JSON.stringify({
            schema: {},
            payload: {id, type, aggregate_type: 'Initial Snapshot', additional_data: {connector_name: 'c'}, timestamp},
          }),
        ),
      ) as NonNullable<ReturnType<typeof parseNotification>>;
    const blocking = snapshotMatcher({signalId: 'sig', mode: 'blocking', sentMs: 1000});
    assert.equal(blocking(n('a', 'SKIPPED', 900)), false, 'the restart’s own initial snapshot');
    assert.equal(blocking(n('b', 'SKIPPED', 1100)), false, 'nothing before STARTED');
    assert.equal(blocking(n('c', 'STARTED', '1200')), true, 'a timestamp as a string too');
    assert.equal(blocking(n('d', 'TABLE_SCAN_COMPLETED', 1300)), true);
    assert.equal(blocking(n('e', 'COMPLETED', 1400)), true);
    const incremental = snapshotMatcher({signalId: 'sig', mode: 'incremental', sentMs: 1000});
    assert.equal(incremental(n('c', 'STARTED', 1200)), false, 'incremental: by the signal id only');
    assert.equal(incremental(n('sig', 'STARTED', 1200)), true);
  });

  it('token splits: shards partition the ring; --tokens clips; the first split starts at −2^63', () => {
    const all = plannedSplits(8, {index: 0, count: 1});
    assert.equal(all.length, 8);
    assert.equal(all[0]?.start, (-(2n ** 63n)).toString());
    assert.equal(all[7]?.end, (2n ** 63n - 1n).toString());
    const a = plannedSplits(8, {index: 0, count: 2}).map((s) => s.id);
    const b = plannedSplits(8, {index: 1, count: 2}).map((s) => s.id);
    assert.deepEqual([...a, ...b].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const clipped = plannedSplits(8, {index: 0, count: 1}, parseTokens('-100:100'));
    assert.deepEqual(
      clipped.map((s) => [s.start, s.end]),
      [
        ['-101', '-1'],
        ['-1', '100'],
      ],
    );
    assert.throws(() => parseTokens('5:1'), /from must be/);
    assert.throws(() => parseShard('2/2'), /i\/N/);
    assert.deepEqual(parseShard('1/4'), {index: 1, count: 4});
  });

  it('COPY fields: NULL, escapes, arrays, JSON, bytes', () => {
    assert.equal(copyField(null), '\\N');
    assert.equal(copyField('a\tb\\c\nd'), 'a\\tb\\\\c\\nd');
    assert.equal(copyField(['x', 'y"z', null]), '{"x","y\\\\"z",NULL}');
    assert.equal(copyField({a: 1}), '{"a":1}');
    assert.equal(copyField(Buffer.from([1, 255])), '\\\\x01ff');
  });

  it('decimals keep their own scale, built from the driver BigDecimal without its toString', () => {
    const d = (unscaled: number | string, scale: number) =>
      new types.BigDecimal(types.Integer.fromString(String(unscaled)) as unknown as number, scale);
    const cases: Array<[number | string, number, string]> = [
      [150, 2, '1.50'],
      [-5, 3, '-0.005'],
      [0, 2, '0.00'],
      [0, 0, '0'],
      [12, -2, '1200'],
      [123456789, 0, '123456789'],
      [-1, 0, '-1'],
      [7, 11, '0.00000000007'],
    ];
    for (const [u, scale, want] of cases) assert.equal(decimalPlain(d(u, scale)), want, `${u}e-${scale}`);
    // beyond 2^53 the driver's own (slow) text is kept
    const huge = d('123456789012345678901234567890', 4);
    assert.equal(decimalPlain(huge), huge.toString());
  });

  it('column writers give what the generic conversion gives (floats: the same number)', () => {
    const col = (code: number, pgType: string, info?: unknown): ResolvedColumn =>
      ({name: 'c', pg: 'c', type: {code, info}, pgType}) as unknown as ResolvedColumn;
    const exact: Array<[ResolvedColumn, unknown[]]> = [
      [col(T.text, 'text'), ['plain', 'tab\there', 'back\\slash', 'new\nline', '', null]],
      [col(T.int, 'integer'), [0, -7, 2147483647, null]],
      [col(T.boolean, 'boolean'), [true, false, null]],
      [col(T.bigint, 'bigint'), [types.Long.fromString('-9223372036854775808'), types.Long.fromNumber(42), null]],
      [col(T.uuid, 'uuid'), [types.Uuid.fromString('6b2a8d3e-1c4f-4a3b-9e5d-7f8a9b0c1d2e'), null]],
      [col(T.timestamp, 'timestamp with time zone'), [new Date(0), new Date('2024-02-29T12:34:56.789Z'), null]],
      [col(T.date, 'date'), [types.LocalDate.fromString('2024-02-29'), null]],
      [col(T.set, 'jsonb', {code: T.text}), [['a', 'b'], [], null]],
      [col(T.double, 'numeric'), [0.1, null]],
    ];
    for (const [c, values] of exact) {
      const w = fieldWriter(c);
      for (const v of values) assert.equal(w(v), copyField(pgValue(c, v)), `${c.pgType} ${String(v)}`);
    }
    for (const [code, pgType] of [
      [T.double, 'double precision'],
      [T.float, 'real'],
    ] as const) {
      const c = col(code, pgType);
      const w = fieldWriter(c);
      for (const v of [
        0.1,
        -2.5e-7,
        1e21,
        3.4028234663852886e38,
        Math.fround(0.1),
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ]) {
        const fast = w(v);
        const generic = copyField(pgValue(c, v));
        assert.ok(
          Object.is(Number(fast), Number(generic)) ||
            (code === T.float && Math.fround(Number(fast)) === Math.fround(Number(generic))),
          `${pgType} ${v}: ${fast} vs ${generic}`,
        );
      }
      assert.equal(w(-0), '-0');
      assert.equal(w(null), '\\N');
    }
  });
});
