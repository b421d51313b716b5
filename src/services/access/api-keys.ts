import {createHash, randomBytes, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage} from 'node:http';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  type ApiKeyRow,
  findLiveKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKeys,
} from '../../store/api-keys.js';
import {openStore, runStore, type Store} from '../../store/index.js';
import {grantingRoles, roleTable} from './permissions.js';

/**
 * API keys for cdcctl's own HTTP endpoints (`events sse`, `webhooks serve`): `cdck_<id>_<secret>`,
 * 256 random bits, shown once and kept only as SHA-256. A key carries one role of the context's
 * role table (the CLI's roles: viewer, operator, admin or a custom one); every request names the
 * permission it needs, as a command does.
 */

export interface CreatedKey {
  key: string;
  keyId: string;
  name: string;
  role: string;
  expiresAt: string | null;
}

const KEY = /^cdck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createApiKey(
  ctx: RunContext,
  name: string,
  role: string,
  expiresInMs: number | undefined,
): Promise<CreatedKey> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) throw new UsageError(`invalid key name "${name}"`);
  const table = roleTable(ctx.config.access);
  if (!(role in table)) {
    throw new UsageError(`unknown role "${role}"`, {hint: `Roles of this context: ${Object.keys(table).join(', ')}.`});
  }
  const keyId = randomBytes(6).toString('hex');
  const key = `cdck_${keyId}_${randomBytes(32).toString('base64url')}`;
  const expiresAt = expiresInMs === undefined ? null : new Date(Date.now() + expiresInMs);
  const row = await insertApiKey(await runStore(ctx), ctx.contextName, {
    keyId,
    name,
    role,
    sha256: hashKey(key),
    expiresAt,
    actor: ctx.actor,
  });
  if (!row)
    throw new UsageError(`an API key named "${name}" exists`, {hint: 'Revoke it first, or choose another name.'});
  return {key, keyId, name, role, expiresAt: row.expiresAt};
}

export async function listKeys(ctx: RunContext, all: boolean): Promise<ApiKeyRow[]> {
  return listApiKeys(await runStore(ctx), ctx.contextName, all);
}

export async function revokeKey(ctx: RunContext, nameOrId: string): Promise<ApiKeyRow> {
  const row = await revokeApiKey(await runStore(ctx), ctx.contextName, nameOrId, ctx.actor);
  if (!row) throw new UsageError(`no live API key "${nameOrId}"`, {hint: 'See `cdcctl auth keys list`.'});
  return row;
}

export interface RequestAuth {
  allowed: boolean;
  status: 200 | 401 | 403;
  reason: string;
  keyName?: string;
}

/** The key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

export interface Authenticator {
  /** Whether requests must present a key. */
  required: boolean;
  check(req: IncomingMessage, permission: string): Promise<RequestAuth>;
  close(): Promise<void>;
}

const LOOPBACK_BIND = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * The check of a server's requests. Keys are required when the context has any live key, and
 * whenever the server binds beyond loopback: there, a context without keys refuses to start unless
 * `insecureNoAuth` (the operator's explicit choice). Each request is checked against the store
 * (a revoked or expired key stops working at once).
 */
export async function requestAuthenticator(
  ctx: RunContext,
  o: {host: string; insecureNoAuth: boolean; server: string},
): Promise<Authenticator> {
  const beyondLoopback = !LOOPBACK_BIND.test(o.host);
  const open = (reason: string): Authenticator => ({
    required: false,
    check: async () => ({allowed: true, status: 200, reason}),
    close: async () => {},
  });
  if (o.insecureNoAuth) return open('no authentication (--insecure-no-auth)');
  // Keys live in the store: a loopback server of a context without one is open, as before keys existed.
  if (!ctx.config.postgres && !beyondLoopback) return open('no keys: the context has no store (loopback)');
  const store: Store = await openStore(ctx);
  const live = (await listApiKeys(store, ctx.contextName, false)).filter(
    (k) => k.expiresAt === null || Date.parse(k.expiresAt) > Date.now(),
  );
  if (beyondLoopback && live.length === 0) {
    await store.close();
    throw new CdcError(
      'NO_API_KEYS',
      ExitCode.usage,
      `refusing to serve ${o.server} on ${o.host} without API keys: context "${ctx.contextName}" has none`,
      {
        hint: 'Create one with `cdcctl auth keys create <name> --role viewer`, bind to 127.0.0.1, or pass --insecure-no-auth.',
      },
    );
  }
  const required = beyondLoopback || live.length > 0;
  const table = roleTable(ctx.config.access);
  let used = new Set<string>();
  const flush = setInterval(() => {
    const ids = [...used];
    used = new Set();
    void touchApiKeys(store, ids).catch(() => {});
  }, 10_000);
  flush.unref();
  return {
    required,
    async check(req, permission) {
      if (!required) return {allowed: true, status: 200, reason: 'no keys configured (loopback)'};
      const key = presentedKey(req);
      if (!key)
        return {allowed: false, status: 401, reason: 'an API key is required (Authorization: Bearer or X-API-Key)'};
      const m = KEY.exec(key);
      if (!m) return {allowed: false, status: 401, reason: 'invalid API key'};
      const row = await findLiveKey(store, ctx.contextName, m[1] as string);
      const want = Buffer.from(hashKey(key), 'hex');
      if (!row || !timingSafeEqual(Buffer.from(row.sha256, 'hex'), want)) {
        return {allowed: false, status: 401, reason: 'invalid, revoked or expired API key'};
      }
      used.add(m[1] as string);
      if (grantingRoles([row.role], permission, table).length === 0) {
        return {
          allowed: false,
          status: 403,
          reason: `role ${row.role} does not grant ${permission}`,
          keyName: row.name,
        };
      }
      return {allowed: true, status: 200, reason: `key ${row.name} (${row.role})`, keyName: row.name};
    },
    async close() {
      clearInterval(flush);
      const ids = [...used];
      await touchApiKeys(store, ids).catch(() => {});
      await store.close();
    },
  };
}
