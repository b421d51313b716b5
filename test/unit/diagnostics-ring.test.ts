import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {keyspaceReplication, type RingNode} from '../../src/clients/cassandra-ring.js';
import {ringCheck, ringHealth} from '../../src/services/diagnostics/ring.js';

const node = (n: number, token: string, up = true, dc = 'dc1'): RingNode => ({
  address: `127.0.0.${n}`,
  dc,
  rack: 'r1',
  tokens: [token],
  up,
  ...(up ? {} : {reason: 'not accepting connections'}),
});
const three = (down: number[]) =>
  [node(1, '-9223372036854775808'), node(2, '-3074457345618258603'), node(3, '3074457345618258602')].map((n, i) =>
    down.includes(i + 1) ? {...n, up: false, reason: 'not accepting connections'} : n,
  );
const simple = (name: string, rf: number) =>
  keyspaceReplication(name, {class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: String(rf)});

describe('doctor: the Cassandra ring', () => {
  it('all up: ok, every level served', () => {
    const h = ringHealth(three([]), [simple('a', 3)], 'dc1');
    assert.deepEqual(h.keyspaces[0], {
      name: 'a',
      replicas: 3,
      minLive: 3,
      minLiveLocal: 3,
      one: true,
      quorum: true,
      localQuorum: true,
      all: true,
    });
    assert.equal(ringCheck(h, 'dc1').status, 'ok');
  });

  it('one of three down: RF 3 keeps QUORUM (warn); RF 1 loses a third of its ranges (fail)', () => {
    const h = ringHealth(three([3]), [simple('rf3', 3), simple('rf1', 1), simple('rf2', 2)], 'dc1');
    const by = Object.fromEntries(h.keyspaces.map((k) => [k.name, k]));
    assert.equal(by.rf3?.quorum, true);
    assert.equal(by.rf3?.all, false);
    assert.equal(by.rf1?.one, false, 'the range node 3 alone holds is gone');
    assert.equal(by.rf2?.one, true);
    assert.equal(by.rf2?.quorum, false, 'RF 2: a quorum is both replicas');
    const c = ringCheck(h, 'dc1');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /1 of 3 node\(s\) down: 127\.0\.0\.3/);
    assert.match(c.detail, /data unavailable at any level in rf1 \(RF 1\)/);
    assert.match(c.detail, /QUORUM still served in rf3 \(RF 3\), ALL not/);
    const warn = ringCheck(ringHealth(three([3]), [simple('rf3', 3)], 'dc1'), 'dc1');
    assert.equal(warn.status, 'warn');
  });

  it('two of three down: no quorum at RF 3', () => {
    const c = ringCheck(ringHealth(three([2, 3]), [simple('rf3', 3)], 'dc1'), 'dc1');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /no QUORUM\/LOCAL_QUORUM in rf3 \(RF 3\): only ONE is served/);
  });

  it('NetworkTopologyStrategy: replicas per data centre, LOCAL_QUORUM from the local one', () => {
    const nodes = [
      node(1, '-9000000000000000000', true, 'eu'),
      node(2, '-3000000000000000000', false, 'eu'),
      node(3, '0', true, 'us'),
      node(4, '3000000000000000000', true, 'eu'),
      node(5, '6000000000000000000', true, 'us'),
    ];
    const ks = keyspaceReplication('n', {
      class: 'org.apache.cassandra.locator.NetworkTopologyStrategy',
      eu: '3',
      us: '1',
    });
    const [h] = ringHealth(nodes, [ks], 'eu').keyspaces;
    assert.equal(h?.replicas, 4);
    assert.equal(h?.minLiveLocal, 2);
    assert.equal(h?.localQuorum, true);
    assert.equal(h?.all, false);
  });
});
