import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MockAgent} from 'undici';
import {HttpClient} from '../../src/clients/http.js';
import {escapeLabelValue, groupingPath, PushgatewayClient, renderExposition} from '../../src/clients/pushgateway.js';

describe('Pushgateway client', () => {
  it('renders the text exposition format with escaping', () => {
    const text = renderExposition([
      {
        name: 'cdc_reconciliation_mismatches_total',
        help: 'Rows that differ\nby kind \\ last run',
        type: 'counter',
        samples: [
          {labels: {kind: 'value'}, value: 3},
          {labels: {kind: 'a"b\\c\nd'}, value: Number.POSITIVE_INFINITY},
        ],
      },
      {name: 'x_seconds', help: 'h', type: 'gauge', samples: [{value: 1.5}]},
    ]);
    assert.equal(
      text,
      [
        '# HELP cdc_reconciliation_mismatches_total Rows that differ\\nby kind \\\\ last run',
        '# TYPE cdc_reconciliation_mismatches_total counter',
        'cdc_reconciliation_mismatches_total{kind="value"} 3',
        'cdc_reconciliation_mismatches_total{kind="a\\"b\\\\c\\nd"} +Inf',
        '# HELP x_seconds h',
        '# TYPE x_seconds gauge',
        'x_seconds 1.5',
        '',
      ].join('\n'),
    );
    assert.equal(escapeLabelValue('"'), '\\"');
    assert.throws(
      () => renderExposition([{name: 'bad-name', help: '', type: 'gauge', samples: []}]),
      /invalid metric name/,
    );
  });

  it('grouping keys: plain values encoded, values with "/" or empty as @base64', () => {
    assert.equal(
      groupingPath('cdc_reconciliation', {table: 'demo.accounts'}),
      '/metrics/job/cdc_reconciliation/table/demo.accounts',
    );
    assert.equal(
      groupingPath('cdc_reconciliation', {table: 'a b', shard: '0/2'}),
      `/metrics/job/cdc_reconciliation/table/a%20b/shard@base64/${Buffer.from('0/2').toString('base64url')}`,
    );
    assert.equal(groupingPath('j', {x: ''}), '/metrics/job/j/x@base64/=');
  });

  it('PUTs text/plain to the grouping path; a server error becomes a ServiceError', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('http://pgw:9091');
    let seen: {body?: string; type?: string} = {};
    pool.intercept({path: '/metrics/job/cdc_reconciliation/table/t', method: 'PUT'}).reply(200, (opts) => {
      seen = {body: String(opts.body), type: String((opts.headers as Record<string, string>)['content-type'])};
      return '';
    });
    pool
      .intercept({path: '/metrics/job/cdc_reconciliation/table/u', method: 'PUT'})
      .reply(400, 'text format parsing error');
    const client = new PushgatewayClient(
      new HttpClient({
        service: 'Pushgateway',
        endpoint: {url: 'http://pgw:9091'},
        timeoutMs: 1000,
        dispatcher: agent,
        retry: {maxAttempts: 1},
      }),
    );
    const fam = [{name: 'm', help: 'h', type: 'gauge' as const, samples: [{value: 1}]}];
    await client.push('cdc_reconciliation', {table: 't'}, fam);
    assert.match(seen.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(seen.body, '# HELP m h\n# TYPE m gauge\nm 1\n');
    await assert.rejects(client.push('cdc_reconciliation', {table: 'u'}, fam), /Pushgateway/);
  });
});
