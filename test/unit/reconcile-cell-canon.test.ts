import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {describe, it} from 'node:test';
import driver from 'cassandra-driver';
import {type CqlType, canonFor, NULL_MARK, T} from '../../src/services/reconcile/canonical.js';
import {installCanonicalDecoding, markCanonical} from '../../src/services/reconcile/cell-canon.js';
import {rowHasher} from '../../src/services/reconcile/hash.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';
import {cases, Encoder, int32} from './cql-cases.js';

const {types} = driver;

describe('reconcile canonical decoding from cell bytes (scan workers)', () => {
  const plain = new Encoder(4, {});
  // the driver's row parser, as far as the wrapper sees it: calls that stay with the driver are recorded
  const driverParsed: unknown[] = [];
  const parserProto = {
    parseRows(this: unknown, frameInfo: unknown) {
      driverParsed.push(frameInfo);
    },
  };
  // the wrapped decode lives on the prototype: a separate encoder instance shows both behaviours
  installCanonicalDecoding(Encoder.prototype, undefined, parserProto as never);

  for (const [name, type, gen] of cases) {
    it(`${name}: same text as decode + canonFor`, () => {
      const canon = canonFor(type);
      const marked: CqlType = JSON.parse(JSON.stringify(type));
      markCanonical([{type: marked}]);
      for (let i = 0; i < 300; i++) {
        const value = gen();
        const bytes = plain.encode(value, type);
        const expected = canon(plain.decode(bytes, type));
        const got = plain.decode(bytes, marked);
        assert.equal(typeof got === 'string' ? got : canon(got), expected, `${name} ${String(value)}`);
      }
      // nulls and empty cells keep the driver's meaning
      assert.equal(plain.decode(null, marked), null);
      // unmarked types still decode to driver values
      if (type.code === T.uuid)
        assert.ok(plain.decode(plain.encode(types.Uuid.random(), type), type) instanceof types.Uuid);
    });
  }

  it('the row parser reads a page of every type in place, as the cell decoder does', () => {
    const columns = cases.map(([, type], j) => {
      const marked: CqlType = JSON.parse(JSON.stringify(type));
      markCanonical([{type: marked}]);
      return {name: `c${j}`, type: marked};
    });
    const rowsWanted = 40;
    const parts: Buffer[] = [Buffer.from('xyz'), int32(rowsWanted)]; // the page starts mid-buffer
    const expected: Array<Record<string, unknown>> = [];
    for (let i = 0; i < rowsWanted; i++) {
      const row: Record<string, unknown> = {};
      cases.forEach(([, type, gen], j) => {
        const col = columns[j] as {name: string; type: CqlType};
        const bytes = i % 7 === j % 7 ? null : plain.encode(gen(), type);
        parts.push(int32(bytes === null ? -1 : bytes.length));
        if (bytes) parts.push(bytes);
        row[col.name] = plain.decode(bytes, col.type);
      });
      expected.push(row);
    }
    const buf = Buffer.concat(parts);
    const pushed: Array<{result?: {rows: unknown[]}}> = [];
    const parser = {
      encoder: plain,
      push: (item: {result?: {rows: unknown[]}}) => pushed.push(item),
      handleParsingError: (err: unknown) => {
        throw err;
      },
    };
    const reader = {buf, offset: 3};
    (parserProto.parseRows as unknown as (this: unknown, f: unknown, r: unknown) => void).call(
      parser,
      {header: {}, meta: {columns}, flagsInfo: {}},
      reader,
    );
    assert.equal(reader.offset, buf.length);
    assert.deepEqual(pushed.at(-1)?.result?.rows, expected);
  });

  it('the row parser leaves streamed pages, unmarked columns and bad frames to the driver', () => {
    const marked: CqlType = {code: T.int};
    markCanonical([{type: marked}]);
    const call = (frameInfo: object, buf: Buffer, errors: unknown[] = []) =>
      (parserProto.parseRows as unknown as (this: unknown, f: unknown, r: unknown) => void).call(
        {encoder: plain, push: () => {}, handleParsingError: (e: unknown) => errors.push(e)},
        frameInfo,
        {buf, offset: 0},
      );
    const before = driverParsed.length;
    call({header: {}, byRow: true, meta: {columns: [{name: 'a', type: marked}]}}, int32(0));
    call({header: {}, meta: {columns: [{name: 'a', type: {code: T.int}}]}}, int32(0));
    assert.equal(driverParsed.length - before, 2);
    const errors: unknown[] = [];
    call(
      {header: {}, meta: {columns: [{name: 'a', type: marked}]}},
      Buffer.concat([int32(1), int32(4), int32(7).subarray(0, 2)]),
      errors,
    );
    assert.equal(errors.length, 1);
  });

  it("the driver internals the hooks wrap are still there (cassandra-driver's lib/ files)", () => {
    const require = createRequire(import.meta.url);
    const {Parser} = require('cassandra-driver/lib/streams.js');
    const {FrameReader} = require('cassandra-driver/lib/readers.js');
    assert.equal(typeof Parser.prototype.parseRows, 'function');
    assert.equal(typeof Parser.prototype.handleParsingError, 'function');
    assert.equal(typeof FrameReader.prototype.readMetadata, 'function');
    const reader = new FrameReader({bodyLength: 8}, Buffer.alloc(8), 2);
    assert.ok(Buffer.isBuffer(reader.buf));
    assert.equal(reader.offset, 2);
  });

  it('the row hasher takes canonical strings as they are', () => {
    const t = {
      key: [{name: 'id', type: {code: T.uuid}}],
      compared: [
        {name: 'n', type: {code: T.int}},
        {name: 's', type: {code: T.text}},
      ],
    } as unknown as ResolvedTable;
    const h = rowHasher(t);
    const id = types.Uuid.random();
    const objects = {id, n: 5, s: 'x'};
    const canonical = {id: id.toString(), n: '5', s: 'x'};
    assert.equal(h.keyOf(canonical), h.keyOf(objects));
    assert.equal(h.rowOf(canonical, h.keyOf(canonical)), h.rowOf(objects, h.keyOf(objects)));
    assert.equal(h.rowOf({id, n: null, s: null}, 'k'), `k\x1f${NULL_MARK}\x1f${NULL_MARK}`);
  });
});
