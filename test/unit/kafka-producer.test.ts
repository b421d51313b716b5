import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {describe, it} from 'node:test';
import {pathToFileURL} from 'node:url';
import {headerMap, platformaticProducer} from '../../src/clients/kafka.js';

/**
 * openProducer loads only the producer half of @platformatic/kafka, by file (the package exports
 * nothing but its index). A release that moved that file would silently fall back to the whole
 * package and cost every producing command ~0.2 s of start-up again: this fails first.
 */
describe('@platformatic/kafka producer import', () => {
  it('finds the producer module by file and uses it', async () => {
    const index = pathToFileURL(createRequire(import.meta.url).resolve('@platformatic/kafka'));
    const direct = await import(new URL('./clients/producer/index.js', index).href);
    assert.equal(typeof direct.Producer, 'function');
    assert.equal(typeof direct.compatibilityPartitioner, 'function');
    const used = await platformaticProducer();
    assert.equal(used.Producer, direct.Producer);
    assert.equal(used.compatibilityPartitioner, direct.compatibilityPartitioner);
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
