import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {replicationCheck, replicationHealth} from '../../src/services/diagnostics/replication.js';

const part = (partition: number, leader: number, replicas: number[], isr: number[]) => ({
  partition,
  leader,
  replicas,
  isr,
});

describe('doctor: the cluster’s replication', () => {
  it('all in sync is ok', () => {
    const h = replicationHealth([{topic: 'a', partitions: [part(0, 1, [1, 2, 3], [1, 2, 3])]}], [1, 2, 3], new Map());
    const c = replicationCheck(h);
    assert.equal(c.status, 'ok');
    assert.equal(c.detail, '1 partition(s) in 1 topic(s): every replica in sync');
  });

  it('a dead broker: under-replicated is a warn naming the broker, below min ISR and offline are fails', () => {
    // broker 3 is down (not in the metadata's broker list)
    const layouts = [
      {topic: 'orders', partitions: [part(0, 1, [1, 2, 3], [1, 2]), part(1, 2, [2, 3, 1], [2, 1])]},
      {topic: 'connect-configs', partitions: [part(0, 1, [1, 2, 3], [1, 2, 3])]},
    ];
    const warn = replicationCheck(replicationHealth(layouts, [1, 2], new Map([['orders', 2]])));
    assert.equal(warn.status, 'warn');
    assert.equal(
      warn.detail,
      '2 of 3 partition(s) in 2 topic(s) under-replicated, 0 below min.insync.replicas, 0 offline: broker 3 (not in the cluster: down?) out of the ISR of 2 (e.g. orders)',
    );
    assert.deepEqual(warn.data?.outOfIsr, {3: 2});
    assert.deepEqual(warn.data?.missingBrokers, [3]);

    const below = replicationCheck(
      replicationHealth([{topic: 'orders', partitions: [part(0, 1, [1, 2, 3], [1])]}], [1], new Map([['orders', 2]])),
    );
    assert.equal(below.status, 'fail');
    assert.match(below.detail, /1 below min\.insync\.replicas/);
    assert.match(below.hint ?? '', /acks=all/);

    const offline = replicationHealth([{topic: 'x', partitions: [part(0, -1, [3], [])]}], [1, 2], new Map());
    assert.equal(offline.offline, 1);
    assert.equal(replicationCheck(offline).status, 'fail');
  });

  it('RF 1 topics with min.insync.replicas 2 (a single-node cluster) are not "below min ISR"', () => {
    const h = replicationHealth([{topic: 'a', partitions: [part(0, 1, [1], [1])]}], [1], new Map([['a', 2]]));
    assert.equal(h.belowMinIsr, 0);
    assert.equal(replicationCheck(h).status, 'ok');
  });
});
