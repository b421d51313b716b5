import type {WebhookTransport} from '../../clients/webhook-http.js';
import {hasSecretReference, registerSecret, resolveSecretString} from '../../config/secrets.js';
import type {Outcome, SubscriptionRow} from '../../store/webhooks.js';
import {secretKey, signedHeaders} from './signing.js';

/**
 * One delivery attempt and what follows from its answer: 2xx delivered; timeouts, connection
 * failures, 5xx and 429 retried with exponential backoff and full jitter (Retry-After honoured);
 * any other answer (3xx, 4xx) failed at once. After `maxAttempts` a message is given up.
 */

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = {baseMs: 1000, maxMs: 10 * 60_000, maxAttempts: 12};
/** The longest Retry-After honoured as given (a longer one is capped here). */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** The wait before attempt `attempt + 1`: base·2^(attempt−1), capped, with jitter in [½, 1]. */
export function backoffMs(attempt: number, p: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** A subscription ready to deliver: its key and headers resolved (secrets are resolved here, at use). */
export interface Deliverable {
  row: SubscriptionRow;
  key: Buffer;
  headers: Record<string, string>;
}

export function deliverable(row: SubscriptionRow, contextName: string): Deliverable {
  const where = `webhook subscription ${row.name}`;
  const secret = row.secretGenerated ?? resolveSecretString(row.secretRef ?? '', `${where} secret`);
  registerSecret(secret);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(row.headers)) {
    const value = hasSecretReference(v) ? resolveSecretString(v, `${where} header ${k}`) : v;
    if (value !== v) registerSecret(value);
    headers[k.toLowerCase()] = value;
  }
  void contextName;
  return {row, key: secretKey(secret), headers};
}

export interface Attempt {
  outcome: Outcome;
  /** For metrics: delivered, failed (given up or refused), retry. */
  result: Outcome['result'];
}

const BODY_KEPT = 512;

export async function attemptDelivery(
  transport: WebhookTransport,
  d: Deliverable,
  m: {queueId: string; webhookId: string; payload: string; attempt: number},
  retry: RetryPolicy,
  userAgent: string,
): Promise<Outcome> {
  const started = performance.now();
  const headers = {
    ...d.headers,
    'content-type': 'application/json',
    'user-agent': userAgent,
    ...signedHeaders(d.key, m.webhookId, m.payload),
  };
  const canRetry = m.attempt < retry.maxAttempts;
  try {
    const res = await transport.post(d.row.url, m.payload, headers, d.row.timeoutMs, BODY_KEPT);
    const latencyMs = performance.now() - started;
    const base = {queueId: m.queueId, responseCode: res.status, responseBody: res.body || null, latencyMs};
    if (res.status >= 200 && res.status < 300) return {...base, result: 'delivered', error: null};
    if ((res.status >= 500 || res.status === 429) && canRetry) {
      const wait = Math.max(backoffMs(m.attempt, retry), retryAfterMs(res.retryAfter) ?? 0);
      return {...base, result: 'retry', error: `HTTP ${res.status}`, retryInMs: wait};
    }
    return {
      ...base,
      result: 'failed',
      error:
        res.status >= 500 || res.status === 429
          ? `HTTP ${res.status}, after ${m.attempt} attempts`
          : `HTTP ${res.status}`,
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const latencyMs = performance.now() - started;
    const refused = e.code === 'ETARGETREFUSED';
    const error = `${e.code ?? 'ERROR'}: ${e.message}`.slice(0, 300);
    const base = {queueId: m.queueId, responseCode: null, responseBody: null, latencyMs, error};
    if (!refused && canRetry) return {...base, result: 'retry', retryInMs: backoffMs(m.attempt, retry)};
    return {...base, result: 'failed', error: refused ? error : `${error}, after ${m.attempt} attempts`};
  }
}
