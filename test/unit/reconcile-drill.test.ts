import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {candidatesOf} from '../../src/services/reconcile/drill.js';
import {KeyHashes} from '../../src/services/reconcile/key-hashes.js';
import {readSpill, SPILL_MAGIC} from '../../src/services/reconcile/scan.js';

/** A spill file as scan-worker.ts writes it: header, 16-byte records (bucket, hash hi, hash lo, key length in UTF-16 units), key blob. */
function spill(rows: Array<[bucket: number, hi: number, lo: number, key: string]>): Buffer {
  const blob = Buffer.from(rows.map((r) => r[3]).join(''), 'utf8');
  const head = Buffer.alloc(12);
  head.writeUInt32LE(SPILL_MAGIC, 0);
  head.writeUInt32LE(rows.length, 4);
  head.writeUInt32LE(blob.length, 8);
  const recs = Buffer.alloc(rows.length * 16);
  rows.forEach(([b, hi, lo, key], i) => {
    recs.writeUInt32LE(b, i * 16);
    recs.writeUInt32LE(hi, i * 16 + 4);
    recs.writeUInt32LE(lo, i * 16 + 8);
    recs.writeUInt32LE(key.length, i * 16 + 12);
  });
  return Buffer.concat([head, recs, blob]);
}

describe('reconcile drill-down', () => {
  it('reads only the wanted buckets from spill files, ASCII and non-ASCII keys alike, and reports unreadable splits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-spill-'));
    writeFileSync(
      join(dir, '0.bin'),
      spill([
        [1, 0xdeadbeef, 0x1, 'k1'],
        [2, 0x2, 0x3, 'k2'],
        [1, 0xffffffff, 0xabc, 'key-three'],
      ]),
    );
    writeFileSync(
      join(dir, '1.bin'),
      spill([
        [1, 0x10, 0x20, 'ünï\x1fcödé'],
        [3, 0x1, 0x1, 'x'],
        [1, 0x30, 0x40, '😀-after-a-surrogate-pair'],
      ]),
    );
    writeFileSync(join(dir, '2.bin'), Buffer.from('RCS1 older format'));
    const into = new KeyHashes();
    const missing = await readSpill(dir, [0, 1, 2, 3], new Set([1]), into);
    assert.deepEqual(missing, [2, 3]);
    assert.deepEqual(Object.fromEntries(into.buckets()), {
      k1: 1,
      'key-three': 1,
      'ünï\x1fcödé': 1,
      '😀-after-a-surrogate-pair': 1,
    });
    // the row hashes came along: equal to the same 64 bits, different from anything else
    assert.equal(into.differs('k1', 'deadbeef00000001'), -1);
    assert.equal(into.differs('key-three', 'ffffffff00000abc'), -1);
    assert.equal(into.differs('ünï\x1fcödé', '0000001000000020'), -1);
    assert.equal(into.differs('😀-after-a-surrogate-pair', '0000003000000040'), -1);
    assert.equal(into.differs('k1', 'deadbeef00000002'), 1);
    assert.equal(into.differs('k2', '0000000200000003'), undefined);
  });

  it('turns both sides of the mismatched buckets into missing, extra and changed keys, holding only one side', async () => {
    const cassandra = new KeyHashes();
    cassandra.setHex('same', 1, '00000000000000aa');
    cassandra.setHex('changed', 2, '00000000000000bb');
    cassandra.setHex('missing', 3, 'cc00000000000000');
    const out = await candidatesOf(cassandra, async (each) => {
      each('same', 1, '00000000000000aa');
      each('changed', 2, '00000000000000b0');
      each('extra', 4, '00000000000000dd');
    });
    assert.deepEqual(Object.fromEntries(out), {changed: 2, extra: 4, missing: 3});
    assert.equal(cassandra.size, 0);
  });
});
