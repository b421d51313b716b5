import {constants} from 'node:fs';
import {access, type FileHandle, mkdir, open, rename, stat, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {UsageError} from '../../errors.js';
import type {KeyHashes} from './key-hashes.js';

/**
 * Spill files: what a hash-mode scan worker saw of each split (bucket, row hash and key of every
 * row), so that the drill-down reads the mismatched buckets' keys from disk instead of scanning
 * Cassandra again. One file per finished split; writer and reader of the format live here together.
 */

/**
 * A --spill-dir, checked before the run touches anything: a writable directory, made if missing. Found
 * out only by the first split's spill file, a file in its place failed the scan as a Cassandra error
 * (exit 4). Where its parent exists it is made without `recursive`, which loops forever on procfs.
 */
export async function checkSpillRoot(dir: string): Promise<void> {
  try {
    const found = await stat(dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (found && !found.isDirectory()) throw new Error('it is not a directory');
    if (!found) {
      const parent = await stat(dirname(dir)).catch(() => undefined);
      await mkdir(dir, {recursive: !parent});
    }
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--spill-dir ${dir} cannot be used: ${(err as Error).message}`, {
      hint: 'Give a directory this user can create files in (default: the system temp dir).',
    });
  }
}

/** First word of a spill file: "RCS3" (key lengths in bytes; RCS2 counted UTF-16 units). */
export const SPILL_MAGIC = 0x33534352;

/**
 * Reads spill files of the given splits, keeping rows of the given buckets (key, bucket, row hash).
 * Only kept keys are decoded, each into a string of its own: slices of one decoded blob would keep
 * every split's whole key blob alive for as long as a single key of it is (V8 sliced strings).
 * The files are read one after the other into one buffer, grown as needed: a buffer per file (all
 * of them together are the size of the table's keys) would pile up, dead, until the next collection.
 */
export async function readSpill(
  dir: string,
  splitIds: number[],
  buckets: Set<number>,
  into: KeyHashes,
): Promise<number[]> {
  const missing: number[] = [];
  let room = Buffer.alloc(0);
  for (const id of splitIds) {
    let buf: Buffer;
    try {
      const file = await open(join(dir, `${id}.bin`));
      try {
        const size = (await file.stat()).size;
        if (room.length < size) room = Buffer.allocUnsafe(Math.ceil(size * 1.25));
        buf = room.subarray(0, await readFully(file, room, size));
      } finally {
        await file.close();
      }
    } catch {
      missing.push(id);
      continue;
    }
    if (buf.length < 12 || buf.readUInt32LE(0) !== SPILL_MAGIC) {
      missing.push(id); // another format (an older version's run): rescanned like a missing file
      continue;
    }
    const count = buf.readUInt32LE(4);
    let k = 12 + count * 16; // the keys' UTF-8 bytes follow the records
    for (let r = 0; r < count; r++) {
      const o = 12 + r * 16;
      const b = buf.readUInt32LE(o);
      const kl = buf.readUInt32LE(o + 12);
      if (buckets.has(b))
        into.set(buf.toString('utf8', k, k + kl), b, buf.readUInt32LE(o + 4), buf.readUInt32LE(o + 8));
      k += kl;
    }
  }
  return missing;
}

/** Reads the file's first `size` bytes into `into`; returns how many there were. */
async function readFully(file: FileHandle, into: Buffer, size: number): Promise<number> {
  let at = 0;
  while (at < size) {
    const {bytesRead} = await file.read(into, at, size - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}

const utf8 = new TextEncoder();

/**
 * A split's spill file (drill-down without a rescan), written once when the split is done:
 *   u32 magic (SPILL_MAGIC) · u32 count · u32 key blob bytes · count × (bucket u32 · hi u32 · lo u32 · key length in bytes u32)
 *   · the keys, concatenated, UTF-8
 * (little-endian). Digested pages hand over their keys as UTF-8 bytes already.
 */
export class SpillWriter {
  private recs = new Uint32Array(4096 * 4);
  private count = 0;
  private blob = new Uint8Array(64 * 1024);
  private blobBytes = 0;
  private record(b: number, hi: number, lo: number, keyBytes: number): void {
    if ((this.count + 1) * 4 > this.recs.length) {
      const next = new Uint32Array(this.recs.length * 2);
      next.set(this.recs);
      this.recs = next;
    }
    const o = this.count * 4;
    this.recs[o] = b;
    this.recs[o + 1] = hi;
    this.recs[o + 2] = lo;
    this.recs[o + 3] = keyBytes;
    this.count++;
  }
  private room(n: number): Uint8Array {
    if (this.blob.length < this.blobBytes + n) {
      const next = new Uint8Array(Math.max(this.blob.length * 2, this.blobBytes + n));
      next.set(this.blob.subarray(0, this.blobBytes));
      this.blob = next;
    }
    return this.blob;
  }
  /** A key given as text (rows parsed by the driver). */
  add(b: number, hi: number, lo: number, key: string): void {
    const written = utf8.encodeInto(key, this.room(key.length * 3).subarray(this.blobBytes)).written;
    this.blobBytes += written;
    this.record(b, hi, lo, written);
  }
  /** A key given as UTF-8 bytes: `keys[from..to)`. */
  addBytes(b: number, hi: number, lo: number, keys: Uint8Array, from: number, to: number): void {
    const blob = this.room(to - from);
    let at = this.blobBytes;
    for (let i = from; i < to; i++) blob[at++] = keys[i] as number;
    this.blobBytes = at;
    this.record(b, hi, lo, to - from);
  }
  async write(path: string): Promise<void> {
    const head = new Uint32Array([SPILL_MAGIC, this.count, this.blobBytes]);
    const recs = this.recs.subarray(0, this.count * 4);
    const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    if (!le) throw new Error('spill files assume a little-endian machine');
    await mkdir(join(path, '..'), {recursive: true});
    await writeFile(`${path}.tmp`, [
      new Uint8Array(head.buffer),
      new Uint8Array(recs.buffer, recs.byteOffset, recs.byteLength),
      this.blob.subarray(0, this.blobBytes),
    ]);
    await rename(`${path}.tmp`, path); // a split's spill exists only when the split finished
  }
}
