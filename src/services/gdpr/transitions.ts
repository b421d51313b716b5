import {type BackupRow, type GdprState, TERMINAL_STATES} from '../../store/gdpr-journal.js';

/**
 * The state machine of a GDPR erasure request, apart from the I/O that carries it out (saga.ts):
 *   requested → located → backed_up → cassandra_deleted → postgres_deleted → settled → verified → closed
 *   (PostgreSQL failure with on-failure restore, or `gdpr restore`) → compensating → restored | needs_operator
 */

export type Step =
  | 'locate'
  | 'backup'
  | 'cassandra_delete'
  | 'postgres_delete'
  | 'settle'
  | 'verify'
  | 'purge'
  | 'restore'
  | 'verify_restore';

/**
 * The step that moves a request on from each state, the state it leads to, and the steps that run
 * with it. Saga.step dispatches on it and `gdpr resume --dry-run` plans with it.
 */
export const NEXT: Partial<Record<GdprState, {step: Step; to: GdprState; with?: Step[]}>> = {
  requested: {step: 'locate', to: 'located'},
  located: {step: 'backup', to: 'backed_up'},
  backed_up: {step: 'cassandra_delete', to: 'cassandra_deleted'},
  cassandra_deleted: {step: 'postgres_delete', to: 'postgres_deleted'},
  postgres_deleted: {step: 'settle', to: 'settled'},
  settled: {step: 'verify', to: 'verified'},
  verified: {step: 'purge', to: 'closed'},
  compensating: {step: 'restore', to: 'restored', with: ['verify_restore']},
};

/** The backup may be purged (and the request closed): its grace period is over, or it is gone. */
export function purgeDue(backup: BackupRow | undefined, now = Date.now()): boolean {
  return !backup || backup.purgedAt !== null || new Date(backup.expiresAt).getTime() <= now;
}

/**
 * The steps a resume runs from `state` and the state it reaches: every step of NEXT in turn, stopping
 * before the purge while `purgeAllowed` is false (the backup's grace period is not over).
 */
export function resumePath(state: GdprState, purgeAllowed: boolean): {steps: Step[]; to: GdprState} {
  const steps: Step[] = [];
  let to = state;
  for (let next = NEXT[to]; next; next = NEXT[to]) {
    if (next.step === 'purge' && !purgeAllowed) break;
    steps.push(next.step, ...(next.with ?? []));
    to = next.to;
  }
  return {steps, to};
}

/** What `gdpr resume` does with a request: leave it to an operator, nothing (finished), run steps, or wait for the purge. */
export function resumeAction(
  state: GdprState,
  steps: readonly Step[],
): 'needs_operator' | 'finished' | 'resume' | 'wait' {
  if (state === 'needs_operator') return 'needs_operator';
  if (TERMINAL_STATES.includes(state)) return 'finished';
  return steps.length ? 'resume' : 'wait';
}

/**
 * Where a request goes when its PostgreSQL delete fails for good after the Cassandra delete:
 * compensation (restore Cassandra) with on-failure restore, else it stays cassandra_deleted for a later resume.
 */
export function afterPostgresFailure(onFailure: 'restore' | 'retry' | null | undefined): GdprState {
  return onFailure === 'restore' ? 'compensating' : 'cassandra_deleted';
}

/**
 * Whether `gdpr restore` may compensate a request: `already` when it is restored, else a reason it
 * cannot (no backup left, or nothing deleted yet), or `ok`.
 */
export function restoreCheck(
  state: GdprState,
  hasBackup: boolean,
  deleteTsUs: unknown,
): 'already' | 'no-backup' | 'nothing-deleted' | 'ok' {
  if (state === 'restored') return 'already';
  if (!hasBackup || state === 'closed') return 'no-backup';
  if (state === 'requested' || state === 'located' || (state === 'backed_up' && deleteTsUs === null))
    return 'nothing-deleted';
  return 'ok';
}
