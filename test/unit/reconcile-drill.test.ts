import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {T} from '../../src/services/reconcile/canonical.js';
import {candidatesOf, vanishedWarning} from '../../src/services/reconcile/drill.js';
import {KeyHashes} from '../../src/services/reconcile/key-hashes.js';
import {driftAlerts, runDrift} from '../../src/services/reconcile/report.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';
import {readSpill, SpillWriter} from '../../src/services/reconcile/spill.js';
import type {TableRecord} from '../../src/store/reconcile.js';

/** A spill file as a scan worker writes it; odd rows hand their keys over as UTF-8 bytes (digested pages). */
async function spill(path: string, rows: Array<[bucket: number, hi: number, lo: number, key: string]>): Promise<void> {
  const w = new SpillWriter();
  rows.forEach(([b, hi, lo, key], i) => {
    if (i % 2 === 0) w.add(b, hi, lo, key);
    else {
      const bytes = Buffer.from(`¿${key}`);
      w.addBytes(b, hi, lo, bytes, 2, bytes.length); // a key in the middle of a page's key bytes
    }
  });
  await w.write(path);
}

describe('reconcile drill-down', () => {
  it('reads only the wanted buckets from spill files, ASCII and non-ASCII keys alike, and reports unreadable splits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-spill-'));
    await spill(join(dir, '0.bin'), [
      [1, 0xdeadbeef, 0x1, 'k1'],
      [2, 0x2, 0x3, 'k2'],
      [1, 0xffffffff, 0xabc, 'key-three'],
    ]);
    await spill(join(dir, '1.bin'), [
      [1, 0x10, 0x20, 'ünï\x1fcödé'],
      [1, 0x30, 0x40, '😀-after-a-surrogate-pair'],
      [3, 0x1, 0x1, 'x'],
    ]);
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

  it('names a few of the keys found on neither side, joined compound keys split into their columns', () => {
    const key = [
      {name: 'tenant', type: {code: T.text}},
      {name: 'seq', type: {code: T.bigint}},
    ];
    const t = {name: 'demo.readings', key} as unknown as ResolvedTable;
    const keys = ['a\x1f1', 'b\x1f2', 'c\x1f3', 'd\x1f4', 'e\x1f5'];
    const w = vanishedWarning(t, keys);
    assert.match(w, /^demo\.readings: 5 key\(s\) of the differing buckets were on neither side/);
    assert.match(w, /\(tenant=a seq=1, tenant=b seq=2, tenant=c seq=3 and 2 more\)/);
  });

  it('the drift alert judges the whole run: all shards summed, and only once all have finished', () => {
    const shard = (status: string, missing: number, extra: number, mismatched: number) =>
      ({status, missing, extra, mismatched}) as unknown as TableRecord;
    assert.equal(runDrift([shard('drift', 1, 2, 11)], 2), undefined, 'one of two shards finished');
    assert.equal(runDrift([shard('drift', 1, 2, 11), shard('running', 0, 0, 0)], 2), undefined);
    assert.deepEqual(runDrift([shard('drift', 1, 2, 11), shard('drift', 2, 0, 9)], 2), {
      missing: 3,
      extra: 2,
      mismatched: 20,
      gaveUp: false,
    });
    assert.equal(runDrift([shard('clean', 0, 0, 0), shard('gave_up', 0, 0, 0)], 2)?.gaveUp, true);
  });

  it('a run over the threshold fires the drift alert; a run under it resolves it at both severities', () => {
    const t = {name: 'demo.accounts', driftThreshold: 10};
    const now = new Date('2026-01-01T03:00:00Z');
    const [firing, ...more] = driftAlerts(t, {missing: 3, extra: 2, mismatched: 20, gaveUp: false}, 'r1', 2, now);
    assert.deepEqual(more, []);
    assert.deepEqual(firing?.labels, {
      alertname: 'CdcReconciliationDrift',
      table: 'demo.accounts',
      severity: 'warning',
    });
    assert.equal(firing?.endsAt, undefined);
    assert.match(
      firing?.annotations?.description ?? '',
      /threshold 10, all 2 shards\); see `cdcctl reconcile show r1`/,
    );
    const resolved = driftAlerts(t, {missing: 0, extra: 0, mismatched: 10, gaveUp: false}, 'r2', 1, now);
    assert.deepEqual(
      resolved.map((a) => [a.labels.severity, a.endsAt]),
      [
        ['warning', '2026-01-01T03:00:00.000Z'],
        ['critical', '2026-01-01T03:00:00.000Z'],
      ],
    );
    const gaveUp = driftAlerts(t, {missing: 0, extra: 0, mismatched: 0, gaveUp: true}, 'r3', 1, now);
    assert.equal(gaveUp[0]?.labels.severity, 'critical');
  });
});
