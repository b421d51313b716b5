import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {HttpClient} from '../../src/clients/http.js';
import {escapeLabelValue, groupingPath, PushgatewayClient, renderExposition} from '../../src/clients/pushgateway.js';
import {scriptedServer} from '../helpers.js';

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
    const server = await scriptedServer([{status: 200}, {status: 400, body: 'text format parsing error'}]);
    const http = new HttpClient({
      service: 'Pushgateway',
      endpoint: {url: server.url},
      timeoutMs: 1000,
      retry: {maxAttempts: 1},
    });
    try {
      const client = new PushgatewayClient(http);
      const fam = [{name: 'm', help: 'h', type: 'gauge' as const, samples: [{value: 1}]}];
      await client.push('cdc_reconciliation', {table: 't'}, fam);
      const seen = server.requests[0]!;
      assert.equal(`${seen.method} ${seen.path}`, 'PUT /metrics/job/cdc_reconciliation/table/t');
      assert.match(String(seen.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.equal(seen.body, '# HELP m h\n# TYPE m gauge\nm 1\n');
      await assert.rejects(client.push('cdc_reconciliation', {table: 'u'}, fam), /Pushgateway/);
    } finally {
      await http.close();
      await server.close();
    }
  });
});
