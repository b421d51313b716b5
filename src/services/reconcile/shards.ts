import {setTimeout as sleep} from 'node:timers/promises';
import {CdcError, ExitCode} from '../../errors.js';
import type {Logger} from '../../log.js';
import type {Store} from '../../store/index.js';
import {type ShardPhase, type ShardState, shardStates} from '../../store/reconcile.js';
import {addBuckets, type Buckets, bucketsFromBuffer, newBuckets} from './hash.js';

/**
 * How the shards of one run (`--shard i/N`, same `--run-id`, e.g. a Kubernetes Indexed Job) divide
 * a table: shard i reads only the token splits whose id ≡ i (mod N) — the Cassandra read divides by
 * N — and owns a block of the buckets: PostgreSQL hashes only the rows of that block for it, and it
 * drills into that block. They meet twice in the store: once every scan is saved (each shard then
 * adds up all shards' sums of both sides and finds the run's differing buckets), and once each
 * shard has published the keys its token ranges hold in those buckets (each shard then drills into
 * its own differing buckets with everyone's keys). A shard that waits in vain (--shard-timeout)
 * reads the missing part itself (engine.ts), so shards that do not run together still finish.
 */

const ORDER: Record<ShardPhase, number> = {scanned: 1, published: 2};
const FINISHED = new Set(['clean', 'drift', 'gave_up']);

function reached(s: ShardState, phase: ShardPhase): boolean {
  return FINISHED.has(s.status) || (s.phase !== null && ORDER[s.phase] >= ORDER[phase]);
}

function lateShards(count: number, states: ShardState[], phase: ShardPhase): number[] {
  return [...Array(count).keys()].filter((i) => {
    const s = states.find((x) => x.shard === i);
    return !s || !reached(s, phase);
  });
}

export interface ShardWait {
  store: Store;
  runId: string;
  table: string;
  shards: number;
  /** This shard's layout: every shard must use the same. */
  buckets: number;
  splits: number;
  /** Give up on shards that have not been running for this long (a running one is waited for). */
  timeoutMs: number;
  /** Which of these shards a process is working on right now. */
  running: (shards: number[]) => Promise<number[]>;
  log: Logger;
}

/**
 * Waits until every shard of the run has reached `phase` on this table. Shards that are running are
 * waited for however long they take; once none of the missing ones has been running for `timeoutMs`,
 * gives up on them. Returns the states (with both sides' sums when all reached 'scanned') and the
 * missing shards.
 */
export async function waitForShards(w: ShardWait, phase: ShardPhase): Promise<{states: ShardState[]; late: number[]}> {
  let lastSeenRunning = Date.now();
  let lastLog = 0;
  for (;;) {
    // polled without the sums (a few MB per shard): they are read once, when everyone is there
    const states = await shardStates(w.store, w.runId, w.table);
    const odd = states.find((s) => s.buckets !== w.buckets || s.splits !== w.splits || s.shard >= w.shards);
    if (odd) {
      throw new CdcError(
        'RECONCILE_SHARD_MISMATCH',
        ExitCode.usage,
        `${w.table}: shard ${odd.shard} of run ${w.runId} uses ${odd.buckets} buckets and ${odd.splits} splits (this shard: ${w.buckets} and ${w.splits}, ${w.shards} shards)`,
        {hint: 'Every shard of a run needs the same --shard N, --buckets and --splits (or none of the last two).'},
      );
    }
    const late = lateShards(w.shards, states, phase);
    if (late.length === 0) {
      if (phase !== 'scanned') return {states, late};
      const withSums = await shardStates(w.store, w.runId, w.table, true);
      // still all there (a shard started again in between would be scanning anew)
      if (lateShards(w.shards, withSums, phase).length === 0) return {states: withSums, late};
      continue;
    }
    if ((await w.running(late)).length > 0) lastSeenRunning = Date.now();
    else if (Date.now() - lastSeenRunning > w.timeoutMs) return {states, late};
    if (Date.now() - lastLog > 30_000) {
      const what = phase === 'scanned' ? 'finish scanning' : 'publish their drill-down keys';
      w.log.info(`${w.table}: waiting for shard(s) ${late.join(', ')} of ${w.shards} to ${what}`);
      lastLog = Date.now();
    }
    await sleep(500);
  }
}

/** The whole table's bucket sums on one side: every shard's saved sums added up. */
export function mergedBuckets(states: ShardState[], side: 'checkpoint' | 'pgCheckpoint', buckets: number): Buckets {
  const all = newBuckets(buckets);
  for (const s of states) {
    const saved = s[side];
    if (saved) addBuckets(all, bucketsFromBuffer(saved, buckets));
  }
  return all;
}
