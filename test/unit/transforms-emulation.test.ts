import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {buildChain, runChain} from '../../src/services/connectors/transforms/smt.js';
import {describeChanges, testTransforms} from '../../src/services/connectors/transforms/test-chain.js';
import {tempDir} from '../helpers.js';

/**
 * The chain runner's own logic (what the differential test against the worker cannot show): refusal
 * of classes it does not emulate, predicates with negate, a failing step stopping the record, the
 * step descriptions, and reading sample records from a file. The transforms' semantics themselves
 * are proved against the real worker in test/integration/transforms-differential.test.ts.
 */

const K = 'org.apache.kafka.connect.transforms.';
const record = (value: unknown, topic = 'db.public.items') => ({
  topic,
  partition: 0,
  timestamp: null,
  keySchema: null,
  key: {id: 1},
  valueSchema: null,
  value,
  headers: [],
});

describe('transform chain', () => {
  it('refuses a class it does not emulate, naming it, and an undefined predicate', () => {
    assert.throws(
      () => buildChain({transforms: 'c', 'transforms.c.type': `${K}Flatten$Value`}),
      /transform c: org\.apache\.kafka\.connect\.transforms\.Flatten\$Value cannot be emulated/,
    );
    assert.throws(
      () => buildChain({transforms: 'f', 'transforms.f.type': `${K}Filter`, 'transforms.f.predicate': 'nope'}),
      /predicate "nope" is not defined/,
    );
  });

  it('applies a predicate (and its negation); a failing step stops the record with the worker message', () => {
    const config = {
      transforms: 'drop,mask',
      predicates: 'isOrders',
      'predicates.isOrders.type': `${K}predicates.TopicNameMatches`,
      'predicates.isOrders.pattern': '.*orders',
      'transforms.drop.type': `${K}Filter`,
      'transforms.drop.predicate': 'isOrders',
      'transforms.mask.type': `${K}MaskField$Value`,
      'transforms.mask.fields': 'email',
    };
    const chain = buildChain(config);
    assert.equal(runChain(chain, config, record({email: 'a@b'}, 'db.public.orders')).output, null);
    const kept = runChain(chain, config, record({email: 'a@b', n: null}));
    assert.deepEqual(kept.output?.value, {email: '', n: null});
    assert.deepEqual(
      kept.steps.map((s) => s.outcome),
      ['skipped', 'changed'],
    );
    const tomb = runChain(chain, config, record(null));
    assert.match(tomb.error ?? '', /Only Map objects supported in absence of schema for \[mask fields\], found: null/);
  });

  it('describes what a step changed', () => {
    const before = {topic: 't', key: null, value: {a: 1, b: 2}, headers: {}};
    assert.deepEqual(describeChanges(before, {topic: 'u', key: null, value: {a: 1, c: 3}, headers: {h: 'x'}}), [
      'topic → u',
      'value: -b +c',
      'headers: +h',
    ]);
    assert.deepEqual(describeChanges(before, null), ['dropped']);
  });

  it('reads sample records from a file with the chain of a definition file (no worker needed)', async () => {
    const dir = tempDir('cdcctl-smt-');
    writeFileSync(
      join(dir, 'def.json'),
      JSON.stringify({
        name: 'x',
        config: {
          'connector.class': 'x.Sink',
          transforms: 'r',
          'transforms.r.type': `${K}RegexRouter`,
          'transforms.r.regex': 'a\\.(.*)',
          'transforms.r.replacement': 'b.$1',
        },
      }),
    );
    writeFileSync(
      join(dir, 'in.json'),
      JSON.stringify([
        {topic: 'a.items', key: 1, value: {x: 1}},
        {topic: 'z', value: null},
      ]),
    );
    const ctx = {contextName: 't', config: {}, log: console, userAgent: 'test', actor: 'me'} as never;
    const r = await testTransforms(ctx, {
      connector: 'x',
      configFile: join(dir, 'def.json'),
      recordsFile: join(dir, 'in.json'),
      limit: 10,
    });
    assert.deepEqual(r.summary, {records: 2, dropped: 0, failed: 0, outputTopics: ['b.items', 'z']});
    await assert.rejects(
      testTransforms(ctx, {connector: 'x', configFile: join(dir, 'def.json'), limit: 10}),
      /--from-topic <topic> or with -f/,
    );
  });
});
