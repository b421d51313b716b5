import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {AlertmanagerClient} from '../../src/clients/alertmanager.js';
import {ConnectClient} from '../../src/clients/connect.js';
import {HttpClient} from '../../src/clients/http.js';
import {PrometheusClient} from '../../src/clients/prometheus.js';
import {PushgatewayClient} from '../../src/clients/pushgateway.js';
import {RegistryError, SchemaRegistryClient} from '../../src/clients/schema-registry.js';
import {BadAnswerError, ExitCode, ServiceError} from '../../src/errors.js';
import {ForbiddenError, resolveIdentity} from '../../src/services/access/identity.js';
import {type ScriptedReply, scriptedServer} from '../helpers.js';

/**
 * The client boundary (issue 19 item 7): a 200 answer that is an HTML login page, text, malformed
 * JSON or JSON of another shape never leaves a client as data. It is one BadAnswerError (exit 4)
 * naming the service, the URL without credentials, the status and the first offending path.
 */

const LOGIN_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Sign in – Corp SSO</title></head>\n<body><form action="/login"></form></body></html>';

async function serving(reply: ScriptedReply) {
  const server = await scriptedServer([reply]);
  after(() => server.close());
  return server;
}

function http(url: string, service = 'Kafka Connect', origin = 'contexts.prod.connect.url') {
  const client = new HttpClient({
    service,
    endpoint: {url},
    timeoutMs: 2000,
    retry: {maxAttempts: 1},
    origin,
  });
  after(() => client.close());
  return client;
}

const html: ScriptedReply = {status: 200, body: LOGIN_PAGE, headers: {'content-type': 'text/html; charset=utf-8'}};

function badAnswer(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof BadAnswerError, String(err));
    assert.equal(err.exitCode, ExitCode.unreachable);
    assert.equal(err.code, 'BAD_RESPONSE');
    assert.doesNotMatch(err.message, /\n/, 'one line');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('client boundary: answers that are not what the API returns', () => {
  it('an HTML login page: names the service, the URL without credentials, the status, and hints at a proxy', async () => {
    const server = await serving(html);
    const url = server.url.replace('http://', 'http://ops:hunter2@');
    await assert.rejects(
      new ConnectClient(http(`${url}/kc`)).listNames(),
      (err: unknown) =>
        badAnswer(
          /^Kafka Connect at http:\/\/ops:\*+@127\.0\.0\.1:\d+\/kc\/connectors answered 200 with an HTML page \("Sign in – Corp SSO"\), not JSON$/,
        )(err) &&
        /proxy or a login page/.test((err as BadAnswerError).hint ?? '') &&
        /contexts\.prod\.connect\.url/.test((err as BadAnswerError).hint ?? '') &&
        !(err as BadAnswerError).message.includes('hunter2'),
    );
  });

  it('an HTML page with another content type is still an HTML page', async () => {
    const server = await serving({
      status: 200,
      body: LOGIN_PAGE,
      headers: {'content-type': 'application/octet-stream'},
    });
    await assert.rejects(new ConnectClient(http(server.url)).serverInfo(), badAnswer(/with an HTML page/));
  });

  it('text where JSON is expected', async () => {
    const server = await serving({status: 200, body: 'OK\n', headers: {'content-type': 'text/plain'}});
    await assert.rejects(
      new ConnectClient(http(server.url)).listNames(),
      badAnswer(/answered 200 with text\/plain, not JSON: "OK"$/),
    );
  });

  it('a redirect to a login page: exit 4 naming where it points, without its query (it was exit 2)', async () => {
    const server = await serving({
      status: 302,
      body: '',
      headers: {location: 'https://sso.example.com/login?SAMLRequest=secret-ish&RelayState=x'},
    });
    await assert.rejects(new ConnectClient(http(server.url)).listNames(), (err: unknown) => {
      badAnswer(/answered 302 with a redirect to https:\/\/sso\.example\.com\/login, not JSON$/)(err);
      assert.match((err as BadAnswerError).hint ?? '', /proxy or a login page/);
      return true;
    });
  });

  it('malformed JSON exits 4 like any garbage (it was exit 2)', async () => {
    const server = await serving({status: 200, body: '{"version": ', headers: {'content-type': 'application/json'}});
    await assert.rejects(new ConnectClient(http(server.url)).serverInfo(), badAnswer(/malformed JSON body/));
  });

  it('JSON of another shape names the first offending path and what was there', async () => {
    const cases: Array<[unknown, (c: ConnectClient) => Promise<unknown>, RegExp]> = [
      [
        {unexpected: true},
        (c) => c.listNames(),
        /JSON of an unexpected shape \(at the top level: expected an array, got an object\)$/,
      ],
      [['a', 7], (c) => c.listNames(), /\(at \[1\]: expected a string, got number 7\)$/],
      [
        {name: 'x', connector: {state: 'ZOMBIE', worker_id: 'w:8083'}, tasks: [], type: 'sink'},
        (c) => c.status('x'),
        /\(at connector\.state: expected "RUNNING" or "PAUSED" or .*, got the string "ZOMBIE"\)$/,
      ],
      [
        {'orders-sink': {status: {name: 'orders-sink', connector: {worker_id: 'w'}, tasks: [], type: 'sink'}}},
        (c) => c.listExpanded(),
        /\(at \["orders-sink"\]\.status\.connector\.state: missing \(expected "RUNNING" or/,
      ],
    ];
    for (const [body, call, pattern] of cases) {
      const server = await serving({status: 200, body});
      await assert.rejects(call(new ConnectClient(http(server.url))), badAnswer(pattern));
    }
  });

  it('keeps the fields a newer server adds (objects are open)', async () => {
    const info = {version: '9.9.9', commit: 'abc', kafka_cluster_id: 'k', features: ['new']};
    const server = await serving({status: 200, body: info});
    assert.deepEqual(await new ConnectClient(http(server.url)).serverInfo(), info);
  });

  it('accepts a plugin validation with a null value or definition (as Connect and Debezium 3.6 answer)', async () => {
    // recorded from the stack's Connect: PUT /connector-plugins/…PostgresConnector/config/validate
    const validation = {
      name: 'io.debezium.connector.postgresql.PostgresConnector',
      error_count: 0,
      groups: ['Connector'],
      configs: [
        {
          definition: {
            name: 'internal.legacy.snapshot.max.threads',
            type: 'BOOLEAN',
            required: false,
            default_value: 'false',
            importance: 'LOW',
            documentation: 'When enabled, uses the legacy table-per-thread parallel snapshot algorithm.',
            group: 'Connector',
            order_in_group: 13,
            width: 'SHORT',
            display_name: 'Enforces using a single thread per table regardless of table size',
            dependents: [],
          },
          value: null,
        },
        {
          definition: null,
          value: {name: 'consumer.override.group.id', value: 'g', recommended_values: [], errors: [], visible: true},
        },
      ],
    };
    const server = await serving({status: 200, body: validation});
    const connect = new ConnectClient(http(server.url));
    assert.deepEqual(await connect.validate(validation.name, {'connector.class': validation.name}), validation);
  });

  it('accepts a task status with a null version (Connect answered it in CI while a reset restarted the task)', async () => {
    const status = {
      name: 'it-ctl-fs-3',
      connector: {state: 'RUNNING', worker_id: '127.0.0.1:8083', version: '4.3.1'},
      tasks: [{id: 0, state: 'RUNNING', worker_id: '127.0.0.1:8083', version: null}],
      type: 'source',
    };
    const server = await serving({status: 200, body: status});
    assert.deepEqual(await new ConnectClient(http(server.url)).status('it-ctl-fs-3'), status);
  });

  it('checks only 2xx answers against the shape: a registry error stays a registry error, on one line', async () => {
    const json = await serving({status: 404, body: {error_code: 40401, message: "Subject 'x' not found."}});
    await assert.rejects(
      new SchemaRegistryClient(http(json.url, 'Schema Registry')).versions('x'),
      (err: unknown) => err instanceof RegistryError && err.exitCode === ExitCode.usage && err.notFound,
    );
    const page = await serving({...html, status: 404});
    await assert.rejects(
      new SchemaRegistryClient(http(page.url, 'Schema Registry')).versions('x'),
      (err: unknown) =>
        err instanceof RegistryError && /^Schema Registry: an HTML page \("Sign in – Corp SSO"\)/.test(err.message),
    );
  });

  it("Kafka Connect's /health: a 503 that is not its document is garbage too", async () => {
    const server = await serving({...html, status: 503});
    await assert.rejects(new ConnectClient(http(server.url)).health(), badAnswer(/answered 503 with an HTML page/));
  });

  it('Prometheus: an envelope without status "success" is garbage, not "HTTP 200"', async () => {
    const server = await serving({status: 200, body: {data: {resultType: 'vector', result: []}}});
    await assert.rejects(
      new PrometheusClient(http(server.url, 'Prometheus')).query('up'),
      badAnswer(/\(at status: missing \(expected "success"\)\)$/),
    );
  });
});

/**
 * Every public method of every REST client, found by reflection (a new method is swept too), called
 * with placeholder arguments against a server answering 200 with garbage. Each must reject with a
 * BadAnswerError — except, for well-formed JSON, the calls whose API answers no body at all.
 */
describe('client boundary: every method of every REST client', () => {
  const clients = {
    'Kafka Connect': (h: HttpClient) => new ConnectClient(h),
    'Schema Registry': (h: HttpClient) => new SchemaRegistryClient(h),
    Alertmanager: (h: HttpClient) => new AlertmanagerClient(h),
    Prometheus: (h: HttpClient) => new PrometheusClient(h),
    Pushgateway: (h: HttpClient) => new PushgatewayClient(h),
  } as const;
  /** Their API answers with no body (202/204, or 200 with an empty one): no shape to check beyond "not a page". */
  const bodyless = new Set([
    'Kafka Connect.pause',
    'Kafka Connect.resume',
    'Kafka Connect.stop',
    'Kafka Connect.delete',
    'Kafka Connect.restartTask',
    'Alertmanager.expireSilence',
    'Pushgateway.push',
    'Pushgateway.pushAdd',
    'Pushgateway.delete',
  ]);
  /** Their API answers an empty body in some cases: restart without tasks (204), a cluster-wide logger level (204), posted alerts (200). */
  const mayBeEmpty = new Set(['Kafka Connect.restart', 'Kafka Connect.setLogger', 'Alertmanager.postAlerts']);
  const notCalls = new Set(['constructor', 'close', 'url', 'call', 'api']);
  const placeholder = ['x', {}, {schema: '"string"'}, [{name: 'cdc_sweep', help: 'h', type: 'gauge', samples: []}]];
  const args: Record<string, unknown[]> = {
    'Kafka Connect.supports': ['health'],
    'Pushgateway.push': ['job', {}, placeholder[3]],
    'Pushgateway.pushAdd': ['job', {}, placeholder[3]],
    'Pushgateway.delete': ['job', {}],
    'Schema Registry.register': ['x', placeholder[2]],
    'Schema Registry.lookup': ['x', placeholder[2]],
    'Schema Registry.checkCompatibility': ['x', placeholder[2]],
    'Schema Registry.setCompatibility': ['BACKWARD', 'x'],
    'Schema Registry.setMode': ['READONLY', 'x'],
    'Alertmanager.postAlerts': [[{labels: {alertname: 'x'}}]],
  };

  for (const [name, body] of [
    ['an HTML page', html],
    ['a JSON object of another shape', {status: 200, body: {unexpected: true}}],
    ['a JSON array of another shape', {status: 200, body: [{unexpected: true}]}],
    ['an empty body', {status: 200}],
  ] as Array<[string, ScriptedReply]>) {
    it(`answers that are ${name} never leave a client as data`, async () => {
      const server = await serving(body);
      const escaped: string[] = [];
      for (const [service, make] of Object.entries(clients)) {
        const client = make(http(server.url, service));
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(client)).filter(
          (m) => !notCalls.has(m) && typeof (client as unknown as Record<string, unknown>)[m] === 'function',
        );
        assert.ok(methods.length > 0, service);
        for (const method of methods) {
          const id = `${service}.${method}`;
          if (body !== html && bodyless.has(id)) continue;
          if (body.body === undefined && mayBeEmpty.has(id)) continue;
          const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
          try {
            const value = await fn.apply(client, args[id] ?? ['x', 'x', 'x']);
            escaped.push(`${id} returned ${JSON.stringify(value)?.slice(0, 80)}`);
          } catch (err) {
            if (!(err instanceof BadAnswerError)) escaped.push(`${id} threw ${String(err).slice(0, 120)}`);
          }
        }
      }
      assert.deepEqual(escaped, []);
    });
  }
});

/**
 * The JWKS URL of `access.jwt` is an HTTP dependency too: when it is unreachable or answers garbage,
 * the token was not rejected — the key set could not be had (exit 4, not a denial, exit 6).
 */
describe('client boundary: the JWKS endpoint of access.jwt', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = `${b64({alg: 'RS256', kid: 'k1'})}.${b64({sub: 'ci', iss: 'https://idp', aud: 'cdcctl'})}.c2ln`;
  const identity = (jwks: string) =>
    resolveIdentity({jwt: {issuer: 'https://idp', audience: 'cdcctl', jwks}}, 'prod', token);

  for (const [name, reply, pattern] of [
    ['an HTML page', html, /^the JWKS endpoint http:\S+\/jwks answered 200 with something that is not JSON$/],
    [
      'JSON of another shape',
      {status: 200, body: {unexpected: true}},
      /answered 200 with JSON that is not a JSON Web Key Set$/,
    ],
    ['an error page', {...html, status: 502}, /answered with an error status, not a JSON Web Key Set$/],
  ] as Array<[string, ScriptedReply, RegExp]>) {
    it(`${name}: exit 4 naming the endpoint and the config key`, async () => {
      const server = await serving(reply);
      await assert.rejects(identity(`${server.url}/jwks`), (err: unknown) => {
        assert.ok(err instanceof ServiceError, String(err));
        assert.equal(err.exitCode, ExitCode.unreachable);
        assert.match(err.message, pattern);
        assert.match(err.hint ?? '', /contexts\.prod\.access\.jwt\.jwks/);
        return true;
      });
    });
  }

  it('unreachable: exit 4', async () => {
    const server = await scriptedServer([{status: 200}]);
    await server.close();
    await assert.rejects(
      identity(`${server.url}/jwks`),
      (err: unknown) =>
        err instanceof ServiceError &&
        err.exitCode === ExitCode.unreachable &&
        /is unreachable: connection refused$/.test(err.message),
    );
  });

  it("a key set without the token's key is still a denial (exit 6)", async () => {
    const jose = await import('jose');
    const {publicKey} = await jose.generateKeyPair('RS256');
    const server = await serving({status: 200, body: {keys: [{...(await jose.exportJWK(publicKey)), kid: 'other'}]}});
    await assert.rejects(identity(`${server.url}/jwks`), (err: unknown) => err instanceof ForbiddenError);
  });
});
