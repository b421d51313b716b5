import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {isTransientPgError, retryTransient} from '../../src/clients/postgres.js';
import {CdcError, ExitCode} from '../../src/errors.js';

const pgErr = (code: string, message = 'x') => Object.assign(new Error(message), {code});

describe('transient PostgreSQL errors (a restart, a reset socket)', () => {
  it('knows a restart and a cut connection from an answer that will not change', () => {
    for (const e of [
      pgErr('ECONNREFUSED'),
      pgErr('ECONNRESET'),
      pgErr('57P01', 'terminating connection due to administrator command'),
      pgErr('57P03', 'the database system is shutting down'),
      pgErr('08006'),
      new Error('Connection terminated unexpectedly'),
      new CdcError('PG_57P01', ExitCode.unreachable, 'failed while migrating', {cause: pgErr('57P01')}),
    ])
      assert.equal(isTransientPgError(e), true, e.message);
    for (const e of [
      pgErr('28P01', 'password authentication failed'),
      pgErr('42P01'),
      pgErr('ENOTFOUND'),
      pgErr('23505'),
      new Error('boom'),
    ])
      assert.equal(isTransientPgError(e), false, e.message);
  });

  it('retries a transient failure until it succeeds, telling why once; never retries another', async () => {
    let calls = 0;
    const told: unknown[] = [];
    const v = await retryTransient(
      async (attempt) => {
        calls++;
        if (attempt < 2) throw pgErr('ECONNREFUSED');
        return 'done';
      },
      {retryForMs: 5000, onRetry: (e) => told.push(e)},
    );
    assert.equal(v, 'done');
    assert.equal(calls, 3);
    assert.equal(told.length, 1);
    calls = 0;
    await assert.rejects(
      retryTransient(
        async () => {
          calls++;
          throw pgErr('28P01');
        },
        {retryForMs: 5000},
      ),
      /x/,
    );
    assert.equal(calls, 1);
  });

  it('gives up when the time is over', async () => {
    const started = Date.now();
    await assert.rejects(
      retryTransient(
        async () => {
          throw pgErr('ECONNREFUSED');
        },
        {retryForMs: 600},
      ),
    );
    const took = Date.now() - started;
    assert.ok(took >= 600 && took < 3000, `${took} ms`);
  });
});
