import {type AuditEntry, type AuditRecord, type AuditResult, canonicalPrefix, recordHash} from './audit-record.js';
import type {Store} from './index.js';
import {bigintId} from './sql.js';

/**
 * The audit log table (`_cdc_audit_log`) and its chain head (`_cdc_audit_head`, one row). Appends
 * are serialised by locking the head row (SELECT … FOR UPDATE) inside the inserting transaction, so
 * that concurrent cdcctl processes extend one valid chain.
 */
const LOG = '_cdc_audit_log';
const HEAD = '_cdc_audit_head';

export async function appendAudit(store: Store, entry: AuditEntry): Promise<AuditRecord> {
  // One round trip: the store function locks the head, hashes, inserts and moves the head (migration 201).
  const res = await store.pool.query<{seq: string; prev_hash: string; hash: string}>(
    `SELECT seq, prev_hash, hash FROM ${store.table('_cdc_audit_append')}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      canonicalPrefix(entry),
      entry.id,
      entry.time,
      entry.actor,
      entry.role,
      entry.context,
      entry.command,
      JSON.stringify(entry.args),
      JSON.stringify(entry.targets),
      entry.result,
      entry.error === null ? null : JSON.stringify(entry.error),
      entry.durationMs,
      entry.version,
      entry.host,
    ],
  );
  const row = res.rows[0]!;
  const record = {...entry, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash};
  if (recordHash(entry, record.prevHash) !== record.hash) {
    // the server and cdcctl disagree on the canonical bytes: `audit verify` would flag this row
    throw new Error(`audit record ${entry.id} was hashed differently by the store (seq ${record.seq})`);
  }
  return record;
}

interface Row {
  seq: string;
  id: string;
  /** ISO-8601 UTC text, formatted by the server (parsing timestamps into Dates dominates big reads). */
  at: string;
  actor: string;
  role: string;
  context: string;
  command: string;
  args: string[];
  targets: string[];
  result: AuditResult;
  error: {code: string; message: string} | null;
  duration_ms: number;
  version: string;
  host: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = `seq, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, role, context,
  command, args, targets, result, error, duration_ms, version, host, prev_hash, hash`;

function toRecord(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    time: r.at,
    actor: r.actor,
    role: r.role,
    context: r.context,
    command: r.command,
    args: r.args,
    targets: r.targets,
    result: r.result,
    error: r.error,
    durationMs: r.duration_ms,
    version: r.version,
    host: r.host,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface AuditFilter {
  since?: Date;
  until?: Date;
  /** Substring of the actor, case-insensitive. */
  actor?: string;
  /** Command id or its prefix: `connectors:patch`, `connectors` (spaces or colons). */
  action?: string;
  /** One of the record's targets, exactly. */
  target?: string;
  result?: AuditResult;
  context?: string;
}

function where(f: AuditFilter, values: unknown[]): string {
  const conds: string[] = [];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    conds.push(sql.replace('?', `$${values.length}`));
  };
  if (f.since) add('at >= ?', f.since);
  if (f.until) add('at < ?', f.until);
  if (f.actor)
    add(
      `actor ILIKE '%' || ? || '%'`,
      f.actor.replace(/[\\%_]/g, (c) => `\\${c}`),
    );
  if (f.action) {
    const a = f.action.trim().replace(/\s+/g, ':');
    values.push(a, `${a}:%`);
    conds.push(`(command = $${values.length - 1} OR command LIKE $${values.length})`);
  }
  if (f.target) add('targets @> jsonb_build_array(?::text)', f.target);
  if (f.result) add('result = ?', f.result);
  if (f.context) add('context = ?', f.context);
  return conds.length ? `WHERE ${conds.join(' AND ')}` : '';
}

export async function listAudit(store: Store, filter: AuditFilter, limit?: number): Promise<AuditRecord[]> {
  const values: unknown[] = [];
  const w = where(filter, values);
  let sql = `SELECT ${COLUMNS} FROM ${store.table(LOG)} ${w} ORDER BY seq DESC`;
  if (limit !== undefined) {
    values.push(limit);
    sql += ` LIMIT $${values.length}`;
  }
  const rows = await store.pool.query<Row>(sql, values);
  return rows.rows.map(toRecord).reverse();
}

/**
 * Records in chain order, a batch at a time (keyset pagination): constant memory for any size.
 * The next batch is fetched while the caller works on the current one.
 */
export async function* streamAudit(
  store: Store,
  filter: AuditFilter = {},
  batch = 10_000,
): AsyncGenerator<AuditRecord[], void, void> {
  const fetch = (after: number) => {
    const values: unknown[] = [];
    const w = where(filter, values);
    values.push(after, batch);
    return store.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${store.table(LOG)} ${w ? `${w} AND` : 'WHERE'} seq > $${values.length - 1}
       ORDER BY seq LIMIT $${values.length}`,
      values,
    );
  };
  let pending = fetch(-1);
  for (;;) {
    const rows = (await pending).rows;
    if (rows.length === 0) return;
    const full = rows.length === batch;
    if (full) {
      pending = fetch(Number(rows.at(-1)!.seq));
      pending.catch(() => {});
    }
    yield rows.map(toRecord);
    if (!full) return;
  }
}

export async function getAudit(store: Store, idOrSeq: string): Promise<AuditRecord | undefined> {
  const seq = /^\d+$/.test(idOrSeq) ? bigintId(idOrSeq) : undefined;
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSeq);
  if (seq === undefined && !isUuid) return undefined; // a number beyond bigint names no record
  const rows = await store.pool.query<Row>(
    `SELECT ${COLUMNS} FROM ${store.table(LOG)} WHERE ${seq !== undefined ? 'seq' : 'id'} = $1`,
    [seq ?? idOrSeq],
  );
  return rows.rows[0] ? toRecord(rows.rows[0]) : undefined;
}

export async function auditHead(store: Store): Promise<{seq: number; hash: string}> {
  const r = await store.pool.query<{seq: string; hash: string}>(`SELECT seq, hash FROM ${store.table(HEAD)} WHERE one`);
  return {seq: Number(r.rows[0]?.seq ?? 0), hash: r.rows[0]?.hash ?? ''};
}

/** The seq of the record whose hash is `hash`, if any (used to tell a reordered row from a deleted one). */
export async function seqOfHash(store: Store, hash: string): Promise<number | undefined> {
  const r = await store.pool.query<{seq: string}>(`SELECT seq FROM ${store.table(LOG)} WHERE hash = $1 LIMIT 1`, [
    hash,
  ]);
  return r.rows[0] ? Number(r.rows[0].seq) : undefined;
}
