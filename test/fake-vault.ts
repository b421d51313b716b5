import {createServer, type IncomingHttpHeaders, type RequestListener, type Server} from 'node:http';
import {createServer as createTlsServer} from 'node:https';
import type {AddressInfo} from 'node:net';

/**
 * A stand-in for HashiCorp Vault's HTTP API on loopback (Vault itself cannot run here), answering
 * KV v2 reads exactly as Vault documents them: `GET /v1/<mount>/data/<path>` with X-Vault-Token
 * (and X-Vault-Namespace) → 200 `{"request_id", …, "data": {"data": {…}, "metadata": {…}}, …}`;
 * a bad token → 403 `{"errors":["permission denied"]}`; no secret → 404 `{"errors":[]}`; a deleted
 * latest version → 404 with `data.data: null` and its metadata. Special paths answer what a broken
 * or foreign server would: a KV v1-shaped body, an HTML page, a sealed Vault.
 */
export interface FakeVault {
  address: string;
  /** Every request, as received. */
  requests: Array<{method: string; url: string; headers: IncomingHttpHeaders}>;
  /** Secrets by API path (`secret/data/cdc/pg`); a namespace prefixes it (`team-a/secret/data/x`). */
  secrets: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

/** `tls`: serve HTTPS with this PEM key and certificate. */
export async function startFakeVault(token: string, tls?: {key: string; cert: string}): Promise<FakeVault> {
  const requests: FakeVault['requests'] = [];
  const secrets = new Map<string, Record<string, unknown>>();
  const handler: RequestListener = (req, res) => {
    requests.push({method: req.method ?? '', url: req.url ?? '', headers: req.headers});
    const json = (status: number, body: unknown) => {
      res.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store'});
      res.end(`${JSON.stringify(body)}\n`);
    };
    const path = decodeURIComponent((req.url ?? '').replace(/^\/v1\//, '').split('?')[0] ?? '');
    if (path === 'secret/data/html') {
      res.writeHead(200, {'content-type': 'text/html'});
      res.end('<!DOCTYPE html><html><body>Sign in to continue</body></html>');
      return;
    }
    if (path === 'secret/data/sealed') return json(503, {errors: ['Vault is sealed']});
    if (req.headers['x-vault-token'] !== token) return json(403, {errors: ['permission denied']});
    if (req.method !== 'GET') return json(405, {errors: ['1 error occurred:\n\t* unsupported operation\n\n']});
    if (path === 'kv1/data/app') return json(200, {...envelope(), data: {password: 'kv1-shaped'}});
    const metadata = {
      created_time: '2026-12-01T10:00:00.000000Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 3,
    };
    if (path === 'secret/data/deleted') {
      return json(404, {
        ...envelope(),
        data: {data: null, metadata: {...metadata, deletion_time: '2026-12-02T10:00:00.000000Z'}},
      });
    }
    const namespace = req.headers['x-vault-namespace'];
    const data = secrets.get(namespace ? `${namespace}/${path}` : path);
    if (!data) return json(404, {errors: []});
    json(200, {...envelope(), data: {data, metadata}});
  };
  const server: Server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    address: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    secrets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The fields Vault wraps every answer in. */
function envelope() {
  return {
    request_id: '4f1b3c2a-7d9e-4a52-9b1e-2c3d4e5f6a7b',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}
