import {type Canon, canonFor, floatBitsCanon, keyCanonFor, keyTextOf, lengthPrefixCanon, SEP} from './canonical.js';
import {pgHashHex, pgHashInput, pgHashOut, pgHashText} from './pg-hash.js';
import type {ResolvedTable} from './spec.js';

/**
 * The hashes both sides agree on (reference §3.1, with PostgreSQL's own 64-bit text hash in place of
 * md5: pg-hash.ts says why):
 *   bucket = low 32 bits of hashtextextended(pk_canon, 0) & (B − 1)
 *   h      = hashtextextended(row_canon, 0), kept as two unsigned 32-bit lanes (hi, lo)
 * Per bucket: n = count, Σhi, Σlo — exact sums (float64 holds them exactly up to 2^21 rows per bucket;
 * with the default 65,536 buckets that is 137 billion rows), compared with PostgreSQL's as Σh mod 2^64.
 */
export interface RowHasher {
  /** Canonical key text of a driver row (values by column name). */
  keyOf(row: Record<string, unknown>): string;
  /** Canonical row text (key + compared columns). */
  rowOf(row: Record<string, unknown>, key: string): string;
  /** The row hash of rowOf(row, key), into pgHashOut, without building that text. */
  hashRow(row: Record<string, unknown>, key: string): void;
}

export function rowHasher(t: ResolvedTable): RowHasher {
  // a key column: its text in pk_canon, from the driver's value or from its canonical text
  const keys: Array<[string, Canon, (canon: string) => string]> = t.key.map((c) => [
    c.name,
    keyCanonFor(c.type),
    keyTextOf(c.type),
  ]);
  const names = t.compared.map((c) => c.name);
  const canons = t.compared.map((c) =>
    c.floatBits ? floatBitsCanon(c.type) : c.lengthPrefixed ? lengthPrefixCanon(c.type) : canonFor(c.type),
  );
  // a string value is already canonical: every column of a scan worker's split query is decoded
  // straight to canonical text (cell-canon.ts); but a float hashed as its bits, and a text hashed with
  // its length, are texts to convert
  const asIs = t.compared.map((c) => !c.floatBits && !c.lengthPrefixed);
  const count = names.length;
  const [k0name, k0canon, k0text] = keys[0] as (typeof keys)[number];
  return {
    keyOf:
      keys.length === 1
        ? (row) => {
            const v = row[k0name];
            return typeof v === 'string' ? k0text(v) : k0canon(v);
          }
        : (row) =>
            keys
              .map(([n, c, text]) => {
                const v = row[n];
                return typeof v === 'string' ? text(v) : c(v);
              })
              .join(SEP),
    rowOf: (row, key) => {
      let s = key;
      for (let i = 0; i < count; i++) {
        const v = row[names[i] as string];
        s += SEP + (typeof v === 'string' && asIs[i] ? v : (canons[i] as Canon)(v));
      }
      return s;
    },
    hashRow: (row, key) => {
      pgHashInput.reset();
      pgHashInput.add(key);
      for (let i = 0; i < count; i++) {
        const v = row[names[i] as string];
        pgHashInput.add(SEP);
        pgHashInput.add(typeof v === 'string' && asIs[i] ? v : (canons[i] as Canon)(v));
      }
      pgHashInput.hash();
    },
  };
}

export function bucketOf(keyCanon: string, mask: number): number {
  pgHashText(keyCanon);
  return pgHashOut.lo & mask;
}

/** [hi, lo] of the row hash. */
export function rowHash(rowCanon: string): [number, number] {
  pgHashText(rowCanon);
  return [pgHashOut.hi, pgHashOut.lo];
}

/** The row hash as 16 hex digits (drill-down and repair compare it with PostgreSQL's). */
export function rowHashText(rowCanon: string): string {
  return pgHashHex(rowCanon);
}

/** Per-bucket figures of one side. */
export interface Buckets {
  n: Float64Array;
  hi: Float64Array;
  lo: Float64Array;
}

export function newBuckets(size: number): Buckets {
  return {n: new Float64Array(size), hi: new Float64Array(size), lo: new Float64Array(size)};
}

export function addBuckets(into: Buckets, from: Buckets): void {
  for (let i = 0; i < into.n.length; i++) {
    const n = from.n[i] as number;
    if (n === 0) continue;
    into.n[i] = (into.n[i] as number) + n;
    into.hi[i] = (into.hi[i] as number) + (from.hi[i] as number);
    into.lo[i] = (into.lo[i] as number) + (from.lo[i] as number);
  }
}

export function total(b: Buckets): number {
  let s = 0;
  for (let i = 0; i < b.n.length; i++) s += b.n[i] as number;
  return s;
}

const TWO32 = 2 ** 32;

/**
 * Σh mod 2^64 as [hi, lo] 32-bit lanes, from exact lane sums (Σhi, Σlo): lo's carry goes into hi, hi
 * wraps at 2^32. Idempotent; PostgreSQL returns its sums already in this form (pg-side bucketSql).
 */
export function normalised(hiSum: number, loSum: number): [number, number] {
  const lo = loSum % TWO32;
  const hi = (hiSum + (loSum - lo) / TWO32) % TWO32;
  return [hi, lo];
}

/** Buckets whose figures differ (count, and Σh mod 2^64). */
export function diffBuckets(a: Buckets, b: Buckets, include: (bucket: number) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.n.length; i++) {
    if (!include(i)) continue;
    if (a.n[i] !== b.n[i]) {
      out.push(i);
      continue;
    }
    const [ah, al] = normalised(a.hi[i] as number, a.lo[i] as number);
    const [bh, bl] = normalised(b.hi[i] as number, b.lo[i] as number);
    if (ah !== bh || al !== bl) out.push(i);
  }
  return out;
}

/** Serialises buckets for a checkpoint (n, hi, lo as consecutive float64 arrays). */
export function bucketsToBuffer(b: Buckets): Buffer {
  const out = Buffer.alloc(b.n.length * 24);
  Buffer.from(b.n.buffer, b.n.byteOffset, b.n.byteLength).copy(out, 0);
  Buffer.from(b.hi.buffer, b.hi.byteOffset, b.hi.byteLength).copy(out, b.n.byteLength);
  Buffer.from(b.lo.buffer, b.lo.byteOffset, b.lo.byteLength).copy(out, b.n.byteLength * 2);
  return out;
}

export function bucketsFromBuffer(buf: Buffer, size: number): Buckets {
  const copy = new Uint8Array(buf).buffer;
  return {
    n: new Float64Array(copy, 0, size),
    hi: new Float64Array(copy, size * 8, size),
    lo: new Float64Array(copy, size * 16, size),
  };
}

/** Which shard (of `count`) owns a bucket: contiguous blocks, the same function on both sides. */
export function shardOfBucket(bucket: number, buckets: number, count: number): number {
  return Math.floor((bucket * count) / buckets);
}
