import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {repoRoot} from '../helpers.js';

/**
 * Memory stays bounded for large schemas: a child process with a small heap diffs ≥ 1 MB Avro and JSON
 * schemas; its peak RSS (heap and the LCS table's off-heap memory) must stay under a fixed bound. The
 * quadratic line diff took 4.1 GB for a 260 KB schema and was killed at 1.3 MB.
 */
const RSS_BOUND_MB = 320;

describe('schemas on large schemas', () => {
  it('diffs ≥ 1 MB Avro and JSON schemas within bounded memory', () => {
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=384', '--import', 'tsx', join(repoRoot, 'test', 'unit', 'schemas-large-child.ts'), '400'],
      {encoding: 'utf8', cwd: repoRoot, timeout: 120_000},
    );
    const r = JSON.parse(out) as Record<string, number | boolean>;
    assert.ok((r.avroBytes as number) >= 1_000_000, `Avro schema of ${r.avroBytes} bytes`);
    assert.ok((r.jsonBytes as number) >= 1_000_000, `JSON schema of ${r.jsonBytes} bytes`);
    // every Part record's first field became null|long: one type change and one branch pair per record
    assert.equal(r.backward, false);
    assert.equal(r.forward, false);
    // + Choice7.c int → string, which breaks backward
    assert.equal(r.avroChanges, 801, 'branch-added + branch-removed per record, and the Choice7 type change');
    assert.equal(r.avroText, true, 'no line diff for Avro (it is not shown)');
    assert.equal(r.fields, 400 * 31 + 1 + 1200 + 2);
    assert.equal(r.jsonExact, false, 'the JSON line diff fell back to a block instead of a quadratic table');
    assert.ok((r.maxRssMb as number) < RSS_BOUND_MB, `peak RSS ${r.maxRssMb} MB`);
  });
});
