/**
 * PostgreSQL's `hashtextextended(text, 0)` in JavaScript: Bob Jenkins' lookup3 as PostgreSQL's
 * hash_any_extended writes it (since PostgreSQL 11; src/common/hashfn.c hash_bytes_extended), over the
 * UTF-8 bytes of a string, little-endian word order. The 64-bit result is (b << 32) | c; it is
 * returned as its two unsigned 32-bit halves.
 *
 * Why not md5 (both sides have it built in): md5 on PostgreSQL plus the hex → bit → bigint casts
 * cost about a third of the bucket query, and md5 in the scan workers is a native call, a hex string
 * and two hex parses per hash. This is a few dozen integer operations per 12 bytes, no allocation.
 * It is not a cryptographic hash and need not be: a bucket's 64-bit sum only has to change when a
 * row changes (odds of a miss ≈ 2^-64 per differing bucket), nobody is choosing rows to collide.
 * PostgreSQL on a big-endian machine computes other values; `checkPgHash` finds that out before a
 * run compares anything.
 */

/** Names the hash in a run's fingerprint: checkpoints and stored row hashes of another hash do not mix. */
export const ROW_HASH = 'hashtextextended';

/** hi (bits 63..32) and lo (bits 31..0) of the last hash (one shared pair: no allocation per call). */
export const pgHashOut = {hi: 0, lo: 0};

const INIT = (0x9e3779b9 + 3923095) | 0;
const utf8 = new TextEncoder();

/**
 * A text's UTF-8 bytes built piece by piece, then hashed: a row's canonical text is hashed without
 * joining its pieces into one string first (one allocation and one copy fewer per row). One shared
 * buffer per thread; add() copies ASCII code by code (cheaper than a call into the encoder).
 */
export const pgHashInput = {
  bytes: new Uint8Array(1024),
  length: 0,
  reset(): void {
    this.length = 0;
  },
  /** Room for `n` more bytes after `length`: returns the buffer to write them into (it may have grown). */
  room(n: number): Uint8Array {
    const at = this.length;
    if (this.bytes.length < at + n) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      grown.set(this.bytes.subarray(0, at));
      this.bytes = grown;
    }
    return this.bytes;
  },
  add(s: string): void {
    const n = s.length;
    let at = this.length;
    const bytes = this.room(n * 3);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.length = at - i + utf8.encodeInto(s, bytes.subarray(at - i)).written;
        return;
      }
      bytes[at++] = c;
    }
    this.length = at;
  },
  /** Hashes the bytes added since reset() into pgHashOut. */
  hash(): void {
    pgHashBytes(this.bytes, this.length);
  },
};

/** Hashes the UTF-8 bytes of `s` into pgHashOut. */
export function pgHashText(s: string): void {
  pgHashInput.reset();
  pgHashInput.add(s);
  pgHashInput.hash();
}

/** lookup3 over the first `len` bytes of `bytes`. */
export function pgHashBytes(bytes: Uint8Array, len: number): void {
  let a = (INIT + len) | 0;
  let b = a;
  let c = a;
  let k = 0;
  let left = len;
  while (left >= 12) {
    a =
      (a +
        ((bytes[k] as number) |
          ((bytes[k + 1] as number) << 8) |
          ((bytes[k + 2] as number) << 16) |
          ((bytes[k + 3] as number) << 24))) |
      0;
    b =
      (b +
        ((bytes[k + 4] as number) |
          ((bytes[k + 5] as number) << 8) |
          ((bytes[k + 6] as number) << 16) |
          ((bytes[k + 7] as number) << 24))) |
      0;
    c =
      (c +
        ((bytes[k + 8] as number) |
          ((bytes[k + 9] as number) << 8) |
          ((bytes[k + 10] as number) << 16) |
          ((bytes[k + 11] as number) << 24))) |
      0;
    a = (a - c) | 0;
    a ^= (c << 4) | (c >>> 28);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= (a << 6) | (a >>> 26);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= (b << 8) | (b >>> 24);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= (c << 16) | (c >>> 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= (a << 19) | (a >>> 13);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= (b << 4) | (b >>> 28);
    b = (b + a) | 0;
    k += 12;
    left -= 12;
  }
  // the last 0..11 bytes, as PostgreSQL's tail switch adds them: the lowest byte of c is left out
  let wa = 0;
  let wb = 0;
  let wc = 0;
  for (let i = 0; i < left; i++) {
    const v = bytes[k + i] as number;
    if (i < 4) wa |= v << (8 * i);
    else if (i < 8) wb |= v << (8 * (i - 4));
    else wc |= v << (8 * (i - 8 + 1));
  }
  a = (a + wa) | 0;
  b = (b + wb) | 0;
  c = (c + wc) | 0;
  // final(a, b, c)
  c ^= b;
  c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c;
  a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a;
  b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b;
  c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c;
  a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a;
  b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b;
  c = (c - ((b << 24) | (b >>> 8))) | 0;
  pgHashOut.hi = b >>> 0;
  pgHashOut.lo = c >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The 64-bit hash of `s` as 16 lower-case hex digits (what pgHashHexSql returns for the same text). */
export function pgHashHex(s: string): string {
  pgHashText(s);
  return pgHashOutHex();
}

/** The last hash (pgHashOut) as 16 hex digits. */
export function pgHashOutHex(): string {
  return hex8(pgHashOut.hi) + hex8(pgHashOut.lo);
}

/**
 * The same hash computed by PostgreSQL, a signed bigint, for a text expression. COLLATE "C": under a
 * nondeterministic collation hashtextextended would hash a sort key instead of the bytes.
 */
export function pgHashSql(textExpr: string): string {
  return `hashtextextended((${textExpr}) COLLATE "C", 0)`;
}

/** pgHashSql as 16 hex digits (to_hex prints a negative bigint as its two's complement). */
export function pgHashHexSql(textExpr: string): string {
  return `lpad(to_hex(${pgHashSql(textExpr)}), 16, '0')`;
}

/** Texts whose hashes cover every tail length, the word loop and non-ASCII: compared by checkPgHash. */
export const PG_HASH_PROBES = [
  '',
  'a',
  'cdcctl',
  'reconcile-12',
  '0123456789abcdefghijklmnopqrstuvw',
  'Grüße, 東京 \u{1F600}\u001f\u001e',
];
