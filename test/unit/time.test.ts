import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {gdprSchema, httpEndpointSchema} from '../../src/config/schema.js';
import {CdcError} from '../../src/errors.js';
import {rangeWindow} from '../../src/services/metrics/query.js';
import {bigintId} from '../../src/store/sql.js';
import {
  parseAuditTime as auditTime,
  instantAt,
  MAX_TIMER_MS,
  parseDuration,
  parseGdprDuration,
  parseInstant,
  parseSpan,
  parseTimerDuration,
  parsePromTime as promTime,
} from '../../src/util/time.js';

/** Every parser of durations, instants and store ids rejects what does not fit with a usage error (exit 2). */
const usage = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof CdcError && err.exitCode === 2 && message.test(err.message));

describe('durations and instants within range', () => {
  it('every duration parser rejects one longer than the span of dates', () => {
    usage(() => parseDuration('99999999999h'), /duration "99999999999h" is too long/);
    usage(() => parseDuration(`1${'0'.repeat(400)}`), /too long/); // Infinity
    usage(() => parseSpan('99999999999d'), /too long/);
    usage(() => parseGdprDuration('99999999999d'), /too long/);
    usage(() => parseInstant('99999999999d', 'since'), /too long/);
    usage(() => auditTime('99999999999d', '--since'), /too long/);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseGdprDuration('30d'), 30 * 86_400_000);
  });

  it('a timer waits at most 2^31 − 1 ms', () => {
    assert.equal(parseTimerDuration('596h'), 596 * 3_600_000);
    usage(() => parseTimerDuration('597h'), /too long/);
    assert.ok(597 * 3_600_000 > MAX_TIMER_MS);
  });

  it('instants stay within years 1 to 9999', () => {
    usage(() => parseInstant('3000000d', 'since'), /--since 3000000d is out of range/);
    usage(() => auditTime('3000000d', '--since'), /out of range/);
    usage(() => promTime('99999999999999999'), /out of range/);
    usage(() => rangeWindow({since: '3000000d'}), /out of range/);
    usage(() => instantAt(Number.NaN, 'x'), /x is out of range/);
    assert.equal(parseInstant('2026-01-02T03:04:05Z', 'since').toISOString(), '2026-01-02T03:04:05.000Z');
  });

  it('config durations too long are rejected where the file is validated', () => {
    const parsed = gdprSchema.safeParse({backupRetention: '99999999999d'});
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /a duration of at most/);
    const timeout = httpEndpointSchema.safeParse({url: 'http://h', timeoutMs: MAX_TIMER_MS + 1});
    assert.equal(timeout.success, false, 'a timeout a timer cannot wait');
    assert.equal(httpEndpointSchema.safeParse({url: 'http://h', timeoutMs: MAX_TIMER_MS}).success, true);
  });
});

describe('store ids', () => {
  it('only a bigint (1 … 2^63 − 1) can name a row, in canonical form', () => {
    assert.equal(bigintId('42'), '42');
    assert.equal(bigintId('0042'), '42');
    assert.equal(bigintId('9223372036854775807'), '9223372036854775807');
    for (const bad of ['0', '9223372036854775808', '99999999999999999999', 'abc', '-1', '1.5', ''])
      assert.equal(bigintId(bad), undefined, bad);
  });
});
