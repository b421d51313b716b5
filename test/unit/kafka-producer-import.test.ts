import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {describe, it} from 'node:test';
import {pathToFileURL} from 'node:url';
import {platformaticProducer} from '../../src/clients/kafka.js';

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
