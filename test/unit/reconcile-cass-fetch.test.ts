import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Client} from 'cassandra-driver';
import {T} from '../../src/services/reconcile/canonical.js';
import {cassFetch} from '../../src/services/reconcile/cassandra-side.js';
import type {ResolvedTable} from '../../src/services/reconcile/spec.js';

/**
 * The drill-down's Cassandra reads: 100 keys per `IN ?` query for a table keyed by one partition-key
 * column, point reads when a cluster refuses the list (a guardrail answers "invalid query"), and any
 * other failure passed on. The real server is exercised by the reconcile integration tests; a refusing
 * guardrail cannot be switched on in the local stack at run time, hence this stand-in client.
 */
const table = {
  keyspace: 'ks',
  table: 't',
  key: [{name: 'id', type: {code: T.int}}],
  partitionKey: ['id'],
  compared: [{name: 'v', type: {code: T.text}}],
} as unknown as ResolvedTable;

const stored = new Map(Array.from({length: 250}, (_, i) => [i, `v${i}`]));
const row = (id: number) => ({
  id,
  v: stored.get(id),
  get: (c: string) => (c === 'id' ? id : c === 'v' ? stored.get(id) : null),
});

function client(onIn: 'answer' | 'refuse' | 'time out') {
  const queries: string[] = [];
  const execute = async (query: string, params: unknown[]) => {
    queries.push(query.includes(' IN ?') ? 'in' : 'point');
    if (query.includes(' IN ?')) {
      if (onIn === 'refuse')
        throw Object.assign(new Error('Too many partition keys in IN'), {name: 'ResponseError', code: 0x2200});
      if (onIn === 'time out') throw Object.assign(new Error('Read timed out'), {name: 'ResponseError', code: 0x1200});
      const ids = (params[0] as number[]).filter((id) => stored.has(id));
      return {rows: ids.map(row)};
    }
    const id = params[0] as number;
    return {first: () => (stored.has(id) ? row(id) : null)};
  };
  return {client: {execute} as unknown as Client, queries};
}

const keys = Array.from({length: 260}, (_, i) => String(i)); // 250 stored, 10 not

describe('reconcile drill-down reads from Cassandra', () => {
  it('reads 100 keys per IN query when the key is one partition-key column', async () => {
    const c = client('answer');
    const got = await cassFetch(c.client, table, keys);
    assert.equal(got.size, 250);
    assert.equal(got.get('249')?.row.v, 'v249');
    assert.deepEqual(c.queries, ['in', 'in', 'in']);
  });

  it('falls back to point reads when the cluster refuses the IN list', async () => {
    const c = client('refuse');
    const got = await cassFetch(c.client, table, keys);
    assert.equal(got.size, 250);
    assert.equal(got.get('7')?.row.v, 'v7');
    assert.equal(c.queries.filter((q) => q === 'point').length, 260);
  });

  it('passes any other failure on', async () => {
    await assert.rejects(cassFetch(client('time out').client, table, keys), /Read timed out/);
  });
});
