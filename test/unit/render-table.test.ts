import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {displayWidth, paintState, renderTable, setColor} from '../../src/output/render.js';

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
