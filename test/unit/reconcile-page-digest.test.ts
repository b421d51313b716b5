import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type CqlType, isText, T} from '../../src/services/reconcile/canonical.js';
import {
  canonicalTable,
  digestTable,
  installCanonicalDecoding,
  markCanonical,
} from '../../src/services/reconcile/cell-canon.js';
import {bucketOf, rowHasher} from '../../src/services/reconcile/hash.js';
import {DIGEST, type DigestSpec, type PageDigest} from '../../src/services/reconcile/page-digest.js';
import {pgHashOut} from '../../src/services/reconcile/pg-hash.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';
import {cases, Encoder, int, int32} from './cql-cases.js';

/**
 * Hash mode reduces a page to its digest straight from the frame (page-digest.ts). It must give exactly
 * what the row objects of the same page give to rowHasher and bucketOf: same rows left out as young,
 * same buckets, hashes and keys, for every type, nulls and empty cells, keys of one or more columns,
 * and columns in any order in the frame.
 */
describe('reconcile page digest (scan workers, hash mode)', () => {
  const plain = new Encoder(4, {});
  const parserProto = {parseRows(this: unknown) {}};
  installCanonicalDecoding(Encoder.prototype, undefined, parserProto as never);
  const parse = (meta: object, buf: Buffer, at: number) => {
    const pushed: Array<{result: {rows: unknown[]}}> = [];
    const reader = {buf, offset: at};
    (parserProto.parseRows as unknown as (this: unknown, f: unknown, r: unknown) => void).call(
      {
        encoder: plain,
        push: (item: {result: {rows: unknown[]}}) => pushed.push(item),
        handleParsingError: (err: unknown) => {
          throw err;
        },
      },
      {header: {}, meta, flagsInfo: {}},
      reader,
    );
    assert.equal(reader.offset, buf.length, 'the reader ends after the page');
    return pushed[0]?.result.rows as unknown[];
  };

  /** A page of `rowCount` rows: key columns, every type as a compared column, and writetime. */
  function page(keyTypes: CqlType[], rowCount: number, cutoffUs: number) {
    const key = keyTypes.map((type, i) => ({name: `k${i}`, type}));
    const compared = [
      // text columns hashed as length:text, as resolveTable makes them
      ...cases.map(([, type], j) => ({
        name: `c${j}`,
        type,
        gen: cases[j]?.[2] as () => unknown,
        floatBits: false,
        lengthPrefixed: isText(type),
      })),
      // float and double columns again, hashed as their bits (as when PostgreSQL holds them as floats)
      ...cases
        .filter(([, type]) => type.code === T.float || type.code === T.double)
        .map(([, type, gen], j) => ({name: `f${j}`, type, gen, floatBits: true})),
      // NaNs other than the one the driver writes (sign bit, payload): all of them hash as one NaN
      ...[
        [{code: T.double}, ['7ff8000000000000', 'fff8000000000000', '7ff0000000000001', '3ff0000000000000']],
        [{code: T.float}, ['7fc00000', 'ffc00000', '7f800001', '3f800000']],
      ].map(([type, hex], j) => ({
        name: `n${j}`,
        type: type as CqlType,
        gen: () => Buffer.from((hex as string[])[int(0, 4)] as string, 'hex'),
        floatBits: true,
      })),
    ];
    const wt = {name: 'wt__', type: {code: T.bigint} as CqlType};
    // the frame's order is not the canonical one: compared columns first, writetime between them
    const frame = [...compared.slice(0, 5), wt, ...key, ...compared.slice(5)];
    const keyGen = (type: CqlType) => (cases.find(([, t]) => t.code === type.code)?.[2] as () => unknown) ?? (() => 1);
    const parts: Buffer[] = [Buffer.from('ab'), int32(rowCount)];
    for (let r = 0; r < rowCount; r++) {
      for (const c of frame) {
        let bytes: Buffer | null;
        if (c === wt) {
          const us = r % 9 === 0 ? null : cutoffUs + (r % 3) - 1; // one in three after the cutoff
          bytes = us === null ? null : plain.encode(us, c.type);
        } else if (key.includes(c as (typeof key)[number])) {
          bytes = plain.encode(keyGen(c.type)(), c.type);
        } else {
          const roll = int(0, 10);
          const gen = (c as (typeof compared)[number]).gen;
          const value = roll > 1 ? gen() : undefined;
          // a generator may give the cell's bytes themselves
          bytes =
            roll === 0
              ? null
              : roll === 1
                ? Buffer.alloc(0)
                : Buffer.isBuffer(value)
                  ? value
                  : plain.encode(value, c.type);
        }
        parts.push(int32(bytes === null ? -1 : bytes.length));
        if (bytes) parts.push(bytes);
      }
    }
    const columns = frame.map((c) => {
      const type: CqlType = JSON.parse(JSON.stringify(c.type));
      markCanonical([{type}]);
      return {name: c.name, type, ksname: 'ks', tablename: 't'};
    });
    const table = {key, compared} as unknown as ResolvedTable;
    return {buf: Buffer.concat(parts), meta: {keyspace: 'ks', table: 't', columns}, table};
  }

  for (const keyTypes of [[{code: T.uuid}], [{code: T.text}, {code: T.int}, {code: T.timestamp}], [{code: T.bigint}]]) {
    it(`same young rows, buckets, hashes and keys as the row objects (key ${keyTypes.map((t) => t.code)})`, () => {
      const cutoffUs = 1_700_000_000_000_000;
      const mask = 1023;
      const {buf, meta, table} = page(keyTypes as CqlType[], 300, cutoffUs);
      canonicalTable('ks', 't');
      const rows = parse(meta, buf, 2) as Array<Record<string, unknown>>;
      const hasher = rowHasher(table);
      const expected: Array<{key: string; bucket: number; hi: number; lo: number}> = [];
      let young = 0;
      for (const row of rows) {
        if (row.wt__ !== null && Number(row.wt__) > cutoffUs) {
          young++;
          continue;
        }
        const key = hasher.keyOf(row);
        const bucket = bucketOf(key, mask);
        hasher.hashRow(row, key);
        expected.push({key, bucket, hi: pgHashOut.hi, lo: pgHashOut.lo});
      }
      assert.ok(young > 50 && expected.length > 150, 'the page has young and kept rows');

      const spec: DigestSpec = {
        key: table.key.map((c) => c.name),
        compared: table.compared.map((c) => c.name),
        floatBits: table.compared.filter((c) => c.floatBits).map((c) => c.name),
        lengthPrefixed: table.compared.filter((c) => c.lengthPrefixed).map((c) => c.name),
        mask,
        cutoffUs,
      };
      digestTable('ks', 't', spec);
      const empty = parse(meta, buf, 2);
      assert.equal(empty.length, 0);
      const d = (empty as unknown as {[DIGEST]: PageDigest})[DIGEST];
      assert.equal(d.young, young);
      assert.equal(d.rows, expected.length);
      const got: typeof expected = [];
      let from = 0;
      for (let i = 0; i < d.rows; i++) {
        const to = d.keyEnd[i] as number;
        got.push({
          key: Buffer.from(d.keys.subarray(from, to)).toString('utf8'),
          bucket: d.bucket[i] as number,
          hi: d.hi[i] as number,
          lo: d.lo[i] as number,
        });
        from = to;
      }
      assert.deepEqual(got, expected);
    });
  }

  it('without a cutoff no row is young, and a key-only table hashes its key', () => {
    const {buf, meta} = page([{code: T.uuid}], 20, 0);
    digestTable('ks', 't', {key: ['k0'], compared: [], mask: 7});
    const d = (parse(meta, buf, 2) as unknown as {[DIGEST]: PageDigest})[DIGEST];
    assert.equal(d.rows, 20);
    assert.equal(d.young, 0);
    const hasher = rowHasher({key: [{name: 'k0', type: {code: T.uuid}}], compared: []} as unknown as ResolvedTable);
    canonicalTable('ks', 't');
    const rows = parse(meta, buf, 2) as Array<Record<string, unknown>>;
    rows.forEach((row, i) => {
      hasher.hashRow(row, hasher.keyOf(row));
      assert.equal(d.hi[i], pgHashOut.hi);
      assert.equal(d.lo[i], pgHashOut.lo);
    });
  });
});
