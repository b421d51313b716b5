import {createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, verify} from 'node:crypto';
import {readFileSync} from 'node:fs';
import type {GdprConfig} from '../../config/schema.js';
import {resolveSecretString} from '../../config/secrets.js';
import {ConfigError} from '../../errors.js';
import {canonicalJson, keyId, safeEqualHex} from '../gdpr/crypto.js';

/**
 * Signatures of JSON compliance reports: HMAC-SHA256 with a shared secret, or Ed25519 with a
 * private key file (verifiable by anyone holding the public key). The signed bytes are the
 * canonical JSON of the payload, so whitespace and key order do not matter and any changed value does.
 */

export interface Signature {
  alg: 'HMAC-SHA256' | 'Ed25519';
  keyId: string;
  value: string;
}

export interface SignedDocument<T> {
  payload: T;
  signature: Signature;
}

type Signing = NonNullable<GdprConfig['signing']>;

function hmacSecret(s: Signing, where: string): string | undefined {
  return 'hmacKey' in s ? resolveSecretString(s.hmacKey, `${where}.hmacKey`) : undefined;
}

function privateKey(s: Signing, where: string): KeyObject | undefined {
  if (!('ed25519PrivateKeyFile' in s)) return undefined;
  const path = resolveSecretString(s.ed25519PrivateKeyFile, `${where}.ed25519PrivateKeyFile`);
  try {
    const key = createPrivateKey(readFileSync(path));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
    return key;
  } catch (err) {
    throw new ConfigError(
      `${where}.ed25519PrivateKeyFile: cannot use ${path} as an Ed25519 private key (${(err as Error).message})`,
      {
        hint: 'Create one with `openssl genpkey -algorithm ed25519 -out report-signing.pem`.',
      },
    );
  }
}

function publicKeyId(key: KeyObject): string {
  return keyId(key.export({type: 'spki', format: 'der'}));
}

export function signPayload<T>(payload: T, s: Signing | undefined, where: string): SignedDocument<T> {
  if (!s) {
    throw new ConfigError(`${where} is not set: JSON reports are signed`, {
      hint: 'Set gdpr.signing.hmacKey (a secret reference) or gdpr.signing.ed25519PrivateKeyFile.',
    });
  }
  const data = Buffer.from(canonicalJson(payload), 'utf8');
  const secret = hmacSecret(s, where);
  if (secret !== undefined) {
    return {
      payload,
      signature: {
        alg: 'HMAC-SHA256',
        keyId: keyId(secret),
        value: createHmac('sha256', secret).update(data).digest('hex'),
      },
    };
  }
  const key = privateKey(s, where) as KeyObject;
  return {
    payload,
    signature: {
      alg: 'Ed25519',
      keyId: publicKeyId(createPublicKey(key)),
      value: sign(null, data, key).toString('base64'),
    },
  };
}

export interface SignatureCheck {
  valid: boolean;
  alg: string;
  keyId: string;
  reason?: string;
}

export function verifyDocument(
  doc: unknown,
  s: Signing | undefined,
  where: string,
  publicKeyFile?: string,
): SignatureCheck {
  const d = doc as Partial<SignedDocument<unknown>>;
  const sig = d?.signature;
  if (!d || typeof d !== 'object' || d.payload === undefined || !sig || typeof sig.value !== 'string') {
    return {valid: false, alg: '-', keyId: '-', reason: 'not a signed cdcctl report (payload and signature expected)'};
  }
  const data = Buffer.from(canonicalJson(d.payload), 'utf8');
  if (sig.alg === 'HMAC-SHA256') {
    const secret = s ? hmacSecret(s, where) : undefined;
    if (secret === undefined) throw new ConfigError(`${where}.hmacKey is needed to check an HMAC-signed report`);
    if (keyId(secret) !== sig.keyId)
      return {valid: false, alg: sig.alg, keyId: sig.keyId, reason: 'signed with another key'};
    const ok = safeEqualHex(createHmac('sha256', secret).update(data).digest('hex'), sig.value);
    return {valid: ok, alg: sig.alg, keyId: sig.keyId, ...(ok ? {} : {reason: 'signature does not match the content'})};
  }
  if (sig.alg === 'Ed25519') {
    let pub: KeyObject;
    const file = publicKeyFile ?? (s && 'ed25519PublicKeyFile' in s ? s.ed25519PublicKeyFile : undefined);
    if (file) pub = createPublicKey(readFileSync(resolveSecretString(file, `${where}.ed25519PublicKeyFile`)));
    else {
      const priv = s ? privateKey(s, where) : undefined;
      if (!priv)
        throw new ConfigError('an Ed25519 public key is needed to check this report', {
          hint: 'Pass --public-key <pem file>.',
        });
      pub = createPublicKey(priv);
    }
    if (publicKeyId(pub) !== sig.keyId)
      return {valid: false, alg: sig.alg, keyId: sig.keyId, reason: 'signed with another key'};
    let ok = false;
    try {
      ok = verify(null, data, pub, Buffer.from(sig.value, 'base64'));
    } catch {}
    return {valid: ok, alg: sig.alg, keyId: sig.keyId, ...(ok ? {} : {reason: 'signature does not match the content'})};
  }
  return {
    valid: false,
    alg: String(sig.alg),
    keyId: String(sig.keyId),
    reason: `unknown signature algorithm ${String(sig.alg)}`,
  };
}
