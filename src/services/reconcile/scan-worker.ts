import {createRequire} from 'node:module';
import {join} from 'node:path';
import {parentPort, workerData} from 'node:worker_threads';
import type {Client} from 'cassandra-driver';
import {type CassandraConnection, clientFromConnection} from '../../clients/cassandra.js';
import {awaitedLater} from '../../util/concurrency.js';
import {type Split, splitQuery} from './cassandra-side.js';
import {canonicalTable, digestTable, forgetTable, installCanonicalDecoding} from './cell-canon.js';
import {bucketOf, newBuckets, rowHasher} from './hash.js';
import {DIGEST, type DigestSpec, type PageDigest} from './page-digest.js';
import {pgHashOut, pgHashOutHex} from './pg-hash.js';
import type {ResolvedTable} from './spec.js';
import {SpillWriter} from './spill.js';

/**
 * One scan worker thread: its own Cassandra client and prepared split query; it pulls one split at
 * a time from the main thread (back-pressure: the next split is asked for only when this one is done;
 * within a split the next page is requested while the current one is hashed, so at most two pages
 * are held). It connects when it starts (workerData: WorkerStart) and then serves one scan after
 * another: a scan's job (WorkerInput), then its splits, until it is told to stop. Modes:
 *   hash    — bucket sums per split (+ a spill file of bucket/hash/key for drill-down without a rescan);
 *             each page arrives reduced to its rows' buckets, hashes and keys (page-digest.ts)
 *   read    — decode to driver values only (the benchmark's baseline A: pages parsed the driver's way, or
 *             in place, cell by cell, as collect mode parses them)
 *   collect — keys and hashes of rows in the given buckets (drill-down when a spill file is missing)
 */
/** What a worker is started with: the connection it opens once. */
export interface WorkerStart {
  conn: CassandraConnection;
}

/** One scan's job, sent before its splits. */
export interface WorkerInput {
  table: ResolvedTable;
  buckets: number;
  mode: 'hash' | 'read' | 'collect';
  fetchSize: number;
  /** read mode: pages parsed by the driver (default) or in place (cell-canon.ts), cells as driver values. */
  readParse?: 'driver' | 'in-place';
  /** Rows written after this (µs since the epoch) are left out (min-age). */
  cutoffUs?: number;
  collectBuckets?: number[];
  spillDir?: string;
  /** Rows per second for this worker (0 = unlimited). */
  rateLimit?: number;
  consistency?: number;
}

export type WorkerMessage =
  | {type: 'ready'}
  | {type: 'progress'; rows: number}
  | {
      type: 'done';
      split: number;
      rows: number;
      young: number;
      /**
       * Sparse bucket sums of this split: the first `touched` bucket ids and their [n, hi, lo]
       * triples (the buffers may be longer: they are handed back and reused, see `Spare`).
       */
      ids?: ArrayBuffer;
      sums?: ArrayBuffer;
      touched?: number;
      collected?: Array<[string, number, string]>;
    }
  | {type: 'error'; split?: number; message: string; name: string; code?: number};

const start = workerData as WorkerStart;
/** The current scan's job (the main thread sends it before the scan's first split). */
let input: WorkerInput;
const port = parentPort;
if (!port) throw new Error('scan-worker must run as a worker thread');

let client: Client | undefined;
// one dense accumulator per worker, reused: only the buckets a split touched are sent and reset
let dense: ReturnType<typeof newBuckets> | undefined;
let touched: Uint32Array | undefined;
/**
 * The buffers of the previous split's sums, handed back by the main thread once merged. Without
 * them every split sent a new pair, which died in the main thread; its heap is quiet during a scan,
 * so V8 freed them only after some 64 MB of dead buffers had piled up.
 */
let spare: Spare | undefined;

/** A split's sums buffers on their way back to the worker that filled them. */
export interface Spare {
  ids: ArrayBuffer;
  sums: ArrayBuffer;
}

/** Views of `count` ids and sums: on the spare buffers when they are big enough, else new ones. */
function sumsBuffers(count: number): {ids: Uint32Array<ArrayBuffer>; sums: Float64Array<ArrayBuffer>} {
  const reuse = spare && spare.ids.byteLength >= count * 4 ? spare : undefined;
  spare = undefined;
  // a quarter of headroom: the next split's count is about the same, give or take
  const room = Math.ceil(count * 1.25);
  const ids = reuse ? new Uint32Array(reuse.ids, 0, count) : new Uint32Array(new ArrayBuffer(room * 4), 0, count);
  const sums = reuse
    ? new Float64Array(reuse.sums, 0, count * 3)
    : new Float64Array(new ArrayBuffer(room * 24), 0, count * 3);
  return {ids, sums};
}

async function scanSplit(split: Split): Promise<void> {
  const t = input.table;
  const mask = input.buckets - 1;
  const withWt = input.cutoffUs !== undefined && input.mode !== 'read';
  const query = splitQuery(t, withWt);
  const hasher = rowHasher(t);
  if (input.mode === 'hash' && dense?.n.length !== input.buckets) {
    dense = newBuckets(input.buckets);
    touched = new Uint32Array(input.buckets);
  }
  const acc = input.mode === 'hash' ? dense : undefined;
  let nTouched = 0;
  const collect = input.collectBuckets ? new Set(input.collectBuckets) : undefined;
  const collected: Array<[string, number, string]> = [];
  const spill = input.mode === 'hash' && input.spillDir ? new SpillWriter() : undefined;
  const driver = (await import('cassandra-driver')).default;
  const {Long} = driver.types;
  // hash mode: pages reduced to digests; collect mode: canonical texts; read mode (the benchmark's
  // baselines): the driver's values, parsed its way or in place
  if (input.mode === 'hash') {
    const cutoffUs = withWt ? input.cutoffUs : undefined;
    decodeInPlace(driver, t, {
      key: t.key.map((c) => c.name),
      compared: t.compared.map((c) => c.name),
      floatBits: t.compared.filter((c) => c.floatBits).map((c) => c.name),
      lengthPrefixed: t.compared.filter((c) => c.lengthPrefixed).map((c) => c.name),
      mask,
      cutoffUs,
    });
  } else if (input.mode === 'collect') decodeInPlace(driver, t, true);
  else if (input.readParse === 'in-place') decodeInPlace(driver, t, false);
  else forgetTable(t.keyspace, t.table); // the driver's own parsing, even after an earlier scan's
  const params = [Long.fromString(split.start), Long.fromString(split.end)];
  const options = {prepare: true, fetchSize: input.fetchSize, consistency: input.consistency, autoPage: false};
  const c = client as Client;
  let rows = 0;
  let young = 0;
  const started = Date.now();
  let pending = awaitedLater(c.execute(query, params, options));
  while (pending) {
    const res = await pending;
    pending = res.pageState
      ? awaitedLater(c.execute(query, params, {...options, pageState: res.pageState}))
      : (undefined as unknown as typeof pending);
    const page = res.rows;
    const digest = (page as unknown as {[DIGEST]?: PageDigest})[DIGEST];
    let pageRows = page.length;
    if (digest) {
      // a page the parser already reduced (page-digest.ts)
      pageRows = digest.rows + digest.young;
      rows += pageRows;
      young += digest.young;
      const a = acc as NonNullable<typeof acc>;
      const {bucket, hi, lo, keys, keyEnd} = digest;
      let keyStart = 0;
      for (let i = 0; i < digest.rows; i++) {
        const b = bucket[i] as number;
        if (a.n[b] === 0) (touched as Uint32Array)[nTouched++] = b;
        a.n[b] = (a.n[b] as number) + 1;
        a.hi[b] = (a.hi[b] as number) + (hi[i] as number);
        a.lo[b] = (a.lo[b] as number) + (lo[i] as number);
        const keyEndAt = keyEnd[i] as number;
        spill?.addBytes(b, hi[i] as number, lo[i] as number, keys, keyStart, keyEndAt);
        keyStart = keyEndAt;
      }
    } else if (input.mode === 'read') {
      rows += page.length;
    } else {
      for (const r of page) {
        rows++;
        const row = r as unknown as Record<string, unknown>;
        if (withWt) {
          // writetime() is a bigint: a Long, or its decimal text once the query decodes canonically
          const wt = row.wt__ as {toNumber(): number} | string | null;
          const us = typeof wt === 'string' ? Number(wt) : wt?.toNumber();
          if (us !== undefined && us > (input.cutoffUs as number)) {
            young++;
            continue;
          }
        }
        const key = hasher.keyOf(row);
        const b = bucketOf(key, mask);
        if (collect) {
          if (collect.has(b)) {
            hasher.hashRow(row, key);
            collected.push([key, b, pgHashOutHex()]);
          }
          continue;
        }
        hasher.hashRow(row, key);
        const hi = pgHashOut.hi;
        const lo = pgHashOut.lo;
        const a = acc as NonNullable<typeof acc>;
        if (a.n[b] === 0) (touched as Uint32Array)[nTouched++] = b;
        a.n[b] = (a.n[b] as number) + 1;
        a.hi[b] = (a.hi[b] as number) + hi;
        a.lo[b] = (a.lo[b] as number) + lo;
        spill?.add(b, hi, lo, key);
      }
    }
    port?.postMessage({type: 'progress', rows: pageRows} satisfies WorkerMessage);
    if (input.rateLimit) {
      const ahead = (rows / input.rateLimit) * 1000 - (Date.now() - started);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  if (spill) await spill.write(join(input.spillDir as string, `${split.id}.bin`));
  const msg: WorkerMessage = {type: 'done', split: split.id, rows, young};
  if (acc) {
    const {ids, sums} = sumsBuffers(nTouched);
    for (let i = 0; i < nTouched; i++) {
      const b = (touched as Uint32Array)[i] as number;
      ids[i] = b;
      sums[i * 3] = acc.n[b] as number;
      sums[i * 3 + 1] = acc.hi[b] as number;
      sums[i * 3 + 2] = acc.lo[b] as number;
      acc.n[b] = 0;
      acc.hi[b] = 0;
      acc.lo[b] = 0;
    }
    msg.ids = ids.buffer;
    msg.sums = sums.buffer;
    msg.touched = nTouched;
    port?.postMessage(msg, [msg.ids, msg.sums]);
  } else {
    if (collect) msg.collected = collected;
    port?.postMessage(msg);
  }
}

/**
 * Pages of the table parsed in place (cell-canon.ts): reduced to digests (a DigestSpec), cells decoded
 * to canonical text (true) or to driver values (false).
 */
function decodeInPlace(driver: unknown, t: ResolvedTable, mode: boolean | DigestSpec): void {
  type Install = Parameters<typeof installCanonicalDecoding>;
  const {Encoder} = driver as {Encoder: {prototype: Install[0]}};
  const require = createRequire(import.meta.url);
  const {FrameReader} = require('cassandra-driver/lib/readers.js') as {
    FrameReader: {prototype: NonNullable<Install[1]>};
  };
  const {Parser} = require('cassandra-driver/lib/streams.js') as {Parser: {prototype: NonNullable<Install[2]>}};
  installCanonicalDecoding(Encoder.prototype, FrameReader.prototype, Parser.prototype);
  if (typeof mode === 'object') digestTable(t.keyspace, t.table, mode);
  else canonicalTable(t.keyspace, t.table, mode);
}

/** From the main thread: a scan's job, one of its splits (with the last split's buffers), or stop. */
export type ToWorker = {job: WorkerInput} | {split: Split; spare?: Spare} | {stop: true};

port.on('message', async (msg: ToWorker) => {
  if ('stop' in msg) {
    await client?.shutdown().catch(() => {});
    process.exit(0);
  }
  if ('job' in msg) {
    input = msg.job;
    return;
  }
  spare = msg.spare;
  const split = msg.split as Split;
  try {
    await scanSplit(split);
  } catch (err) {
    dense = undefined; // it may hold part of the failed split's sums
    const e = err as Error & {code?: number};
    port.postMessage({
      type: 'error',
      split: split.id,
      message: e.message,
      name: e.name,
      code: e.code,
    } satisfies WorkerMessage);
  }
});

try {
  client = await clientFromConnection(start.conn);
  await client.connect();
  port.postMessage({type: 'ready'} satisfies WorkerMessage);
} catch (err) {
  const e = err as Error & {code?: number};
  port.postMessage({type: 'error', message: e.message, name: e.name, code: e.code} satisfies WorkerMessage);
}
