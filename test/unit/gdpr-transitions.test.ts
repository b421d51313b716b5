import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  afterPostgresFailure,
  NEXT,
  purgeDue,
  restoreCheck,
  resumeAction,
  resumePath,
} from '../../src/services/gdpr/transitions.js';
import {type BackupRow, GDPR_STATES, type GdprState, TERMINAL_STATES} from '../../src/store/gdpr-journal.js';

/** The GDPR erasure saga's state machine without Cassandra or PostgreSQL (the I/O is in saga.ts). */

const FORWARD: GdprState[] = [
  'requested',
  'located',
  'backed_up',
  'cassandra_deleted',
  'postgres_deleted',
  'settled',
  'verified',
  'closed',
];

function backup(o: Partial<BackupRow> = {}): BackupRow {
  return {
    createdAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-08T00:00:00.000Z',
    purgedAt: null,
    sha256: 'x',
    keyId: 'k',
    rows: 1,
    iv: null,
    tag: null,
    ciphertext: Buffer.from('c'),
    ...o,
  };
}

describe('gdpr saga: transitions', () => {
  it('moves forward one step at a time, requested → … → closed, each step leading to the next state', () => {
    for (let i = 0; i < FORWARD.length - 1; i++) {
      assert.equal(NEXT[FORWARD[i] as GdprState]?.to, FORWARD[i + 1], `from ${FORWARD[i]}`);
    }
    assert.deepEqual(
      FORWARD.slice(0, -1).map((s) => NEXT[s]?.step),
      ['locate', 'backup', 'cassandra_delete', 'postgres_delete', 'settle', 'verify', 'purge'],
    );
  });

  it('compensates by restoring then verifying the restore; terminal and needs_operator states have no step', () => {
    assert.deepEqual(NEXT.compensating, {step: 'restore', to: 'restored', with: ['verify_restore']});
    for (const s of [...TERMINAL_STATES, 'needs_operator' as const]) assert.equal(NEXT[s], undefined, s);
    // every other state has a way on: no open request can be stuck without a step
    for (const s of GDPR_STATES)
      if (!TERMINAL_STATES.includes(s) && s !== 'needs_operator') assert.ok(NEXT[s], `${s} has no step`);
  });

  it('a PostgreSQL delete that fails for good compensates with on-failure restore, else waits for a resume', () => {
    assert.equal(afterPostgresFailure('restore'), 'compensating');
    assert.equal(afterPostgresFailure('retry'), 'cassandra_deleted');
    assert.equal(afterPostgresFailure(undefined), 'cassandra_deleted', 'retry is the default');
    assert.equal(NEXT[afterPostgresFailure('retry')]?.step, 'postgres_delete', 'a resume retries the delete');
    assert.equal(NEXT[afterPostgresFailure('restore')]?.step, 'restore');
  });
});

describe('gdpr saga: resume', () => {
  it('runs every remaining step from where a crash left the request, up to closed once the purge is due', () => {
    for (const [i, s] of FORWARD.entries()) {
      const {steps, to} = resumePath(s, true);
      assert.equal(to, 'closed', s);
      assert.equal(steps.length, FORWARD.length - 1 - i, `${s}: ${steps}`);
      if (steps.length) assert.equal(steps[0], NEXT[s]?.step);
    }
  });

  it('stops at verified while the backup grace period runs (then only waits)', () => {
    assert.deepEqual(resumePath('postgres_deleted', false), {steps: ['settle', 'verify'], to: 'verified'});
    assert.deepEqual(resumePath('verified', false), {steps: [], to: 'verified'});
    assert.equal(resumeAction('verified', []), 'wait');
    assert.equal(resumeAction('verified', ['purge']), 'resume');
  });

  it('finishes a compensation (restore, verify_restore → restored) and leaves terminal and operator states alone', () => {
    assert.deepEqual(resumePath('compensating', false), {steps: ['restore', 'verify_restore'], to: 'restored'});
    for (const s of TERMINAL_STATES) {
      assert.deepEqual(resumePath(s, true), {steps: [], to: s});
      assert.equal(resumeAction(s, []), 'finished');
    }
    assert.deepEqual(resumePath('needs_operator', true), {steps: [], to: 'needs_operator'});
    assert.equal(resumeAction('needs_operator', []), 'needs_operator');
  });

  it('purges the backup when its grace period is over or it is already gone', () => {
    const now = Date.parse('2026-12-05T00:00:00.000Z');
    assert.equal(purgeDue(undefined, now), true, 'no backup');
    assert.equal(purgeDue(backup(), now), false, 'within the grace period');
    assert.equal(purgeDue(backup({expiresAt: '2026-12-05T00:00:00.000Z'}), now), true, 'at its end');
    assert.equal(purgeDue(backup({purgedAt: '2026-12-02T00:00:00.000Z'}), now), true, 'already purged');
  });
});

describe('gdpr saga: explicit restore', () => {
  it('restores only what was deleted and while the backup exists', () => {
    const verdict = (s: GdprState, deleteTs: string | null = '1', has = true) => restoreCheck(s, has, deleteTs);
    assert.equal(verdict('restored'), 'already');
    assert.equal(verdict('closed'), 'no-backup', 'a closed request purged its backup');
    assert.equal(verdict('verified', '1', false), 'no-backup');
    assert.equal(verdict('requested', null), 'nothing-deleted');
    assert.equal(verdict('located', null), 'nothing-deleted');
    assert.equal(verdict('backed_up', null), 'nothing-deleted');
    assert.equal(verdict('backed_up', '1'), 'ok', 'a delete timestamp was chosen: the delete may have run');
    for (const s of ['cassandra_deleted', 'postgres_deleted', 'settled', 'verified', 'compensating', 'needs_operator'])
      assert.equal(verdict(s as GdprState), 'ok', s);
  });
});
