import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {stripVTControlCharacters} from 'node:util';
import {renderAuditList} from '../../src/output/audit.js';
import {noMismatchesLine} from '../../src/output/reconcile.js';
import {displayWidth, jsonText, paintState, renderTable, setColor} from '../../src/output/render.js';
import {AUDIT_RESULTS, type AuditRecord} from '../../src/store/audit-record.js';

describe('renderTable', () => {
  after(() => setColor(false));
  const columns = [
    {header: 'NAME', value: (r: {name: string; state: string}) => r.name},
    {header: 'STATE', value: (r: {name: string; state: string}) => r.state, paint: paintState},
    {header: 'WIDE', value: () => 'w', wide: true},
  ];

  it('pads columns to their widest cell, three spaces apart, without trailing blanks', () => {
    const rows = [
      {name: 'orders-sink', state: 'RUNNING'},
      {name: 'a', state: 'FAILED'},
    ];
    assert.equal(
      renderTable(rows, columns),
      ['NAME          STATE', 'orders-sink   RUNNING', 'a             FAILED'].join('\n'),
    );
    assert.equal(renderTable(rows, columns, true).split('\n')[0], 'NAME          STATE     WIDE');
  });

  it('aligns by what the terminal shows: colour codes take no room, CJK characters two cells', () => {
    setColor(true);
    const out = renderTable(
      [
        {name: '日本', state: 'RUNNING'},
        {name: 'abcde', state: 'FAILED'},
      ],
      columns,
    ).split('\n');
    assert.equal(out[1], `日本    ${'\u001b[32mRUNNING\u001b[39m'}`);
    assert.equal(out[2], `abcde   ${'\u001b[31mFAILED\u001b[39m'}`);
    assert.equal(displayWidth('\u001b[31mFAILED\u001b[39m'), 6);
    assert.equal(displayWidth('e\u0301'), 1);
  });

  it('lets a cell with line breaks span several lines', () => {
    setColor(false);
    assert.equal(
      renderTable([{name: 'x\ny', state: 'PAUSED'}], columns),
      ['NAME   STATE', 'x      PAUSED', 'y'].join('\n'),
    );
  });
});

describe('renderers keep the words they colour', () => {
  after(() => setColor(false));
  it('audit list shows every result as stored (a dry run is "dry-run", never "unchanged")', () => {
    setColor(true);
    const records: AuditRecord[] = AUDIT_RESULTS.map((result, i) => ({
      id: `id-${i}`,
      seq: i + 1,
      time: '2026-12-01T00:00:00.000Z',
      actor: 'me@host',
      role: 'admin',
      context: 'local',
      command: 'dlq:discard',
      args: [],
      targets: [],
      result,
      error: null,
      durationMs: 1,
      version: '0.0.0',
      host: 'host',
      prevHash: '',
      hash: '',
    }));
    const shown = stripVTControlCharacters(renderAuditList(records, false))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/).at(-1));
    assert.deepEqual(shown, [...AUDIT_RESULTS]);
  });
});

describe('jsonText', () => {
  it('writes NaN and the infinities in Prometheus form, everything else as JSON.stringify does', () => {
    const data = {a: Number.NaN, b: [1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], c: 'x', d: null, e: -0.5};
    assert.equal(jsonText(data), '{"a":"NaN","b":[1,"+Inf","-Inf"],"c":"x","d":null,"e":-0.5}');
    assert.equal(jsonText({x: 1}, 2), JSON.stringify({x: 1}, null, 2));
  });
});

describe('reconcile show: the line under the tables when no row is listed', () => {
  it('says a table gave up instead of "No differences."', () => {
    assert.equal(noMismatchesLine([{table: 'demo.accounts', status: 'clean'}]), 'No differences.');
    const line = noMismatchesLine([
      {table: 'demo.accounts', status: 'gave_up'},
      {table: 'demo.orders', status: 'clean'},
    ]);
    assert.doesNotMatch(line, /No differences/);
    assert.match(line, /^No rows listed: demo\.accounts gave up/);
  });
});
