import {z} from 'zod';
import {ServiceError} from '../errors.js';
import {HttpClient, type HttpClientOptions, pathSegment, serverMessageOf} from './http.js';

/**
 * HashiCorp Vault's HTTP API, as far as cdcctl reads it: one KV version 2 secret, `GET /v1/<path>`
 * (`<mount>/data/<path>`) with `X-Vault-Token` and, for Vault Enterprise or HCP, `X-Vault-Namespace`.
 * Answers are validated: `{"data": {"data": {…}, "metadata": {…}}}` is a secret; `{"errors": […]}`
 * with 403 or 404 is Vault's refusal; anything else (an HTML page from a proxy, a KV v1 answer) is
 * not trusted.
 */

/** A KV v2 read: `data.data` is null when the latest version is deleted (then with a 404). */
const kvReadAnswer = z.object({
  data: z
    .object({
      data: z.record(z.string(), z.unknown()).nullable(),
      metadata: z
        .object({
          version: z.number().optional(),
          deletion_time: z.string().optional(),
          destroyed: z.boolean().optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

export interface VaultEndpoint {
  address: string;
  token: string;
  namespace?: string;
  tls?: {ca?: string; cert?: string; key?: string; insecureSkipTlsVerify?: boolean};
  /** Where the settings are (`contexts.<name>.vault`), named by configuration errors. */
  keyPath: string;
}

export class VaultClient {
  private readonly http: HttpClient;
  private readonly namespace?: string;
  private readonly keyPath: string;

  constructor(endpoint: VaultEndpoint, options: Pick<HttpClientOptions, 'timeoutMs' | 'trace' | 'userAgent'>) {
    this.namespace = endpoint.namespace;
    this.keyPath = endpoint.keyPath;
    this.http = new HttpClient({
      service: 'Vault',
      endpoint: {
        url: `${endpoint.address.replace(/\/+$/, '')}/v1`,
        // the token is the one secret header; HttpClient registers it for scrubbing
        headers: {'X-Vault-Token': endpoint.token},
        tls: endpoint.tls,
      },
      keyPath: endpoint.keyPath,
      // a sealed or overloaded Vault is not waited for: the run reports it
      retry: {maxAttempts: 3, maxElapsedMs: 5000},
      ...options,
    });
  }

  get displayUrl(): string {
    return this.http.displayUrl;
  }

  /** The key/value data of the latest version of the KV v2 secret at `path` (`<mount>/data/<path>`). */
  async readKv2(path: string): Promise<Record<string, unknown>> {
    const apiPath = path
      .split('/')
      .map((s) => pathSegment(s, 'Vault path segment'))
      .join('/');
    const res = await this.http
      .request<unknown>({
        method: 'GET',
        path: apiPath,
        accept: [400, 401, 403, 404, 405],
        ...(this.namespace ? {headers: {'X-Vault-Namespace': this.namespace}} : {}),
      })
      .catch((err: unknown) => {
        if (!(err instanceof ServiceError) || err.status === undefined || err.hint) throw err;
        throw new ServiceError(
          {service: 'Vault', url: err.url, status: err.status, serverMessage: err.serverMessage, message: err.message},
          {hint: 'Vault is unwell (sealed, a standby without an active node, or overloaded): check `vault status`.'},
        );
      });
    const url = `${this.displayUrl}/${apiPath}`;
    const answer = kvReadAnswer.safeParse(res.body);
    if (res.status === 200) {
      const data = answer.success ? answer.data.data?.data : undefined;
      if (data) return data;
      throw new ServiceError(
        {
          service: 'Vault',
          url,
          code: 'BAD_RESPONSE',
          message: `Vault at ${this.displayUrl} answered GET ${url} with ${describeBody(res.body)}, not a KV v2 secret`,
        },
        {
          hint: answer.success
            ? `Is ${path.split('/')[0]} a KV version 2 mount? A KV v1 secret has no /data/ in its path.`
            : `Check the Vault address (${this.keyPath}.address or VAULT_ADDR): something else answered.`,
        },
      );
    }
    const metadata = answer.success ? answer.data.data?.metadata : undefined;
    const errors = serverMessageOf(res.body);
    let message: string;
    let hint: string;
    if (res.status === 404 && metadata?.deletion_time) {
      message = `the latest version (${metadata.version ?? '?'}) of the Vault secret ${path} was ${metadata.destroyed ? 'destroyed' : 'deleted'} at ${metadata.deletion_time}`;
      hint = 'Write a new version of it (vault kv put), or undelete the version (vault kv undelete).';
    } else if (res.status === 404) {
      message = `Vault has no secret at ${path}`;
      hint = `Check the path (the KV v2 API path: <mount>/data/<path>, as \`vault kv get\` prints it under "Secret Path").`;
    } else if (res.status === 403 || res.status === 401) {
      message = `Vault denied reading ${path}${errors ? ` (${errors})` : ''}`;
      hint = `Check the token (${this.keyPath}.token, VAULT_TOKEN or ~/.vault-token) and that its policy grants "read" on this path; with Vault Enterprise, also the namespace.`;
    } else {
      message = `Vault refused to read ${path} (${res.status}${errors ? `: ${errors}` : ''})`;
      hint = 'Check the reference and the Vault settings (address, namespace, token).';
    }
    throw new ServiceError({service: 'Vault', url, status: res.status, serverMessage: errors, message}, {hint});
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return /^\s*</.test(body) ? 'an HTML page' : 'a text that is not JSON';
  if (body === undefined) return 'an empty body';
  return 'a JSON document of another shape';
}
