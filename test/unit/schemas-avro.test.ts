import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normaliseErrorCode, RegistryCode} from '../../src/clients/schema-registry.js';
import {avroFields, diffAvro, parseAvroSchema} from '../../src/services/schemas/avro.js';
import {canRead} from '../../src/services/schemas/avro-compat.js';
import {lineDiff, MAX_LCS_CELLS} from '../../src/services/schemas/text-diff.js';
import {directions, parseReference} from '../../src/services/schemas/write.js';

const rec = (fields: unknown[]) => JSON.stringify({type: 'record', name: 'R', namespace: 'n', fields});
const p = (t: unknown) => parseAvroSchema(JSON.stringify(t));

describe('Avro evolution', () => {
  it('follows the promotion rules of schema resolution', () => {
    assert.equal(canRead(p('long'), p('int')), true);
    assert.equal(canRead(p('int'), p('long')), false);
    assert.equal(canRead(p('double'), p('float')), true);
    assert.equal(canRead(p('bytes'), p('string')), true);
    assert.equal(canRead(p(['null', 'string']), p('string')), true);
    assert.equal(canRead(p('string'), p(['null', 'string'])), false);
  });

  it('judges each change in both directions', () => {
    const before = rec([
      {name: 'a', type: 'int'},
      {name: 'gone', type: 'string'},
      {name: 'kept', type: 'string', default: 'x'},
      {name: 's', type: {type: 'enum', name: 'S', symbols: ['A', 'B']}},
    ]);
    const after = rec([
      {name: 'a', type: 'long'},
      {name: 'kept2', type: 'string', default: 'x', aliases: ['kept']},
      {name: 'req', type: 'string'},
      {name: 'opt', type: ['null', 'int'], default: null},
      {name: 's', type: {type: 'enum', name: 'S', symbols: ['A']}},
    ]);
    const byKey = Object.fromEntries(
      diffAvro(before, after).changes.map((c) => [`${c.kind}:${c.path}`, [c.backward, c.forward]]),
    );
    assert.deepEqual(byKey, {
      'type-changed:a': [true, false],
      'renamed:kept2': [true, true],
      'added:req': [false, true],
      'added:opt': [true, true],
      'symbols-changed:s': [false, true],
      'removed:gone': [true, false],
    });
  });

  it('flattens nested and optional records, and resolves named types', () => {
    const s = rec([
      {
        name: 'addr',
        type: ['null', {type: 'record', name: 'Addr', fields: [{name: 'zip', type: 'string'}]}],
        default: null,
      },
      {name: 'billing', type: 'Addr'},
      {name: 'at', type: {type: 'long', logicalType: 'timestamp-millis'}},
      {
        name: 'lines',
        type: {type: 'array', items: {type: 'record', name: 'Line', fields: [{name: 'sku', type: 'string'}]}},
      },
    ]);
    // a named record is expanded once (at its first path)
    assert.deepEqual(
      avroFields(s).map((f) => `${f.path}:${f.typeText}`),
      [
        'addr:null|Addr',
        'addr.zip:string',
        'billing:Addr',
        'at:long(timestamp-millis)',
        'lines:array<Line>',
        'lines[].sku:string',
      ],
    );
  });

  it('a nested field of an added record is reported with the record only', () => {
    const {changes} = diffAvro(
      rec([{name: 'id', type: 'int'}]),
      rec([
        {name: 'id', type: 'int'},
        {name: 'x', type: {type: 'record', name: 'X', fields: [{name: 'y', type: 'int'}]}},
      ]),
    );
    assert.deepEqual(
      changes.map((c) => `${c.kind}:${c.path}`),
      ['added:x'],
    );
  });

  it('stops at recursion: a recursive schema diffs and flattens in finite steps', () => {
    const node = (extra: unknown[]) =>
      JSON.stringify({
        type: 'record',
        name: 'Node',
        fields: [{name: 'v', type: 'int'}, ...extra, {name: 'next', type: ['null', 'Node'], default: null}],
      });
    assert.deepEqual(
      avroFields(node([])).map((f) => f.path),
      ['v', 'next'],
    );
    const d = diffAvro(node([]), node([{name: 'w', type: 'int'}]));
    assert.deepEqual([d.backward, d.forward], [false, true]);
    assert.deepEqual(
      d.changes.map((c) => `${c.kind}:${c.path}`),
      ['added:w'],
    );
  });

  it('rejects invalid Avro with the reason', () => {
    for (const [schema, reason] of [
      [{type: 'record', name: 'R', fields: [{name: 'a', type: 'nope'}]}, /unknown type "nope"/],
      [
        {
          type: 'record',
          name: 'R',
          fields: [
            {name: 'a', type: 'int'},
            {name: 'a', type: 'int'},
          ],
        },
        /two fields named "a"/,
      ],
      [{type: 'enum', name: 'E', symbols: ['A', 'A']}, /symbol "A" twice/],
      [{type: 'record', name: 'R', fields: [{name: 'a', type: 'int', default: 'x'}]}, /default "x" of field "R.a"/],
      [{type: 'record', name: '1R', fields: []}, /not a valid Avro name/],
      [{type: 'fixed', name: 'F'}, /no valid "size"/],
    ] as const)
      assert.throws(() => parseAvroSchema(JSON.stringify(schema)), reason);
    // a named type from a referenced schema resolves
    const address = JSON.stringify({type: 'record', name: 'Address', namespace: 'acme', fields: []});
    assert.doesNotThrow(() =>
      parseAvroSchema(JSON.stringify({type: 'record', name: 'C', fields: [{name: 'a', type: 'acme.Address'}]}), [
        address,
      ]),
    );
  });

  it('parses --reference name=subject:version', () => {
    assert.deepEqual(parseReference('acme.Address=address-value:3'), {
      name: 'acme.Address',
      subject: 'address-value',
      version: 3,
    });
    assert.deepEqual(parseReference('a.proto=ns:subj:1').subject, 'ns:subj');
    assert.throws(() => parseReference('acme.Address=address-value'), /invalid --reference/);
    assert.throws(() => parseReference('x=s:0'), /invalid --reference/);
  });

  it('levels map to directions', () => {
    assert.deepEqual(directions('BACKWARD_TRANSITIVE'), {backward: true, forward: false});
    assert.deepEqual(directions('FULL'), {backward: true, forward: true});
    assert.deepEqual(directions('NONE'), {backward: false, forward: false});
  });
});

describe('registry differences', () => {
  it('normalises error codes (Apicurio 409, historical 0/404)', () => {
    assert.equal(normaliseErrorCode(409, {error_code: 409}), RegistryCode.incompatible);
    assert.equal(normaliseErrorCode(404, {error_code: 0}), RegistryCode.subjectNotFound);
    assert.equal(normaliseErrorCode(404, {error_code: 40402}), RegistryCode.versionNotFound);
    assert.equal(normaliseErrorCode(422, undefined), RegistryCode.invalidSchema);
  });
});

describe('line diff', () => {
  it('keeps common lines and marks the rest', () => {
    assert.deepEqual(
      lineDiff('a\nb\nc\nd', 'a\nx\nc\nd').lines.map((l) => `${l.op}${l.text}`),
      [' a', '-b', '+x', ' c', ' d'],
    );
    assert.equal(lineDiff('a', 'b').exact, true);
  });

  it('bounds its table: beyond MAX_LCS_CELLS the changed middle is a block', () => {
    const n = Math.ceil(Math.sqrt(MAX_LCS_CELLS)) + 10;
    const a = Array.from({length: n}, (_, i) => `a${i}`);
    const b = Array.from({length: n}, (_, i) => `b${i}`);
    const d = lineDiff(['head', ...a, 'tail'].join('\n'), ['head', ...b, 'tail'].join('\n'));
    assert.equal(d.exact, false);
    assert.equal(d.lines.length, 2 * n + 2);
    assert.deepEqual(
      [d.lines[0], d.lines.at(-1)],
      [
        {op: ' ', text: 'head'},
        {op: ' ', text: 'tail'},
      ],
    );
  });
});

describe('Avro parser leniency matches Avro 1.12', () => {
  it('accepts what Avro 1.12 accepts', () => {
    for (const schema of [
      {type: 'record', name: 'R', fields: [{name: 'a', type: ['null', 'string'], default: 'x'}]},
      {type: 'record', name: 'R', fields: [{name: 'a', type: ['string', 'null'], default: null}]},
      {type: 'record', name: 'Città', fields: []},
      {type: 'enum', name: 'E', symbols: ['A'], default: null},
      {type: 'record', name: 'R', fields: [{name: 'a', type: 'float', default: 1}]},
      {
        type: 'record',
        name: 'R',
        fields: [
          {name: 'a', type: {type: 'record', name: 'X', fields: []}},
          {name: 'b', type: {type: 'record', name: 'X', fields: []}},
        ],
      },
      {type: 'record', name: 'R', fields: [{name: 'a', type: {type: 'bytes', logicalType: 'decimal'}}]},
    ])
      assert.doesNotThrow(() => parseAvroSchema(JSON.stringify(schema)), JSON.stringify(schema));
  });

  it('rejects what Avro 1.12 rejects', () => {
    for (const schema of [
      {type: 'record', name: 'R', fields: [{name: 'a', type: 'int', default: 1.5}]},
      {type: 'record', name: 'R', fields: [{name: 'a', type: 'R2'}]},
      {type: 'record', name: 'R', fields: [{name: 'a-b', type: 'int'}]},
      ['int', 'int'],
      {type: 'fixed', name: 'F', size: -1},
      {type: 'record', name: 'R', fields: [], aliases: ['bad-alias']},
      {type: 'enum', name: 'E', symbols: ['A', 'B'], default: 'C'},
      {type: 'record', name: 'R', fields: [{name: 'a', type: {type: 'array', items: 'int'}, default: {}}]},
      {
        type: 'record',
        name: 'R',
        fields: [
          {name: 'a', type: {type: 'record', name: 'X', fields: []}},
          {name: 'b', type: {type: 'record', name: 'X', fields: [{name: 'y', type: 'int'}]}},
        ],
      },
    ])
      assert.throws(() => parseAvroSchema(JSON.stringify(schema)), /invalid Avro schema/, JSON.stringify(schema));
  });
});
