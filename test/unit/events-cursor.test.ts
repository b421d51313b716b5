import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {EventCursor, positionsAfter} from '../../src/services/events/cursor.js';

describe('event cursor (SSE ids and Last-Event-ID)', () => {
  it('passes each position once and names every partition in the id, the event first', () => {
    const c = new EventCursor([
      {topic: 't', partition: 0, offset: '10'},
      {topic: 't', partition: 1, offset: '0'},
    ]);
    assert.equal(c.advance('t', 0, '9'), false, 'before the start');
    assert.equal(c.advance('t', 1, '0'), true);
    assert.equal(c.advance('t', 1, '0'), false, 'a second time');
    assert.equal(c.id('t', 1), 't:1:0,t:0:9');
    assert.equal(c.advance('t', 0, '12'), true);
    assert.equal(c.id('t', 0), 't:0:12,t:1:0');
    assert.equal(c.advance('t', 2, '0'), true, 'a partition added later');
    assert.deepEqual(c.offsets(), {t: {0: '13', 1: '1', 2: '1'}});
  });
  it('resumes after an id: every partition it names at the next offset', () => {
    assert.deepEqual(positionsAfter('t:1:0,t:0:12,u:0:-1', ['t', 'u']), {t: {0: '13', 1: '1'}, u: {0: '0'}});
    assert.deepEqual(positionsAfter('orders.v1:0:41', ['orders.v1']), {'orders.v1': {0: '42'}});
    assert.throws(() => positionsAfter('x:0:1', ['t']), /does not serve/);
    assert.throws(() => positionsAfter('garbage', ['t']), /not an event id/);
    assert.throws(() => positionsAfter('t:0:1;t:1:2', ['t']), /not an event id/);
  });
});
