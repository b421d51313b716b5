import type {Store} from './index.js';

/**
 * API keys for cdcctl's own HTTP endpoints (`events sse`, `webhooks serve`). Only the SHA-256 of a
 * key is kept; the key itself is shown once, when it is created.
 */
export interface ApiKeyRow {
  keyId: string;
  name: string;
  role: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

interface Raw {
  key_id: string;
  name: string;
  role: string;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  last_used_at: Date | null;
}

const COLS = 'key_id, name, role, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at';

function rowOf(r: Raw): ApiKeyRow {
  return {
    keyId: r.key_id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    revokedBy: r.revoked_by,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
  };
}

/** Inserts a key; undefined when a live key of that name exists in the context. */
export async function insertApiKey(
  store: Store,
  context: string,
  k: {keyId: string; name: string; role: string; sha256: string; expiresAt: Date | null; actor: string},
): Promise<ApiKeyRow | undefined> {
  const res = await store.pool.query<Raw>(
    `INSERT INTO ${store.table('api_keys')} (key_id, context, name, role, key_sha256, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ${COLS}`,
    [k.keyId, context, k.name, k.role, k.sha256, k.expiresAt, k.actor],
  );
  return res.rows[0] ? rowOf(res.rows[0]) : undefined;
}

export async function listApiKeys(store: Store, context: string, all: boolean): Promise<ApiKeyRow[]> {
  const res = await store.pool.query<Raw>(
    `SELECT ${COLS} FROM ${store.table('api_keys')} WHERE context = $1 AND ($2 OR revoked_at IS NULL) ORDER BY name, created_at`,
    [context, all],
  );
  return res.rows.map(rowOf);
}

/** Revokes the live key with this name or key id; undefined when there is none. */
export async function revokeApiKey(
  store: Store,
  context: string,
  nameOrId: string,
  actor: string,
): Promise<ApiKeyRow | undefined> {
  const res = await store.pool.query<Raw>(
    `UPDATE ${store.table('api_keys')} SET revoked_at = now(), revoked_by = $3
      WHERE context = $1 AND (name = $2 OR key_id = $2) AND revoked_at IS NULL RETURNING ${COLS}`,
    [context, nameOrId, actor],
  );
  return res.rows[0] ? rowOf(res.rows[0]) : undefined;
}

/** The live (not revoked, not expired) key with this id in the context, with its hash. */
export async function findLiveKey(
  store: Store,
  context: string,
  keyId: string,
): Promise<{name: string; role: string; sha256: string} | undefined> {
  const res = await store.pool.query<{name: string; role: string; key_sha256: string}>(
    `SELECT name, role, key_sha256 FROM ${store.table('api_keys')}
      WHERE key_id = $1 AND context = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [keyId, context],
  );
  const r = res.rows[0];
  return r ? {name: r.name, role: r.role, sha256: r.key_sha256} : undefined;
}

export async function touchApiKeys(store: Store, keyIds: string[]): Promise<void> {
  if (keyIds.length === 0) return;
  await store.pool.query(`UPDATE ${store.table('api_keys')} SET last_used_at = now() WHERE key_id = ANY($1::text[])`, [
    keyIds,
  ]);
}
