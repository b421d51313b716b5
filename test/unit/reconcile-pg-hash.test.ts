import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {T} from '../../src/services/reconcile/canonical.js';
import {bucketOf, rowHash, rowHasher, rowHashText} from '../../src/services/reconcile/hash.js';
import {pgHashBytes, pgHashHex, pgHashOut} from '../../src/services/reconcile/pg-hash.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';

/**
 * pg-hash.ts must give what PostgreSQL's hashtextextended(text COLLATE "C", 0) gives. These values
 * were read from PostgreSQL 15 (x86-64); test/integration/reconcile-golden.test.ts compares many
 * more strings with the running server. Lengths cover every tail case (0–11 left after 12-byte words).
 */
const GOLDEN: Array<[string, string]> = [
  ['', '9fb1b765a7ea466d'],
  ['a', '31d94c66401370b1'],
  ['abc', 'a25b273dd12feb97'],
  ['abcd', 'f196c20ce885082c'],
  ['abcdefgh', '84bc1e238b1e9c33'],
  ['abcdefghijk', '2b3346a5a78ef3d3'],
  ['abcdefghijkl', '97216e83a1763ad4'],
  ['abcdefghijklm', '7b1e572e1830c6d0'],
  ['0123456789abcdefghijklmnopqrstuvw', 'cb7062588fd281b0'],
  ['42\u001ft\u001f1.5\u001fname', '6dfabc0a4cde00c3'],
  ['Grüße, 東京', '1f1e4b9dcc8a1d39'],
  ['\u{1F600}', '8105648a675e3fda'],
];

describe('reconcile row hash = PostgreSQL hashtextextended', () => {
  it('matches the values PostgreSQL returned', () => {
    for (const [text, hex] of GOLDEN) assert.equal(pgHashHex(text), hex, JSON.stringify(text));
  });

  it('hashes a string as its UTF-8 bytes, on the ASCII path and the encoder path alike', () => {
    for (const text of ['plain ascii key 123', 'ünïcödé', `${'x'.repeat(300)}é`, 'a\u0000b']) {
      const bytes = Buffer.from(text, 'utf8');
      pgHashBytes(bytes, bytes.length);
      const viaBytes = [pgHashOut.hi, pgHashOut.lo];
      assert.deepEqual(rowHash(text), viaBytes, JSON.stringify(text));
    }
  });

  it('derives bucket and row hash text from the same 64 bits', () => {
    const [hi, lo] = rowHash('k1');
    assert.equal(bucketOf('k1', 0xffff), lo & 0xffff);
    assert.equal(rowHashText('k1'), hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'));
  });

  it('hashRow hashes exactly the bytes of rowOf, piece by piece', () => {
    const t = {
      key: [{name: 'id', type: {code: T.int}}],
      compared: [
        {name: 'n', type: {code: T.int}},
        {name: 's', type: {code: T.text}},
        {name: 'l', type: {code: T.list, info: {code: T.text}}},
      ],
    } as unknown as ResolvedTable;
    const h = rowHasher(t);
    const rows: Array<Record<string, unknown>> = [
      {id: 1, n: 5, s: 'plain', l: ['a', 'b']},
      {id: 2, n: null, s: 'Grüße 東京 \u{1F600}', l: null},
      {id: 3, n: -7, s: '', l: ['é']},
      {id: 4, n: 0, s: 'x'.repeat(5000), l: []},
    ];
    for (const row of rows) {
      const key = h.keyOf(row);
      h.hashRow(row, key);
      const pieces = [pgHashOut.hi, pgHashOut.lo];
      assert.deepEqual(pieces, rowHash(h.rowOf(row, key)), JSON.stringify(row).slice(0, 60));
    }
  });
});
