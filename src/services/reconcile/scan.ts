import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import {entryUrl} from '../../entry-url.js';
import type {Split} from './cassandra-side.js';
import type {Buckets} from './hash.js';
import type {Spare, WorkerInput, WorkerMessage} from './scan-worker.js';

/**
 * Runs the Cassandra scan over worker threads: each worker holds its own client and pulls the next
 * split when it has finished one (bounded work in flight), the main thread merges per-split results
 * as they arrive (so a checkpoint is always exact: finished splits only).
 */
export interface ScanOptions extends Omit<WorkerInput, 'rateLimit'> {
  splits: Split[];
  workers?: number;
  /** Global rows/s limit, shared evenly by the workers. */
  rateLimit?: number;
  /** Merges a finished split. `result.sparse` is lent: its buffers are reused once this returns. */
  onSplit?: (result: SplitResult) => void | Promise<void>;
  onProgress?: (rows: number) => void;
}

export interface SplitResult {
  split: number;
  rows: number;
  young: number;
  /** Sparse sums: bucket ids and [n, hi, lo] per id. */
  sparse?: {ids: Uint32Array; sums: Float64Array};
  collected?: Array<[string, number, string]>;
}

export class ScanError extends Error {
  constructor(
    message: string,
    readonly driverName: string,
  ) {
    super(message);
  }
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

function workerUrl(): URL {
  return entryUrl('services/reconcile/scan-worker', import.meta.url);
}

export async function runScan(options: ScanOptions): Promise<void> {
  const {splits, onSplit, onProgress, workers: wanted, rateLimit, ...rest} = options;
  const count = Math.max(1, Math.min(wanted ?? defaultWorkers(), splits.length));
  if (splits.length === 0) return;
  const queue = [...splits];
  const perWorker = rateLimit ? rateLimit / count : undefined;
  const input: WorkerInput = {...rest, rateLimit: perWorker};
  const threads: Worker[] = [];
  let failure: Error | undefined;
  let chain = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    let active = count;
    const finish = (w: Worker) => {
      w.postMessage({stop: true});
      if (--active === 0) failure ? reject(failure) : resolve();
    };
    /** The next split for `w`, with the buffers of its last result to fill again. */
    const next = (w: Worker, spare?: Spare) => {
      const split = failure ? undefined : queue.shift();
      if (split) w.postMessage({split, spare}, spare ? [spare.ids, spare.sums] : []);
      else finish(w);
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(workerUrl(), {workerData: input, resourceLimits: {maxOldGenerationSizeMb: 192}});
      threads.push(w);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') next(w);
        else if (m.type === 'progress') onProgress?.(m.rows);
        else if (m.type === 'error') {
          failure ??= new ScanError(m.message, m.name);
          finish(w);
        } else if (m.type === 'done') {
          const result: SplitResult = {split: m.split, rows: m.rows, young: m.young, collected: m.collected};
          const spare = m.ids && m.sums ? {ids: m.ids, sums: m.sums} : undefined;
          if (spare) {
            const n = m.touched ?? 0;
            result.sparse = {ids: new Uint32Array(spare.ids, 0, n), sums: new Float64Array(spare.sums, 0, n * 3)};
          }
          // results are applied one at a time, in arrival order (checkpoints never interleave); once
          // merged, the sums' buffers go back to the worker with its next split
          chain = chain
            .then(() => onSplit?.(result))
            .catch((err) => {
              failure ??= err as Error;
            });
          chain.then(() => next(w, spare));
        }
      });
      w.on('error', (err) => {
        failure ??= err;
        finish(w);
      });
    }
  }).finally(async () => {
    await chain;
    await Promise.all(threads.map((t) => t.terminate().catch(() => 0)));
  });
}

/** Adds a split's sparse sums into dense buckets. */
export function addSparse(into: Buckets, sparse: {ids: Uint32Array; sums: Float64Array}): void {
  const {ids, sums} = sparse;
  for (let i = 0; i < ids.length; i++) {
    const b = ids[i] as number;
    into.n[b] = (into.n[b] as number) + (sums[i * 3] as number);
    into.hi[b] = (into.hi[b] as number) + (sums[i * 3 + 1] as number);
    into.lo[b] = (into.lo[b] as number) + (sums[i * 3 + 2] as number);
  }
}
