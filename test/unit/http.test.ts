import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {after, describe, it} from 'node:test';
import {ConnectClient, isTransientConnectAnswer, versionAtLeast} from '../../src/clients/connect.js';
import {HttpClient, pathSegment} from '../../src/clients/http.js';
import {ServiceError, UsageError} from '../../src/errors.js';
import {type ScriptedReply, scriptedServer} from '../helpers.js';

/**
 * Error paths a real server cannot be made to produce on demand (a 409 mid-rebalance, a malformed
 * body, a hung socket): a scripted loopback server or a raw socket that never answers. Everything
 * else is tested against the real stack.
 */

async function scripted(replies: ScriptedReply[]) {
  const server = await scriptedServer(replies);
  after(() => server.close());
  return server;
}

function client(url: string, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  const http = new HttpClient({
    service: 'Kafka Connect',
    endpoint: {url},
    timeoutMs: 2000,
    retry: {baseDelayMs: 1, maxDelayMs: 2},
    ...extra,
  });
  after(() => http.close());
  return http;
}

describe('HTTP layer', () => {
  it("retries Kafka Connect's 409 rebalance answer, then succeeds", async () => {
    const rebalance = {
      error_code: 409,
      message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)',
    };
    const server = await scripted([{status: 409, body: rebalance}, {status: 409, body: rebalance}, {status: 204}]);
    const res = await client(server.url).request({
      method: 'POST',
      path: '/connectors/a/restart',
      retryOn: isTransientConnectAnswer,
    });
    assert.equal(res.status, 204);
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path}`),
      Array(3).fill('POST /connectors/a/restart'),
    );
  });

  it('retries the 500 a worker answers while a rebalance is expected', async () => {
    const expected = {error_code: 500, message: 'Request cannot be completed because a rebalance is expected'};
    const server = await scripted([
      {status: 500, body: expected},
      {status: 200, body: {a: '1'}},
    ]);
    const res = await client(server.url).get('/connectors/a/config', undefined, {retryOn: isTransientConnectAnswer});
    assert.deepEqual(res, {a: '1'});
    assert.equal(server.requests.length, 2);
  });

  it('never retries 409 "already exists" on create', async () => {
    const server = await scripted([{status: 409, body: {error_code: 409, message: 'Connector a already exists'}}]);
    await assert.rejects(
      client(server.url).request({
        method: 'POST',
        path: '/connectors',
        body: {name: 'a'},
        retryOn: isTransientConnectAnswer,
      }),
      (err: unknown) =>
        err instanceof ServiceError && err.status === 409 && err.exitCode === 2 && /already exists/.test(err.message),
    );
    assert.equal(server.requests.length, 1);
    assert.deepEqual(JSON.parse(server.requests[0]!.body), {name: 'a'});
  });

  it('retries 500 "Request timed out" and idempotent 503s, and gives up after the policy', async () => {
    const server = await scripted([
      {status: 503, body: 'unavailable'},
      {status: 500, body: {error_code: 500, message: 'Request timed out. The worker is currently flushing'}},
    ]);
    await assert.rejects(
      client(server.url, {retry: {maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1}}).get('/connectors', undefined, {
        retryOn: isTransientConnectAnswer,
      }),
      (err: unknown) =>
        err instanceof ServiceError &&
        err.status === 500 &&
        err.exitCode === 4 &&
        /Request timed out/.test(err.message),
    );
    assert.equal(server.requests.length, 3);
  });

  it('carries service, credential-free URL, status and server message in one error', async () => {
    const server = await scripted([{status: 404, body: {error_code: 404, message: 'Connector x not found'}}]);
    const http = client(server.url.replace('http://', 'http://admin:topsecret@'), {timeoutMs: 1000});
    await assert.rejects(http.get('/connectors/x'), (err: unknown) => {
      assert.ok(err instanceof ServiceError);
      assert.equal(err.status, 404);
      assert.equal(err.serverMessage, 'Connector x not found');
      assert.ok(!err.message.includes('topsecret'), err.message);
      assert.ok(!err.url.includes('topsecret'));
      return true;
    });
  });

  it('reports a malformed JSON body as a bad response, not a crash', async () => {
    const server = await scripted([{status: 200, body: '{"version": ', headers: {'content-type': 'application/json'}}]);
    await assert.rejects(
      new ConnectClient(client(server.url)).serverInfo(),
      (err: unknown) => err instanceof ServiceError && err.code === 'BAD_RESPONSE',
    );
  });

  it('sends basic auth and custom headers, and traces without credentials', async () => {
    const server = await scripted([{status: 200, body: {version: '4.3.1'}}]);
    const lines: string[] = [];
    const http = client(server.url, {
      endpoint: {
        url: server.url,
        auth: {type: 'basic', username: 'u', password: 'pw-12345'},
        headers: {'X-Api-Key': 'key-98765'},
      },
      trace: (l) => lines.push(l),
    });
    assert.deepEqual(await http.get('/'), {version: '4.3.1'});
    assert.equal(server.requests[0]?.headers.authorization, `Basic ${Buffer.from('u:pw-12345').toString('base64')}`);
    assert.equal(server.requests[0]?.headers['x-api-key'], 'key-98765');
    assert.ok(lines.length >= 2);
    assert.ok(!lines.join('\n').includes('pw-12345'));
  });

  it('reuses one keep-alive connection for successive requests', async () => {
    const server = await scripted([{status: 200, body: {}}]);
    const http = client(server.url);
    for (let i = 0; i < 3; i++) await http.get('/');
    const ports = new Set(server.requests.map((r) => r.remotePort));
    assert.equal(server.requests.length, 3);
    assert.equal(ports.size, 1);
  });

  it('maps a server that never answers to exit 4 within the timeout', async () => {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as import('node:net').AddressInfo).port;
    const http = new HttpClient({service: 'Prometheus', endpoint: {url: `http://127.0.0.1:${port}`}, timeoutMs: 300});
    const t0 = Date.now();
    await assert.rejects(
      http.get('/api/v1/query'),
      (err: unknown) => err instanceof ServiceError && err.exitCode === 4 && err.code === 'TIMEOUT',
    );
    assert.ok(Date.now() - t0 < 3000, `gave up after ${Date.now() - t0} ms`);
    await http.close();
  });

  it('refuses connections fast with a clear message', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const http = new HttpClient({
      service: 'Alertmanager',
      endpoint: {url: `http://127.0.0.1:${port}`},
      timeoutMs: 5000,
    });
    await assert.rejects(
      http.get('/api/v2/status'),
      (err: unknown) =>
        err instanceof ServiceError &&
        err.unreachable &&
        /Alertmanager at .* is unreachable.*connection refused/.test(err.message),
    );
    await http.close();
  });

  it('compares versions for feature gates', () => {
    assert.ok(versionAtLeast('4.3.1', '3.9.0'));
    assert.ok(versionAtLeast('3.9.0', '3.9.0'));
    assert.ok(!versionAtLeast('3.8.1', '3.9.0'));
    assert.ok(versionAtLeast('10.0.0-SNAPSHOT', '3.9.0'));
  });

  it('never lets a name climb to another resource ("..", ".", "")', async () => {
    const server = await scripted([{status: 200, body: {}}]);
    const connect = new ConnectClient(client(server.url));
    for (const name of ['..', '.', '']) {
      await assert.rejects(
        connect.getConfig(name),
        (err: unknown) => err instanceof UsageError && /invalid name/.test(err.message),
        name,
      );
    }
    assert.equal(server.requests.length, 0, 'no request was sent');
    assert.equal(pathSegment('a/../b'), 'a%2F..%2Fb');
  });
});
