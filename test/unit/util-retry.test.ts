import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {retryWhile} from '../../src/util/retry.js';

describe('retryWhile', () => {
  const transient = (err: unknown) => (err as Error).message === 'again';
  it('retries what is retriable until it works, telling onRetry once', async () => {
    let calls = 0;
    const heard: unknown[] = [];
    const v = await retryWhile(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error('again');
        return 'done';
      },
      {retriable: transient, forMs: 5000, firstDelayMs: 1, maxDelayMs: 4, onRetry: (e) => heard.push(e)},
    );
    assert.equal(v, 'done');
    assert.equal(calls, 4);
    assert.equal(heard.length, 1);
  });
  it('throws at once what is not retriable, and the last error after the deadline', async () => {
    let calls = 0;
    const fatal = retryWhile(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      {retriable: transient, forMs: 5000, firstDelayMs: 1, maxDelayMs: 1},
    );
    await assert.rejects(fatal, /fatal/);
    assert.equal(calls, 1);
    const t0 = Date.now();
    await assert.rejects(
      retryWhile(
        async () => {
          throw new Error('again');
        },
        {retriable: transient, forMs: 60, firstDelayMs: 10, maxDelayMs: 20},
      ),
      /again/,
    );
    assert.ok(Date.now() - t0 < 1000);
  });
});
