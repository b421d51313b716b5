import {readFile} from 'node:fs/promises';
import {hostname, userInfo} from 'node:os';
import type {AccessConfig} from '../../config/schema.js';
import {redactUrl, registerSecret} from '../../config/secrets.js';
import {BadAnswerError, CdcError, ConfigError, ExitCode, ServiceError} from '../../errors.js';

/**
 * Who runs cdcctl: a verified JWT when `CDCCTL_TOKEN` is set (issuer, audience and JWKS from the
 * context, e.g. a CI provider's OIDC token), otherwise the OS user. A token that does not verify
 * is a denial, never a silent fall-back to the OS user.
 */
export interface Identity {
  kind: 'os' | 'jwt';
  /** OS user name, or the token's subject. */
  subject: string;
  /** How records and messages name the actor: `alice@host` or `jwt:<subject>`. */
  actor: string;
  host: string;
  issuer?: string;
  groups: string[];
  /** The verified token's claims (jwt only). */
  claims?: Record<string, unknown>;
}

export const TOKEN_ENV = 'CDCCTL_TOKEN';

/** A denial (exit 6): by the policy, or because the presented identity could not be verified. */
export class ForbiddenError extends CdcError {
  constructor(message: string, options: {hint?: string; details?: Record<string, unknown>; cause?: unknown} = {}) {
    super('FORBIDDEN', ExitCode.forbidden, message, options);
  }
}

export function osIdentity(): Identity {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {}
  const host = hostname();
  return {kind: 'os', subject: user, actor: `${user}@${host}`, host, groups: []};
}

export async function resolveIdentity(
  access: AccessConfig | undefined,
  contextName: string,
  token: string | undefined = process.env[TOKEN_ENV],
): Promise<Identity> {
  if (!token) return osIdentity();
  registerSecret(token);
  const jwt = access?.jwt;
  if (!jwt) {
    throw new ConfigError(`${TOKEN_ENV} is set but context "${contextName}" has no access.jwt to verify it with`, {
      hint: `Add access.jwt {issuer, audience, jwks} to the context, or unset ${TOKEN_ENV}.`,
    });
  }
  const jose = await import('jose');
  const remote = /^https?:\/\//.test(jwt.jwks);
  const keys = remote
    ? jose.createRemoteJWKSet(new URL(jwt.jwks), {timeoutDuration: 10_000})
    : jose.createLocalJWKSet(await readJwksFile(jwt.jwks));
  let payload: Record<string, unknown>;
  try {
    ({payload} = await jose.jwtVerify(token, keys, {
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp'],
    }));
  } catch (err) {
    const e = err as Error & {code?: string};
    if (remote) {
      const unusable = keySetFailure(e, jwt.jwks, `contexts.${contextName}.access.jwt.jwks`);
      if (unusable) throw unusable;
    }
    throw new ForbiddenError(`${TOKEN_ENV} was rejected: ${e.message}`, {
      hint: `The token must be signed by a key of ${jwt.jwks}, issued by ${jwt.issuer} for audience ${[jwt.audience].flat().join(', ')}, and unexpired (with an exp claim).`,
      details: {reason: e.code ?? 'ERR_JWT_INVALID'},
    });
  }
  const lifetime = tokenLifetimeSeconds(payload);
  const maxLifetime = lifetimeSeconds(jwt.maxLifetime ?? DEFAULT_MAX_LIFETIME);
  if (lifetime > maxLifetime + CLOCK_TOLERANCE_S) {
    throw new ForbiddenError(
      `${TOKEN_ENV} was rejected: it is valid for ${lifetime} s, longer than access.jwt.maxLifetime (${jwt.maxLifetime ?? DEFAULT_MAX_LIFETIME})`,
      {
        hint: 'Issue a shorter-lived token, or raise access.jwt.maxLifetime in the context.',
        details: {reason: 'ERR_JWT_LIFETIME'},
      },
    );
  }
  const subject = claimString(payload, jwt.subjectClaim ?? 'sub');
  if (!subject) throw new ForbiddenError(`${TOKEN_ENV} has no "${jwt.subjectClaim ?? 'sub'}" claim to identify it by`);
  const rawGroups = payload[jwt.groupsClaim ?? 'groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map(String)
    : typeof rawGroups === 'string'
      ? rawGroups.split(/[\s,]+/).filter(Boolean)
      : [];
  return {
    kind: 'jwt',
    subject,
    actor: `jwt:${subject}`,
    host: hostname(),
    issuer: jwt.issuer,
    groups,
    claims: payload,
  };
}

const CLOCK_TOLERANCE_S = 30;
const DEFAULT_MAX_LIFETIME = '24h';

/** How long a verified token is valid in all: from `iat` (or now, without one) to `exp`, in seconds. */
function tokenLifetimeSeconds(payload: Record<string, unknown>): number {
  const exp = payload.exp as number; // required and checked by jwtVerify
  const iat = typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000;
  return Math.max(0, Math.round(exp - Math.min(iat, Date.now() / 1000)));
}

function lifetimeSeconds(text: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(text)!;
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/**
 * The key set could not be had — the JWKS URL unreachable, timing out, or answering something that
 * is not a JSON Web Key Set (a proxy's login page, an error page) — which says nothing of the token:
 * a dependency failure (exit 4), not a denial. Undefined for the token's own failures.
 */
function keySetFailure(
  e: Error & {code?: string; cause?: unknown},
  jwks: string,
  origin: string,
): CdcError | undefined {
  const service = 'JWKS endpoint';
  const url = redactUrl(jwks);
  if (e.code === 'ERR_JWKS_TIMEOUT' || (e.name === 'TypeError' && /fetch failed/.test(e.message))) {
    const inner = e.cause as {code?: string; message?: string} | undefined;
    const cause = inner?.code === 'ECONNREFUSED' ? 'connection refused' : (inner?.code ?? inner?.message);
    return new ServiceError(
      {
        service,
        url,
        message: `the ${service} ${url} is unreachable: ${e.code === 'ERR_JWKS_TIMEOUT' ? 'no answer within 10 s' : (cause ?? e.message)}`,
        code: e.code === 'ERR_JWKS_TIMEOUT' ? 'TIMEOUT' : 'UNREACHABLE',
      },
      {hint: `Check that the identity provider is reachable and that ${origin} is right.`, cause: e},
    );
  }
  const hint = `Is a proxy or a login page in front of it? Check ${origin} (\`cdcctl config view\`).`;
  if (/Expected 200 OK/.test(e.message)) {
    // jose does not say which status came back
    const message = `the ${service} ${url} answered with an error status, not a JSON Web Key Set`;
    return new ServiceError({service, url, message, code: 'BAD_RESPONSE'}, {hint, cause: e});
  }
  if (e.code === 'ERR_JWKS_INVALID' || /JSON Web Key Set HTTP response/.test(e.message)) {
    const what = e.code === 'ERR_JWKS_INVALID' ? 'JSON that is not a JSON Web Key Set' : 'something that is not JSON';
    const message = `the ${service} ${url} answered 200 with ${what}`;
    return new BadAnswerError({service, url, status: 200, message}, {hint, cause: e});
  }
  return undefined;
}

async function readJwksFile(path: string): Promise<{keys: Array<Record<string, unknown>>}> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as {keys?: unknown};
    if (!Array.isArray(data.keys)) throw new Error('no "keys" array');
    return data as {keys: Array<Record<string, unknown>>};
  } catch (err) {
    throw new ConfigError(`access.jwt.jwks: cannot read the JWKS file ${path}: ${(err as Error).message}`);
  }
}

function claimString(payload: Record<string, unknown>, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}
