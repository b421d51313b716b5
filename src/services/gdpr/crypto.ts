import {createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {ConfigError, NotOkError} from '../../errors.js';

/**
 * The pure cryptography of erasures: AES-256-GCM for backups (which are personal data themselves),
 * HMAC pseudonyms for subject ids (the journal and reports never hold a subject id in clear), and a
 * canonical JSON form so that hashes and signatures are reproducible. Numbers keep their exact source
 * text (JSON.rawJSON), so Cassandra bigint/varint/decimal values survive a backup round trip.
 */

/** JSON.rawJSON / JSON.isRawJSON (V8, Node ≥ 21; not yet in TypeScript's lib). */
const RawJSON = JSON as unknown as {rawJSON(text: string): object; isRawJSON(value: unknown): boolean};

export function rawNumber(text: string): object {
  return RawJSON.rawJSON(text);
}

export function isRawNumber(v: unknown): boolean {
  return v !== null && typeof v === 'object' && RawJSON.isRawJSON(v);
}

/** The text of a scalar that may be a raw JSON number (as parseExact returns them). */
export function scalarText(v: unknown): string {
  return v !== null && typeof v === 'object' && RawJSON.isRawJSON(v) ? JSON.stringify(v) : String(v);
}

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Parses an AES-256 key: 64 hex characters or base64 of 32 bytes. */
export function parseAesKey(material: string, where: string): Buffer {
  const text = material.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(`${where} must be a 32-byte key (64 hex characters or base64)`, {
      hint: 'Generate one with `openssl rand -hex 32` and reference it as ${env:NAME} or ${file:/path}.',
    });
  }
  return key;
}

/** A stable, non-reversible identifier of a key, recorded next to what it protects or signs. */
export function keyId(key: Buffer | string): string {
  return createHash('sha256').update('cdcctl-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {iv, tag: cipher.getAuthTag(), ciphertext};
}

export function unseal(key: Buffer, sealed: Sealed, aad: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new NotOkError('cannot decrypt the erasure backup: wrong backup key or tampered data', {
      hint: 'Use the backup key the erasure was made with (its key id is in `gdpr status`).',
    });
  }
}

/** Small sealed values (subject id, located keys) stored in one bytea: iv ‖ tag ‖ ciphertext. */
export function sealToBytes(key: Buffer, value: unknown, aad: string): Buffer {
  const s = seal(key, Buffer.from(JSON.stringify(value), 'utf8'), aad);
  return Buffer.concat([s.iv, s.tag, s.ciphertext]);
}

export function unsealFromBytes<T>(key: Buffer, bytes: Buffer, aad: string): T {
  const plain = unseal(
    key,
    {iv: bytes.subarray(0, 12), tag: bytes.subarray(12, 28), ciphertext: bytes.subarray(28)},
    aad,
  );
  return parseExact(plain.toString('utf8')) as T;
}

/** The pseudonym of a subject id: HMAC-SHA256 with the report key, hex. */
export function pseudonymise(reportKey: string, subject: string): string {
  return createHmac('sha256', reportKey).update(subject, 'utf8').digest('hex');
}

/** JSON.parse that keeps every number's exact source text. */
export function parseExact(text: string): unknown {
  return JSON.parse(text, ((_k: string, v: unknown, context?: {source?: string}) =>
    typeof v === 'number' && context?.source !== undefined ? RawJSON.rawJSON(context.source) : v) as (
    k: string,
    v: unknown,
  ) => unknown);
}

/** Canonical JSON: object keys sorted, no whitespace, raw numbers kept. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (RawJSON.isRawJSON(value)) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
