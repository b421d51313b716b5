import type {Agent as HttpAgent, IncomingMessage, RequestOptions} from 'node:http';
import type {HttpEndpointConfig} from '../config/schema.js';
import {
  redact,
  redactText,
  redactUrl,
  registerSecret,
  resolveSecretString,
  scrubKnownSecrets,
} from '../config/secrets.js';
import {BadAnswerError, CdcError, ServiceError, UsageError} from '../errors.js';
import {type AnswerSource, htmlTitle, looksLikeHtml, notJson, parseAnswer, redirected, type Shape} from './answer.js';
import {tlsFiles} from './tls.js';

/**
 * The one HTTP layer under every REST client (Kafka Connect, Schema Registry, Alertmanager,
 * Prometheus, Pushgateway): base URL, auth, TLS, timeouts, retries with backoff and jitter, a single
 * error type, and an optional request trace. It knows nothing of cdcctl's commands.
 *
 * Transport: Node's own http/https modules with a keep-alive agent per client. (npm undici, used
 * before, cost ~40 ms of module loading on every command — a sixth of the start-up budget — for
 * features a CLI making tens to hundreds of plain HTTP/1.1 requests per run does not use.)
 */

/**
 * One path segment of a REST URL built from user input (a connector, subject or silence id),
 * percent-encoded. "", "." and ".." are refused: URL resolution would drop or climb over them
 * (`/connectors/../config` is `/config`), sending the request to a different resource.
 */
export function pathSegment(value: string, what = 'name'): string {
  if (value === '' || value === '.' || value === '..') {
    throw new UsageError(`invalid ${what} "${value}"`, {hint: `A ${what} cannot be empty, "." or "..".`});
  }
  return encodeURIComponent(value);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts after this much time since the first. */
  maxElapsedMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxElapsedMs: 60_000,
};

export interface HttpClientOptions {
  /** Human name of the service, used in errors ("Kafka Connect"). */
  service: string;
  endpoint: HttpEndpointConfig;
  /** Where the endpoint is configured (`contexts.<name>.connect`), named by configuration errors. */
  keyPath?: string;
  /** Per-attempt timeout (connect + headers + body). */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Receives one line per request and answer (`--verbose`); credentials never reach it. */
  trace?: (line: string) => void;
  userAgent?: string;
  /** The configuration key the URL comes from (`contexts.local.connect.url`), named in hints. */
  origin?: string;
}

export interface HttpRequest<T = unknown> {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | Array<string | number | boolean> | undefined>;
  body?: unknown;
  /** Extra headers of this request; not secrets (those belong in the endpoint's auth or headers). */
  headers?: Record<string, string>;
  /** Content type of a string body (default application/json), e.g. Prometheus text exposition format. */
  contentType?: string;
  /** Status codes that are answers, not errors (e.g. 503 from a health endpoint). */
  accept?: number[];
  /** Retries network failures and 502/503/504. Defaults to true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean;
  /** Extra retry rule for answers this service documents as transient (e.g. Connect's 409 rebalance). */
  retryOn?: (status: number, body: unknown) => boolean;
  timeoutMs?: number;
  /**
   * The shape of a 2xx answer's body (client boundary, see answer.ts). Without it a 2xx answer may
   * be anything but an HTML page (a proxy's or a login page is never the service's answer).
   */
  expect?: Shape<T>;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** The request's URL, without credentials. */
  url: string;
}

const TRANSIENT_STATUS = new Set([502, 503, 504]);
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'EPIPE']);

export class HttpClient {
  readonly service: string;
  readonly baseUrl: URL;
  private readonly options: HttpClientOptions;
  private readonly retry: RetryPolicy;
  private agent?: HttpAgent;
  private headers?: Record<string, string>;

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.service = options.service;
    this.baseUrl = new URL(options.endpoint.url.endsWith('/') ? options.endpoint.url : `${options.endpoint.url}/`);
    this.retry = {...defaultRetryPolicy, ...options.retry};
  }

  /** Where the endpoint's settings are, for configuration errors: the key path, else the service. */
  private get where(): string {
    return this.options.keyPath ?? `${this.service} endpoint`;
  }

  /** The base URL as it may be shown: without credentials. */
  get displayUrl(): string {
    return redactUrl(this.baseUrl.toString().replace(/\/$/, ''));
  }

  async request<T = unknown>(req: HttpRequest<T>): Promise<HttpResponse<T>> {
    const url = this.urlFor(req);
    const shown = redactUrl(url.toString());
    const idempotent = req.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const t0 = Date.now();
      this.trace(`→ ${req.method} ${shown}${req.body === undefined ? '' : ` ${traceBody(req.body)}`}`);
      let outcome: HttpResponse<T> | ServiceError;
      try {
        outcome = await this.once<T>(req, url, shown);
      } catch (err) {
        outcome = this.networkError(err, req, shown);
      }
      const elapsed = Date.now() - t0;
      if (outcome instanceof ServiceError) {
        this.trace(`← ${req.method} ${shown} failed after ${elapsed} ms: ${outcome.message}`);
        const transient = idempotent && TRANSIENT_NETWORK.has(String(outcome.details?.cause ?? ''));
        if (!transient || !this.mayRetry(attempt, started)) throw outcome;
      } else {
        this.trace(`← ${outcome.status} ${req.method} ${shown} (${elapsed} ms)`);
        const ok = (outcome.status >= 200 && outcome.status < 300) || req.accept?.includes(outcome.status);
        if (ok) return this.checked(outcome, req);
        const transient =
          (idempotent && TRANSIENT_STATUS.has(outcome.status)) ||
          (req.retryOn?.(outcome.status, outcome.body) ?? false);
        if (!transient || !this.mayRetry(attempt, started)) throw this.statusError(outcome, req, shown);
      }
      const delay = backoff(attempt, this.retry);
      this.trace(`  retrying in ${delay} ms (attempt ${attempt + 1} of ${this.retry.maxAttempts})`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async get<T = unknown>(path: string, query?: HttpRequest['query'], extra: Partial<HttpRequest<T>> = {}): Promise<T> {
    return (await this.request<T>({method: 'GET', path, query, ...extra})).body;
  }

  async close(): Promise<void> {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Where an answer came from, for the errors that refuse it. */
  answerSource(res: Pick<HttpResponse, 'status' | 'url'>): AnswerSource {
    return {service: this.service, url: res.url, status: res.status, origin: this.options.origin};
  }

  /** A 2xx answer as its caller declared it (`expect`), and never an HTML page; other accepted answers are the caller's to read. */
  private checked<T>(res: HttpResponse<T>, req: HttpRequest<T>): HttpResponse<T> {
    if (res.status < 200 || res.status >= 300) return res;
    const type = String(res.headers['content-type'] ?? '');
    if (typeof res.body === 'string' && (req.expect || looksLikeHtml(res.body, type))) {
      throw notJson(res.body, type, this.answerSource(res));
    }
    return req.expect ? {...res, body: parseAnswer(req.expect, res.body, this.answerSource(res))} : res;
  }

  private mayRetry(attempt: number, started: number): boolean {
    return attempt < this.retry.maxAttempts && Date.now() - started < this.retry.maxElapsedMs;
  }

  private urlFor(req: HttpRequest): URL {
    const url = new URL(req.path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    return url;
  }

  private async once<T>(req: HttpRequest<T>, url: URL, shown: string): Promise<HttpResponse<T>> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const headers: Record<string, string> = {accept: 'application/json', ...this.requestHeaders()};
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['content-type'] ??= req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const {
      status,
      headers: resHeaders,
      text,
    } = await send(url, {
      method: req.method,
      headers,
      body,
      agent: this.getAgent(),
      // one budget for connect, headers and body
      signal: AbortSignal.timeout(timeoutMs),
    });
    let parsed: unknown = text;
    const type = String(resHeaders['content-type'] ?? '');
    if (text !== '' && (type.includes('json') || /^[[{]/.test(text.trimStart()))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (type.includes('json')) {
          throw new BadAnswerError(
            {
              service: this.service,
              url: shown,
              status,
              message: `${this.service} at ${shown} answered ${status} with a malformed JSON body`,
            },
            {hint: `Check that ${this.options.origin ?? "the context's URL"} points at ${this.service} itself.`},
          );
        }
      }
    } else if (text === '') {
      parsed = undefined;
    }
    return {status, headers: resHeaders, body: parsed as T, url: shown};
  }

  private requestHeaders(): Record<string, string> {
    if (this.headers) return this.headers;
    const {endpoint} = this.options;
    const where = this.where;
    const headers: Record<string, string> = {'user-agent': this.options.userAgent ?? 'cdcctl'};
    for (const [k, v] of Object.entries(endpoint.headers ?? {})) {
      const value = resolveSecretString(v, `${where}.headers.${k}`);
      registerSecret(value);
      headers[k.toLowerCase()] = value;
    }
    if (endpoint.auth?.type === 'basic') {
      const password = resolveSecretString(endpoint.auth.password, `${where}.auth.password`);
      registerSecret(password);
      const username = resolveSecretString(endpoint.auth.username, `${where}.auth.username`);
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    } else if (endpoint.auth?.type === 'bearer') {
      const token = resolveSecretString(endpoint.auth.token, `${where}.auth.token`);
      registerSecret(token);
      headers.authorization = `Bearer ${token}`;
    }
    if (headers.authorization) registerSecret(headers.authorization.replace(/^\w+ /, ''));
    this.headers = headers;
    return headers;
  }

  /** The client's keep-alive connection pool: http, or https with the endpoint's TLS settings. */
  private getAgent(): HttpAgent {
    this.agent ??= this.createAgent();
    return this.agent;
  }

  private createAgent(): HttpAgent {
    // Idle sockets close well before servers' own idle timeouts (Jetty: 30 s), so none is reused half-closed.
    const options = {keepAlive: true, timeout: 15_000, scheduling: 'lifo' as const};
    if (this.baseUrl.protocol !== 'https:') return new (builtin('http').Agent)(options);
    return new (builtin('https').Agent)({...options, ...tlsFiles(this.options.endpoint.tls, `${this.where}.tls`)});
  }

  private networkError(err: unknown, req: HttpRequest, shown: string): ServiceError {
    if (err instanceof CdcError) throw err; // e.g. a secret reference that does not resolve
    const e = err as NodeJS.ErrnoException & {cause?: NodeJS.ErrnoException};
    // AbortSignal.timeout() rejects with a DOMException whose numeric `code` means nothing here.
    const code = ['TimeoutError', 'AbortError'].includes(e.name) ? e.name : (e.code ?? e.cause?.code);
    if (!code) throw err; // not a network failure: a bug, reported as such
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const timedOut = ['TimeoutError', 'AbortError'].includes(String(code));
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : scrubKnownSecrets(describeNetworkError(e, code));
    return new ServiceError(
      {
        service: this.service,
        url: shown,
        message: `${this.service} at ${this.displayUrl} is unreachable (${req.method} ${shown}): ${reason}`,
        code: timedOut ? 'TIMEOUT' : 'UNREACHABLE',
      },
      {
        hint: timedOut
          ? 'The service is slow or hung; retry with a larger --timeout, or check its health and logs.'
          : `Check that ${this.service} is running and that the context's URL is right (\`cdcctl config view\`).`,
        details: {cause: code},
        cause: err,
      },
    );
  }

  private statusError(res: HttpResponse, req: HttpRequest, shown: string): ServiceError {
    if (res.status >= 300 && res.status < 400)
      return redirected(String(res.headers.location ?? ''), this.answerSource(res));
    const serverMessage = scrubKnownSecrets(serverMessageOf(res.body));
    return new ServiceError(
      {
        service: this.service,
        url: shown,
        status: res.status,
        serverMessage,
        message: `${this.service} answered ${res.status} to ${req.method} ${shown}${serverMessage ? `: ${serverMessage}` : ''}`,
      },
      {
        hint:
          res.status === 401 || res.status === 403 ? "Check the context's credentials for this service." : undefined,
      },
    );
  }

  private trace(line: string): void {
    this.options.trace?.(scrubKnownSecrets(line));
  }
}

/**
 * node:http or node:https without the ESM facade: `import('node:http')` evaluates every export,
 * and Node 22's lazy WebSocket export loads its internal undici (~25 ms) that cdcctl never uses.
 */
function builtin<M extends 'http' | 'https'>(
  name: M,
): M extends 'http' ? typeof import('node:http') : typeof import('node:https') {
  return process.getBuiltinModule(`node:${name}`) as never;
}

/** One request and its whole answer as text; rejects on network errors and when `signal` fires. */
async function send(
  url: URL,
  options: RequestOptions & {body?: string; signal: AbortSignal},
): Promise<{status: number; headers: IncomingMessage['headers']; text: string}> {
  const {request} = builtin(url.protocol === 'https:' ? 'https' : 'http');
  const {body, ...requestOptions} = options;
  return new Promise((resolve, reject) => {
    const req = request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8')}),
      );
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the answer was cut off'), {code: 'ECONNRESET'})));
    });
    req.on('error', (err: Error) => reject(options.signal.aborted ? options.signal.reason : err));
    req.end(body);
  });
}

/** Exponential backoff with full jitter in [delay/2, delay]. */
export function backoff(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * The server's own words from an error body: `message` (Connect, registries), `error` (Prometheus),
 * `errors: ["…"]` (Vault), or text.
 */
export function serverMessageOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (Array.isArray(b.errors) && b.errors.length > 0 && b.errors.every((e) => typeof e === 'string')) {
      return firstLine(b.errors.map((e: string) => e.replace(/^\d+ errors? occurred:\s*\*\s*/, '').trim()).join('; '));
    }
    for (const key of ['message', 'error', 'detail', 'title']) {
      if (typeof b[key] === 'string' && b[key]) return firstLine(b[key] as string);
    }
    return firstLine(JSON.stringify(body));
  }
  if (typeof body !== 'string') return '';
  if (looksLikeHtml(body)) {
    const title = htmlTitle(body);
    return `an HTML page${title ? ` ("${title}")` : ''}`;
  }
  return firstLine(body);
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function describeNetworkError(e: NodeJS.ErrnoException & {cause?: NodeJS.ErrnoException}, code: string): string {
  const inner = e.cause?.message ?? e.message;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  if (String(code).startsWith('ERR_TLS') || /certificate|self.signed/i.test(inner)) return `TLS error: ${inner}`;
  return inner ? `${inner}${code && !inner.includes(code) ? ` (${code})` : ''}` : String(code);
}

function traceBody(body: unknown): string {
  const text = typeof body === 'string' ? redactText(body) : JSON.stringify(redact(body));
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
