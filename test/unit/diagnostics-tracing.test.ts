import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {HttpClient} from '../../src/clients/http.js';
import {TracingClient} from '../../src/clients/tracing.js';
import {renderWaterfall} from '../../src/output/diagnostics.js';
import {spanTree} from '../../src/services/diagnostics/traces.js';
import {repoRoot, scriptedServer} from '../helpers.js';

/**
 * The Jaeger query API at the HTTP boundary (Jaeger cannot run here): a loopback server answers with
 * a document of Jaeger's `/api/traces/{id}` shape (data[].spans with references and processID,
 * processes by id, microsecond times). The Zipkin path runs against the real server
 * (test/integration/tracing.test.ts).
 */
const JAEGER = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'tracing', 'jaeger-trace.json'), 'utf8'));
const client = (url: string) =>
  new TracingClient(
    'jaeger',
    new HttpClient({service: 'Jaeger query', endpoint: {url}, timeoutMs: 2000, retry: {maxAttempts: 1}}),
  );

describe('Jaeger query API', () => {
  it('reads /api/traces/{id} into spans: parents from CHILD_OF (else the first reference), services from processes', async () => {
    const srv = await scriptedServer([{status: 200, body: JAEGER}]);
    try {
      const spans = await client(srv.url).trace('5b8aa5a2d2c872e8321cf37308d69df2');
      assert.equal(srv.requests[0]?.path, '/api/traces/5b8aa5a2d2c872e8321cf37308d69df2');
      assert.equal(spans.length, 4);
      const publish = spans.find((s) => s.name === 'inventory.public.customers publish');
      assert.equal(publish?.parentId, '5cd7e0a7ea1cca34');
      assert.equal(publish?.service, 'connect');
      assert.equal(publish?.tags['messaging.kafka.offset'], '17');
      assert.equal(publish?.kind, 'producer');
      assert.equal(spans.find((s) => s.name.endsWith('process'))?.parentId, '88e2b1c3d4f5a6b7');
      const tree = spanTree(spans);
      assert.deepEqual(
        tree.map((s) => [s.depth, s.name]),
        [
          [0, 'db-log-write'],
          [1, 'debezium-read'],
          [2, 'inventory.public.customers publish'],
          [3, 'inventory.public.customers process'],
        ],
      );
      const text = renderWaterfall({
        traceId: 'x',
        backend: 'jaeger',
        startUs: tree[0]!.startUs,
        durationUs: 723_000,
        spans: tree,
      });
      assert.match(text, /^trace x \(jaeger\): 4 span\(s\), 723\.0 ms/);
      assert.match(text, /\n {6}connect-sink: inventory\.public\.customers process +\|.*\| {2}12\.0 ms \+711\.0 ms$/);
    } finally {
      await srv.close();
    }
  });

  it('an unknown id (404) is no trace, not an error', async () => {
    const srv = await scriptedServer([
      {status: 404, body: {data: null, errors: [{code: 404, msg: 'trace not found'}]}},
    ]);
    try {
      assert.deepEqual(await client(srv.url).trace('00'), []);
    } finally {
      await srv.close();
    }
  });

  it('searches /api/traces by service and tags (JSON), start and end in microseconds', async () => {
    const srv = await scriptedServer([{status: 200, body: JAEGER}]);
    try {
      const found = await client(srv.url).find({
        tags: {'messaging.destination.name': 'inventory.public.customers'},
        service: 'connect',
        lookbackMs: 60_000,
        limit: 5,
      });
      assert.equal(found.length, 1);
      const q = new URL(srv.requests[0]?.path ?? '', 'http://x').searchParams;
      assert.equal(q.get('service'), 'connect');
      assert.deepEqual(JSON.parse(q.get('tags') ?? ''), {'messaging.destination.name': 'inventory.public.customers'});
      assert.equal(Number(q.get('end')) - Number(q.get('start')), 60_000_000);
      assert.equal(q.get('limit'), '5');
    } finally {
      await srv.close();
    }
  });

  it('an answer of another shape is refused at the boundary', async () => {
    const srv = await scriptedServer([
      {status: 200, body: '<html><title>Login</title></html>', headers: {'content-type': 'text/html'}},
    ]);
    try {
      await assert.rejects(client(srv.url).trace('ab'), /HTML|Login/);
    } finally {
      await srv.close();
    }
  });
});
