import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseWhere} from '../../src/cli/flags/backfill.js';
import {copyField, parseShard, parseTokens, plannedSplits} from '../../src/services/backfill/cassandra.js';
import {
  applyNotification,
  isCaptured,
  keyFraction,
  parseNotification,
  snapshotMatcher,
} from '../../src/services/backfill/signals.js';
import {conditionProblem} from '../../src/services/backfill/source-db.js';
import type {TableProgress} from '../../src/services/backfill/types.js';

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
});
