import type {OffsetMap} from '../../clients/kafka.js';
import type {DlqStatus} from '../../store/dlq-records.js';

/**
 * The pure rules of `dlq replay`'s journal (replay.ts does the I/O around them). A record moves
 *   new ──claim──▶ replaying ──send, confirm──▶ replayed
 * and one left `replaying` by a crash is in doubt: resuming the run finds it in the target topic
 * (after the run's checkpoint, with this run's headers) and confirms it, or sends it again.
 */

/** The statuses a run may claim: `new`, and with --force also `replayed` (never discarded or in doubt). */
export function claimableStatuses(force: boolean): DlqStatus[] {
  return force ? ['new', 'replayed'] : ['new'];
}

/**
 * Advances a run's per-partition checkpoints with the base offsets of an acknowledged send: only ever
 * forward (a partition's checkpoint is the highest base offset confirmed), a partition new to the run
 * starts at its first send, and an unknown offset (-1) is ignored. Changes `checkpoints` in place.
 */
export function advanceCheckpoints(
  checkpoints: OffsetMap,
  sent: ReadonlyArray<{topic: string; partition: number; baseOffset: string}>,
): OffsetMap {
  for (const r of sent) {
    checkpoints[r.topic] ??= {};
    const cp = checkpoints[r.topic] as Record<number, string>;
    const prev = cp[r.partition];
    if (r.baseOffset !== '-1' && (prev === undefined || BigInt(r.baseOffset) > BigInt(prev))) {
      cp[r.partition] = r.baseOffset;
    }
  }
  return checkpoints;
}

/** How long a resume waits before reading the target topic: until `settleMs` after the run's last progress. */
export function settleDelayMs(lastProgressAt: string, settleMs: number, now: number): number {
  return Math.max(0, Date.parse(lastProgressAt) + settleMs - now);
}

/**
 * Settles the records a crash left in doubt: the ones found in the target topic were sent (confirm
 * them, never send them twice), the others were not (send them again), in their journal order.
 */
export function settleInDoubt<R extends {id: string}>(
  doubt: readonly R[],
  found: ReadonlySet<string>,
): {confirm: string[]; resend: R[]} {
  return {
    confirm: doubt.filter((r) => found.has(r.id)).map((r) => r.id),
    resend: doubt.filter((r) => !found.has(r.id)),
  };
}
