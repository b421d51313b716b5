import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {UsageError} from '../../errors.js';

/**
 * Signing per the Standard Webhooks specification: the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, signed with HMAC-SHA256 under the secret's bytes (the
 * base64 after `whsec_`), sent as `webhook-signature: v1,<base64>` (several space-separated
 * signatures may be present); `webhook-timestamp` is integer Unix seconds.
 */

export const SECRET_PREFIX = 'whsec_';
/** Verification tolerance of the timestamp either way (the specification's recommendation). */
export const DEFAULT_TOLERANCE_S = 5 * 60;

/** A new secret: 32 random bytes (the specification asks for 24 to 64), `whsec_<base64>`. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a secret: the bytes of `whsec_<base64>`, else (any other string) its UTF-8 bytes. */
export function secretKey(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const b64 = secret.slice(SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new UsageError('a whsec_ secret must be followed by base64');
    const key = Buffer.from(b64, 'base64');
    if (key.length < 24 || key.length > 64) throw new UsageError('a whsec_ secret must hold 24 to 64 bytes');
    return key;
  }
  if (secret.length < 24) throw new UsageError('a webhook secret must be at least 24 characters (or whsec_<base64>)');
  return Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(key: Buffer, webhookId: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', key);
  mac.update(`${webhookId}.${timestamp}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signedHeaders(key: Buffer, webhookId: string, body: string, now = Date.now()): SignedHeaders {
  const ts = Math.floor(now / 1000);
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(ts),
    'webhook-signature': sign(key, webhookId, ts, body),
  };
}

export type VerifyProblem = 'missing-headers' | 'bad-timestamp' | 'too-old' | 'too-new' | 'no-matching-signature';

export interface VerifyResult {
  valid: boolean;
  problem?: VerifyProblem;
  webhookId?: string;
  timestamp?: number;
}

/** Verifies a received request: headers (any case), raw body, the secret; constant-time comparison. */
export function verify(
  headers: Record<string, string | undefined>,
  body: string | Buffer,
  secret: string,
  o: {toleranceS?: number; now?: number} = {},
): VerifyResult {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const id = h['webhook-id'];
  const tsText = h['webhook-timestamp'];
  const sigs = h['webhook-signature'];
  if (!id || !tsText || !sigs) return {valid: false, problem: 'missing-headers'};
  if (!/^\d+$/.test(tsText)) return {valid: false, problem: 'bad-timestamp', webhookId: id};
  const ts = Number(tsText);
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  const tol = o.toleranceS ?? DEFAULT_TOLERANCE_S;
  if (now - ts > tol) return {valid: false, problem: 'too-old', webhookId: id, timestamp: ts};
  if (ts - now > tol) return {valid: false, problem: 'too-new', webhookId: id, timestamp: ts};
  const expected = Buffer.from(sign(secretKey(secret), id, ts, body).slice(3), 'base64');
  for (const part of sigs.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const got = Buffer.from(value, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected))
      return {valid: true, webhookId: id, timestamp: ts};
  }
  return {valid: false, problem: 'no-matching-signature', webhookId: id, timestamp: ts};
}
