import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {describe, it} from 'node:test';
import {Ajv2020} from 'ajv/dist/2020.js';
import {lazySchemas} from '../../bin/lazy-schemas.js';
import {headerMap, kafkaLibrary} from '../../src/clients/kafka.js';

/**
 * The build bundles @platformatic/kafka with its option schemas compiled on first use instead of on
 * import (bin/lazy-schemas.js; the build fails if it finds nothing to change). Here: on the
 * installed release, every eager compile is replaced, and a lazy validator answers as ajv's does.
 */
describe('@platformatic/kafka with lazy schemas', () => {
  const dist = dirname(createRequire(import.meta.url).resolve('@platformatic/kafka'));
  const files = (dir: string): string[] =>
    readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
    );

  it('replaces every ajv.compile( of the installed release', () => {
    let total = 0;
    for (const f of files(dist)) {
      const {text, count} = lazySchemas(readFileSync(f, 'utf8'));
      total += count;
      assert.equal(text.split('ajv.compile(').length - 1, count ? 1 : 0, `${f}: only the helper compiles`);
    }
    assert.ok(total > 10, `only ${total} schema compiles found: did the release change how it validates?`);
  });

  it('a lazy validator answers as the compiled one, errors included', () => {
    const {text} = lazySchemas('export const v = ajv.compile(schema);');
    const ajv = new Ajv2020({allErrors: true});
    const schema = {type: 'object', properties: {n: {type: 'integer', minimum: 1}}, required: ['n']};
    const make = new Function('ajv', 'schema', `${text.replace('export const v =', 'const v =')}\nreturn v;`) as (
      a: Ajv2020,
      s: object,
    ) => ((d: unknown) => boolean) & {errors: unknown};
    const lazy = make(ajv, schema);
    const eager = ajv.compile(schema);
    for (const data of [{n: 2}, {n: 0}, {}, {n: 'x'}]) {
      assert.equal(lazy(data), eager(data), JSON.stringify(data));
      assert.deepEqual(lazy.errors, eager.errors, JSON.stringify(data));
    }
  });

  it("kafkaLibrary gives the package's producer, consumer, admin and Java-compatible partitioner", async () => {
    const pkg = await import('@platformatic/kafka');
    const used = await kafkaLibrary();
    assert.equal(used.Consumer, pkg.Consumer);
    assert.equal(used.Admin, pkg.Admin);
    assert.equal(used.Producer, pkg.Producer);
    assert.equal(used.compatibilityPartitioner, pkg.compatibilityPartitioner);
  });
});

describe('headerMap', () => {
  it('keeps every header in order, repeated keys and null values included', () => {
    const b = (s: string) => Buffer.from(s);
    const headers = [
      {key: 'a', value: b('1')},
      {key: 'b', value: null},
      {key: 'a', value: b('2')},
      {key: 'a', value: b('3')},
    ];
    const first = headerMap(headers);
    assert.deepEqual(
      [...first].map(([k, v]) => [k.toString(), v === null ? null : v.toString()]),
      [
        ['a', '1'],
        ['b', null],
        ['a', '2'],
        ['a', '3'],
      ],
    );
    // The next record's first 'a' shares the key Buffer; its repeats get their own.
    const second = headerMap(headers);
    assert.equal([...second.keys()][0], [...first.keys()][0]);
    assert.equal(second.size, 4);
  });
});
