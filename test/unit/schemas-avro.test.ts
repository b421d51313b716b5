import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normaliseErrorCode, RegistryCode} from '../../src/clients/schema-registry.js';
import {avroFields, canRead, diffAvro} from '../../src/services/schemas/avro.js';
import {lineDiff} from '../../src/services/schemas/text-diff.js';
import {directions} from '../../src/services/schemas/write.js';

const rec = (fields: unknown[]) => JSON.stringify({type: 'record', name: 'R', namespace: 'n', fields});
const p = (name: string) => ({kind: 'primitive', name}) as const;

describe('Avro evolution', () => {
  it('follows the promotion rules of schema resolution', () => {
    assert.equal(canRead(p('long'), p('int')), true);
    assert.equal(canRead(p('int'), p('long')), false);
    assert.equal(canRead(p('double'), p('float')), true);
    assert.equal(canRead(p('bytes'), p('string')), true);
    assert.equal(canRead({kind: 'union', branches: [p('null'), p('string')]}, p('string')), true);
    assert.equal(canRead(p('string'), {kind: 'union', branches: [p('null'), p('string')]}), false);
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
      diffAvro(before, after).map((c) => [`${c.kind}:${c.path}`, [c.backward, c.forward]]),
    );
    assert.deepEqual(byKey, {
      'type-changed:a': [true, false],
      'renamed:kept2': [true, true],
      'added:req': [false, true],
      'added:opt': [true, true],
      'type-changed:s': [false, true],
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
    ]);
    assert.deepEqual(
      avroFields(s).map((f) => `${f.path}:${f.typeText}`),
      ['addr:null|Addr', 'addr.zip:string', 'billing:Addr', 'billing.zip:string', 'at:long(timestamp-millis)'],
    );
  });

  it('a nested field of an added record is reported with the record only', () => {
    const changes = diffAvro(
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
      lineDiff('a\nb\nc', 'a\nx\nc').map((l) => `${l.op}${l.text}`),
      [' a', '-b', '+x', ' c'],
    );
  });
});
