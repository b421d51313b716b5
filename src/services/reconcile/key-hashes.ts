/**
 * One side's rows of the mismatched buckets during a drill-down: canonical key → bucket and 64-bit
 * row hash. Held compactly — one Map slot per key, the figures in a typed array — because a drill
 * into thousands of buckets of a big table holds hundreds of thousands of keys (an object and a hex
 * string per key cost about 250 bytes each; this about 80).
 */
export class KeyHashes {
  private readonly slots = new Map<string, number>();
  /** bucket, hash hi, hash lo per slot */
  private data = new Uint32Array(3 * 4096);
  private used = 0;

  get size(): number {
    return this.slots.size;
  }

  set(key: string, bucket: number, hi: number, lo: number): void {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.used++;
      if (slot * 3 + 3 > this.data.length) {
        const next = new Uint32Array(this.data.length * 2);
        next.set(this.data);
        this.data = next;
      }
      this.slots.set(key, slot);
    }
    this.data[slot * 3] = bucket;
    this.data[slot * 3 + 1] = hi;
    this.data[slot * 3 + 2] = lo;
  }

  /** Sets from a 16-hex-digit row hash (as PostgreSQL and the scan workers' collect mode give it). */
  setHex(key: string, bucket: number, hash: string): void {
    this.set(key, bucket, parseHex8(hash, 0), parseHex8(hash, 8));
  }

  /** The bucket of `key` when its row hash differs from `hash` (16 hex digits), -1 when equal, undefined when absent. */
  differs(key: string, hash: string): number | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const d = this.data;
    return d[slot * 3 + 1] === parseHex8(hash, 0) && d[slot * 3 + 2] === parseHex8(hash, 8)
      ? -1
      : (d[slot * 3] as number);
  }

  delete(key: string): void {
    this.slots.delete(key);
  }

  clear(): void {
    this.slots.clear();
    this.data = new Uint32Array(0);
    this.used = 0;
  }

  /** Key, bucket and row hash (16 hex digits) of every entry. */
  *entries(): IterableIterator<[key: string, bucket: number, hash: string]> {
    for (const [key, slot] of this.slots) {
      const d = this.data;
      yield [key, d[slot * 3] as number, hex8(d[slot * 3 + 1] as number) + hex8(d[slot * 3 + 2] as number)];
    }
  }

  /** Key and bucket of every entry. */
  *buckets(): IterableIterator<[key: string, bucket: number]> {
    for (const [key, slot] of this.slots) yield [key, this.data[slot * 3] as number];
  }
}

function parseHex8(s: string, at: number): number {
  return Number.parseInt(s.slice(at, at + 8), 16) >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
