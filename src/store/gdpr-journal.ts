import type {PoolClient} from 'pg';
import type {Store} from './index.js';

/**
 * The GDPR erasure journal (write-ahead): one row per request with its current state, an
 * append-only list of step transitions (intent before the step runs, done/failed after), one row
 * per system/table touched, and the encrypted backup. No personal data in clear: the subject is an
 * HMAC pseudonym; the subject id and located keys are sealed with the backup key and wiped at close.
 */

export const GDPR_STATES = [
  'requested',
  'located',
  'backed_up',
  'cassandra_deleted',
  'postgres_deleted',
  'settled',
  'verified',
  'closed',
  'compensating',
  'restored',
  'needs_operator',
] as const;
export type GdprState = (typeof GDPR_STATES)[number];

export const TERMINAL_STATES: GdprState[] = ['closed', 'restored'];

export interface Queryable {
  query: PoolClient['query'];
}

export interface RequestRow {
  requestId: string;
  context: string;
  subjectHmac: string;
  subjectEnc: Buffer | null;
  keysEnc: Buffer | null;
  state: GdprState;
  onFailure: 'restore' | 'retry';
  reason: string | null;
  receivedAt: string;
  deadlineAt: string;
  updatedAt: string;
  closedAt: string | null;
  actor: string;
  toolVersion: string;
  configHash: string;
  host: string;
  deleteTsUs: string | null;
  restoreTsUs: string | null;
  evidence: Record<string, unknown>;
  lastError: string | null;
}

export interface JournalEntry {
  id: string;
  step: string;
  phase: 'intent' | 'done' | 'failed' | 'skipped';
  at: string;
  detail: Record<string, unknown>;
  auditId: string | null;
}

export interface SystemRow {
  store: 'cassandra' | 'postgres' | 'kafka';
  name: string;
  located: number;
  deleted: number | null;
  deletedAt: string | null;
  deleteTsUs: string | null;
  consistency: string | null;
  verifiedAt: string | null;
  remaining: number | null;
  region: string | null;
  jurisdiction: string | null;
}

export interface BackupRow {
  createdAt: string;
  expiresAt: string;
  purgedAt: string | null;
  sha256: string;
  keyId: string;
  rows: number;
  iv: Buffer | null;
  tag: Buffer | null;
  ciphertext: Buffer | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

// biome-ignore lint/suspicious/noExplicitAny: pg rows
function toRequest(r: any): RequestRow {
  return {
    requestId: r.request_id,
    context: r.context,
    subjectHmac: r.subject_hmac,
    subjectEnc: r.subject_enc,
    keysEnc: r.keys_enc,
    state: r.state,
    onFailure: r.on_failure,
    reason: r.reason,
    receivedAt: r.received_at.toISOString(),
    deadlineAt: r.deadline_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    closedAt: iso(r.closed_at),
    actor: r.actor,
    toolVersion: r.tool_version,
    configHash: r.config_hash,
    host: r.host,
    deleteTsUs: r.delete_ts_us,
    restoreTsUs: r.restore_ts_us,
    evidence: r.evidence ?? {},
    lastError: r.last_error,
  };
}

export async function insertRequest(
  store: Store,
  r: Pick<
    RequestRow,
    'requestId' | 'context' | 'subjectHmac' | 'onFailure' | 'reason' | 'actor' | 'toolVersion' | 'configHash' | 'host'
  > & {subjectEnc: Buffer},
): Promise<{created: boolean; row: RequestRow}> {
  const res = await store.pool.query(
    `INSERT INTO ${store.table('gdpr_requests')}
       (request_id, context, subject_hmac, subject_enc, state, on_failure, reason, deadline_at, actor, tool_version, config_hash, host)
     VALUES ($1, $2, $3, $4, 'requested', $5, $6, now() + interval '1 month', $7, $8, $9, $10)
     ON CONFLICT (request_id) DO NOTHING RETURNING *`,
    [
      r.requestId,
      r.context,
      r.subjectHmac,
      r.subjectEnc,
      r.onFailure,
      r.reason,
      r.actor,
      r.toolVersion,
      r.configHash,
      r.host,
    ],
  );
  if (res.rows[0]) return {created: true, row: toRequest(res.rows[0])};
  const existing = await getRequest(store, r.requestId);
  if (!existing) throw new Error(`request ${r.requestId} vanished`);
  return {created: false, row: existing};
}

export async function getRequest(store: Store, requestId: string): Promise<RequestRow | undefined> {
  const res = await store.pool.query(`SELECT * FROM ${store.table('gdpr_requests')} WHERE request_id = $1`, [
    requestId,
  ]);
  return res.rows[0] ? toRequest(res.rows[0]) : undefined;
}

/** Reads and row-locks a request inside a transaction (one process advances a request at a time). */
export async function lockRequest(db: Queryable, table: string, requestId: string): Promise<RequestRow | undefined> {
  const res = await db.query(`SELECT * FROM ${table} WHERE request_id = $1 FOR UPDATE`, [requestId]);
  return res.rows[0] ? toRequest(res.rows[0]) : undefined;
}

export interface ListFilter {
  context?: string;
  states?: string[];
  subjectHmac?: string;
  from?: Date;
  to?: Date;
}

export async function listRequests(store: Store, f: ListFilter = {}): Promise<RequestRow[]> {
  const res = await store.pool.query(
    `SELECT * FROM ${store.table('gdpr_requests')}
      WHERE ($1::text IS NULL OR context = $1)
        AND ($2::text[] IS NULL OR state = ANY($2))
        AND ($3::text IS NULL OR subject_hmac = $3)
        AND ($4::timestamptz IS NULL OR received_at >= $4)
        AND ($5::timestamptz IS NULL OR received_at < $5)
      ORDER BY received_at, request_id`,
    [f.context ?? null, f.states ?? null, f.subjectHmac ?? null, f.from ?? null, f.to ?? null],
  );
  return res.rows.map(toRequest);
}

export async function appendJournal(
  db: Queryable,
  table: string,
  requestId: string,
  step: string,
  phase: JournalEntry['phase'],
  detail: Record<string, unknown> = {},
  auditId?: string,
): Promise<void> {
  await db.query(`INSERT INTO ${table} (request_id, step, phase, detail, audit_id) VALUES ($1, $2, $3, $4, $5)`, [
    requestId,
    step,
    phase,
    JSON.stringify(detail),
    auditId ?? null,
  ]);
}

export async function journalEntries(store: Store, requestId: string): Promise<JournalEntry[]> {
  const res = await store.pool.query(
    `SELECT id, step, phase, at, detail, audit_id FROM ${store.table('gdpr_journal')} WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return res.rows.map((r) => ({
    id: String(r.id),
    step: r.step,
    phase: r.phase,
    at: r.at.toISOString(),
    detail: r.detail,
    auditId: r.audit_id,
  }));
}

/** Moves a request to `state`, setting the given columns in the same statement. */
export async function setState(
  db: Queryable,
  table: string,
  requestId: string,
  state: GdprState,
  set: Partial<{
    keys_enc: Buffer | null;
    subject_enc: Buffer | null;
    delete_ts_us: string;
    restore_ts_us: string;
    last_error: string | null;
    evidence: Record<string, unknown>;
    closed: boolean;
  }> = {},
): Promise<void> {
  const cols: string[] = ['state = $2', 'updated_at = now()'];
  const values: unknown[] = [requestId, state];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    cols.push(sql.replace('?', `$${values.length}`));
  };
  if ('keys_enc' in set) add('keys_enc = ?', set.keys_enc);
  if ('subject_enc' in set) add('subject_enc = ?', set.subject_enc);
  if (set.delete_ts_us !== undefined) add('delete_ts_us = ?', set.delete_ts_us);
  if (set.restore_ts_us !== undefined) add('restore_ts_us = ?', set.restore_ts_us);
  if ('last_error' in set) add('last_error = ?', set.last_error);
  if (set.evidence) add('evidence = evidence || ?::jsonb', JSON.stringify(set.evidence));
  if (set.closed) cols.push('closed_at = now()');
  await db.query(`UPDATE ${table} SET ${cols.join(', ')} WHERE request_id = $1`, values);
}

/** Only columns that may change: a field left undefined keeps its stored value. */
export async function upsertSystem(
  db: Queryable,
  table: string,
  requestId: string,
  s: Partial<SystemRow> & Pick<SystemRow, 'store' | 'name'>,
): Promise<void> {
  await db.query(
    `INSERT INTO ${table} AS t (request_id, store, name, located, deleted, deleted_at, delete_ts_us, consistency, verified_at, remaining, region, jurisdiction)
     VALUES ($1, $2, $3, coalesce($4, 0), $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (request_id, store, name) DO UPDATE SET
       located = coalesce($4, t.located), deleted = coalesce($5, t.deleted), deleted_at = coalesce($6, t.deleted_at),
       delete_ts_us = coalesce($7, t.delete_ts_us), consistency = coalesce($8, t.consistency),
       verified_at = coalesce($9, t.verified_at), remaining = coalesce($10, t.remaining),
       region = coalesce($11, t.region), jurisdiction = coalesce($12, t.jurisdiction)`,
    [
      requestId,
      s.store,
      s.name,
      s.located ?? null,
      s.deleted ?? null,
      s.deletedAt ?? null,
      s.deleteTsUs ?? null,
      s.consistency ?? null,
      s.verifiedAt ?? null,
      s.remaining ?? null,
      s.region ?? null,
      s.jurisdiction ?? null,
    ],
  );
}

export async function systemsOf(store: Store, requestId: string): Promise<SystemRow[]> {
  const res = await store.pool.query(
    `SELECT * FROM ${store.table('gdpr_systems')} WHERE request_id = $1 ORDER BY store, name`,
    [requestId],
  );
  return res.rows.map((r) => ({
    store: r.store,
    name: r.name,
    located: r.located,
    deleted: r.deleted,
    deletedAt: iso(r.deleted_at),
    deleteTsUs: r.delete_ts_us,
    consistency: r.consistency,
    verifiedAt: iso(r.verified_at),
    remaining: r.remaining,
    region: r.region,
    jurisdiction: r.jurisdiction,
  }));
}

export async function saveBackup(
  db: Queryable,
  table: string,
  requestId: string,
  b: {expiresAt: Date; sha256: string; keyId: string; rows: number; iv: Buffer; tag: Buffer; ciphertext: Buffer},
): Promise<void> {
  await db.query(
    `INSERT INTO ${table} (request_id, expires_at, sha256, key_id, rows, iv, tag, ciphertext)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (request_id) DO UPDATE SET created_at = now(), expires_at = $2, sha256 = $3, key_id = $4, rows = $5,
       iv = $6, tag = $7, ciphertext = $8, purged_at = NULL`,
    [requestId, b.expiresAt, b.sha256, b.keyId, b.rows, b.iv, b.tag, b.ciphertext],
  );
}

export async function getBackup(store: Store, requestId: string): Promise<BackupRow | undefined> {
  const res = await store.pool.query(`SELECT * FROM ${store.table('gdpr_backups')} WHERE request_id = $1`, [requestId]);
  const r = res.rows[0];
  if (!r) return undefined;
  return {
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    purgedAt: iso(r.purged_at),
    sha256: r.sha256,
    keyId: r.key_id,
    rows: r.rows,
    iv: r.iv,
    tag: r.tag,
    ciphertext: r.ciphertext,
  };
}

export async function purgeBackupRow(db: Queryable, table: string, requestId: string): Promise<void> {
  await db.query(
    `UPDATE ${table} SET iv = NULL, tag = NULL, ciphertext = NULL, purged_at = coalesce(purged_at, now()) WHERE request_id = $1`,
    [requestId],
  );
}
