import {copyBytea, copyLines, copyText} from './copy.js';
import {inTransaction, type Store} from './index.js';
import {bigintId} from './sql.js';

/**
 * Dead-letter records copied from Kafka Connect's DLQ topics (`_cdc_dlq_records`: coordinates, error
 * context and replay state; `_cdc_dlq_payloads`: key, value, headers, message and trace, never
 * updated) and the replay runs that sent them back (`_cdc_dlq_replay_runs`). Key, value and headers
 * are kept byte for byte.
 */

export const DLQ_TABLE = '_cdc_dlq_records';
export const DLQ_RUNS_TABLE = '_cdc_dlq_replay_runs';
/** A record's bytes (key, value, headers, message, trace), never updated: one row per record, same id. */
export const DLQ_PAYLOADS_TABLE = '_cdc_dlq_payloads';

export type DlqStatus = 'new' | 'replaying' | 'replayed' | 'discarded';
export const DLQ_STATUSES: DlqStatus[] = ['new', 'replaying', 'replayed', 'discarded'];

export interface StoredHeader {
  key: string;
  value: Buffer | null;
}

/** A record as read from the DLQ topic, with the Connect error context already extracted. */
export interface DlqRecordInput {
  dlqTopic: string;
  dlqPartition: number;
  dlqOffset: string;
  dlqTimestamp: string | null;
  srcTopic: string | null;
  srcPartition: number | null;
  srcOffset: string | null;
  connector: string | null;
  taskId: number | null;
  stage: string | null;
  className: string | null;
  exceptionClass: string | null;
  exceptionMessage: string | null;
  stacktrace: string | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: StoredHeader[];
}

export interface DlqRow extends DlqRecordInput {
  id: string;
  firstSeen: string;
  status: DlqStatus;
  replayRun: string | null;
  replayCount: number;
  replayedAt: string | null;
  discardReason: string | null;
  discardedAt: string | null;
}

export interface DlqFilter {
  ids?: string[];
  connector?: string;
  /** The original topic the record was read from by the sink. */
  topic?: string;
  dlqTopic?: string;
  stage?: string;
  /** Substring of the exception class, case-insensitive. */
  exception?: string;
  since?: Date;
  until?: Date;
  status?: DlqStatus[];
  run?: string;
  /** Only records that name their original topic (Connect's context headers were enabled). */
  requireSrcTopic?: boolean;
}

const COLUMNS = `id, dlq_topic, dlq_partition, dlq_offset, dlq_timestamp, src_topic, src_partition, src_offset,
  connector, task_id, stage, class_name, exception_class, exception_message, stacktrace, record_key, record_value,
  headers, first_seen, status, replay_run, replay_count, replayed_at, discard_reason, discarded_at`;

/** What a replay sends: a record's bytes and where it came from. */
export type ReplayRow = Pick<
  DlqRow,
  'id' | 'dlqTopic' | 'dlqPartition' | 'dlqOffset' | 'srcTopic' | 'srcPartition' | 'key' | 'value' | 'headers'
>;

/**
 * Rows of `from` (which has an `id` column) with their record's bytes: one primary-key probe of the
 * payloads table per row, whatever the filter. (A plain join may be planned as a merge join that
 * walks the payloads from the first id up to the page asked for — quadratic over an export.)
 */
function withBytes(store: Store, from: string, alias: string): string {
  return `${from} CROSS JOIN LATERAL (
     SELECT p.exception_message, p.stacktrace, p.record_key, p.record_value, p.headers, p.replay_headers
       FROM ${store.table(DLQ_PAYLOADS_TABLE)} p WHERE p.id = ${alias}.id OFFSET 0) AS bytes`;
}

/** A record with its bytes: the records table and the payloads table. */
function recordsWithBytes(store: Store): string {
  return withBytes(store, `${store.table(DLQ_TABLE)} AS r`, 'r');
}

/**
 * The columns a replay reads: no trace, message or dates, and the headers without the Connect error
 * context and earlier replay marks (`replay_headers`, kept apart at insert: the error context is
 * most of a record's bytes, and a replay never sends it).
 */
const REPLAY_COLUMNS = `id, dlq_topic, dlq_partition, dlq_offset, src_topic, src_partition, record_key, record_value,
  replay_headers AS headers`;

/**
 * Whether a replay sends the header: not Connect's error context, not the mark of an earlier replay.
 * The one rule for both sources: the store applies it at insert (`replay_headers`), a replay from a
 * topic when it builds the record.
 */
export function sentOnReplay(key: string): boolean {
  return !key.startsWith('__connect.errors.') && !key.startsWith('cdcctl.replay.');
}

type RawReplayRow = Pick<
  RawRow,
  | 'id'
  | 'dlq_topic'
  | 'dlq_partition'
  | 'dlq_offset'
  | 'src_topic'
  | 'src_partition'
  | 'record_key'
  | 'record_value'
  | 'headers'
>;

function fromRawReplay(r: RawReplayRow): ReplayRow {
  return {
    id: String(r.id),
    dlqTopic: r.dlq_topic,
    dlqPartition: r.dlq_partition,
    dlqOffset: String(r.dlq_offset),
    srcTopic: r.src_topic,
    srcPartition: r.src_partition,
    key: r.record_key,
    value: r.record_value,
    headers: decodeHeaders(r.headers),
  };
}

/** WHERE clause for a filter: every value a bound parameter, numbered from `first`. */
export function whereOf(filter: DlqFilter, first = 1): {sql: string; values: unknown[]} {
  const parts: string[] = [];
  const values: unknown[] = [];
  const add = (cond: (n: string) => string, v: unknown) => {
    values.push(v);
    parts.push(cond(`$${first + values.length - 1}`));
  };
  // ids that cannot be a row's select nothing (rather than failing the cast)
  if (filter.ids?.length)
    add(
      (n) => `id = ANY(${n}::bigint[])`,
      filter.ids.map(bigintId).filter((id) => id !== undefined),
    );
  if (filter.connector) add((n) => `connector = ${n}`, filter.connector);
  if (filter.topic) add((n) => `src_topic = ${n}`, filter.topic);
  if (filter.dlqTopic) add((n) => `dlq_topic = ${n}`, filter.dlqTopic);
  if (filter.stage) add((n) => `stage = ${n}`, filter.stage);
  if (filter.exception) add((n) => `exception_class ILIKE ${n}`, `%${likeEscape(filter.exception)}%`);
  if (filter.since) add((n) => `COALESCE(dlq_timestamp, first_seen) >= ${n}`, filter.since);
  if (filter.until) add((n) => `COALESCE(dlq_timestamp, first_seen) < ${n}`, filter.until);
  if (filter.status?.length) add((n) => `status = ANY(${n}::text[])`, filter.status);
  if (filter.run) add((n) => `replay_run = ${n}`, filter.run);
  if (filter.requireSrcTopic) parts.push('src_topic IS NOT NULL');
  return {sql: parts.length ? parts.join(' AND ') : 'TRUE', values};
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface RawRow {
  id: string;
  dlq_topic: string;
  dlq_partition: number;
  dlq_offset: string;
  dlq_timestamp: Date | null;
  src_topic: string | null;
  src_partition: number | null;
  src_offset: string | null;
  connector: string | null;
  task_id: number | null;
  stage: string | null;
  class_name: string | null;
  exception_class: string | null;
  exception_message: string | null;
  stacktrace: string | null;
  record_key: Buffer | null;
  record_value: Buffer | null;
  headers: Array<{k: string; v: string | null}>;
  first_seen: Date;
  status: DlqStatus;
  replay_run: string | null;
  replay_count: number;
  replayed_at: Date | null;
  discard_reason: string | null;
  discarded_at: Date | null;
}

function fromRaw(r: RawRow): DlqRow {
  return {
    id: String(r.id),
    dlqTopic: r.dlq_topic,
    dlqPartition: r.dlq_partition,
    dlqOffset: String(r.dlq_offset),
    dlqTimestamp: r.dlq_timestamp?.toISOString() ?? null,
    srcTopic: r.src_topic,
    srcPartition: r.src_partition,
    srcOffset: r.src_offset === null ? null : String(r.src_offset),
    connector: r.connector,
    taskId: r.task_id,
    stage: r.stage,
    className: r.class_name,
    exceptionClass: r.exception_class,
    exceptionMessage: r.exception_message,
    stacktrace: r.stacktrace,
    key: r.record_key,
    value: r.record_value,
    headers: decodeHeaders(r.headers),
    firstSeen: r.first_seen.toISOString(),
    status: r.status,
    replayRun: r.replay_run,
    replayCount: r.replay_count,
    replayedAt: r.replayed_at?.toISOString() ?? null,
    discardReason: r.discard_reason,
    discardedAt: r.discarded_at?.toISOString() ?? null,
  };
}

export function encodeHeaders(headers: StoredHeader[]): string {
  return JSON.stringify(headers.map((h) => ({k: h.key, v: h.value === null ? null : h.value.toString('base64')})));
}

function decodeHeaders(raw: Array<{k: string; v: string | null}>): StoredHeader[] {
  return raw.map((h) => ({key: h.k, value: h.v === null ? null : Buffer.from(h.v, 'base64')}));
}

/**
 * Inserts records; a record already stored (same DLQ topic/partition/offset) is left as it is, so
 * that re-reading a topic is harmless. Returns how many were new.
 */
export async function insertDlqRecords(store: Store, records: DlqRecordInput[]): Promise<number> {
  if (records.length === 0) return 0;
  // COPY into a staging table of the session (emptied at commit), then one statement: the records
  // new to the store, then their bytes (joined back by DLQ coordinates). One transaction: a batch is
  // stored whole or not at all. Measured against one INSERT … SELECT FROM unnest($1 … $18) of the
  // same batch: COPY parses the rows as they stream in and binds no 18 arrays of 8,000 values.
  return inTransaction(store, async (client) => {
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${DLQ_STAGING} (${STAGING_COLUMNS}) ON COMMIT DELETE ROWS`);
    await copyLines(client, DLQ_STAGING, records.map(stagingLine));
    const res = await client.query(
      `WITH ins AS (
         INSERT INTO ${store.table(DLQ_TABLE)} (dlq_topic, dlq_partition, dlq_offset, dlq_timestamp, src_topic,
           src_partition, src_offset, connector, task_id, stage, class_name, exception_class)
         SELECT t.a, t.b, t.c, t.d, t.e, t.f, t.g, t.h, t.i, t.j, t.k, t.l FROM ${DLQ_STAGING} t
         ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO NOTHING
         RETURNING id, dlq_topic, dlq_partition, dlq_offset)
       INSERT INTO ${store.table(DLQ_PAYLOADS_TABLE)} (id, exception_message, stacktrace, record_key, record_value,
         headers, replay_headers)
       SELECT DISTINCT ON (ins.id) ins.id, t.m, t.n, t.o, t.p, t.q, t.r
         FROM ins JOIN ${DLQ_STAGING} t ON t.a = ins.dlq_topic AND t.b = ins.dlq_partition AND t.c = ins.dlq_offset`,
    );
    return res.rowCount ?? 0;
  });
}

/** The session's staging table of `insertDlqRecords` (temporary: one per connection, never shared). */
const DLQ_STAGING = 'pg_temp._cdc_dlq_staging';
const STAGING_COLUMNS = `a text, b int, c bigint, d timestamptz, e text, f int, g bigint, h text, i int, j text,
  k text, l text, m text, n text, o bytea, p bytea, q jsonb, r jsonb`;

/** A record as one line of COPY text for the staging table; each header's bytes are encoded once. */
function stagingLine(r: DlqRecordInput): string {
  const headers = r.headers.map((h) => ({k: h.key, v: h.value === null ? null : h.value.toString('base64')}));
  return `${[
    copyText(r.dlqTopic),
    r.dlqPartition,
    copyText(r.dlqOffset),
    copyText(r.dlqTimestamp),
    copyText(r.srcTopic),
    copyText(r.srcPartition),
    copyText(r.srcOffset),
    copyText(r.connector),
    copyText(r.taskId),
    copyText(r.stage),
    copyText(r.className),
    copyText(r.exceptionClass),
    copyText(r.exceptionMessage),
    copyText(r.stacktrace),
    copyBytea(r.key),
    copyBytea(r.value),
    copyText(JSON.stringify(headers)),
    copyText(JSON.stringify(headers.filter((h) => sentOnReplay(h.k)))),
  ].join('\t')}\n`;
}

/** Fresh planner statistics after a bulk load (replays walk the primary key only if it knows). */
export async function analyzeDlq(store: Store): Promise<void> {
  await store.pool.query(`ANALYZE ${store.table(DLQ_TABLE)}`);
}

export async function countDlq(store: Store, filter: DlqFilter): Promise<number> {
  const w = whereOf(filter);
  const res = await store.pool.query<{n: string}>(
    `SELECT count(*) AS n FROM ${store.table(DLQ_TABLE)} WHERE ${w.sql}`,
    w.values,
  );
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Several counts in one scan of the table: each filter becomes a `count(*) FILTER (WHERE …)`. A
 * filter whose `status` is an empty list matches nothing (not everything, as in `whereOf`).
 */
export async function countDlqMany<K extends string>(
  store: Store,
  filters: Record<K, DlqFilter>,
): Promise<Record<K, number>> {
  const names = Object.keys(filters) as K[];
  const values: unknown[] = [];
  const cols = names.map((name, i) => {
    const f = filters[name];
    if (f.status && f.status.length === 0) return `0 AS c${i}`;
    const w = whereOf(f, values.length + 1);
    values.push(...w.values);
    return `count(*) FILTER (WHERE ${w.sql}) AS c${i}`;
  });
  const res = await store.pool.query<Record<string, string>>(
    `SELECT ${cols.join(', ')} FROM ${store.table(DLQ_TABLE)}`,
    values,
  );
  const row = res.rows[0] ?? {};
  return Object.fromEntries(names.map((name, i) => [name, Number(row[`c${i}`] ?? 0)])) as Record<K, number>;
}

/** One page of records in id order; `afterId` pages by key (for exports), `offset` by position. */
export async function listDlq(
  store: Store,
  filter: DlqFilter,
  page: {limit: number; offset?: number; afterId?: string},
): Promise<DlqRow[]> {
  const w = whereOf(filter);
  const values = [...w.values];
  let sql = w.sql;
  if (page.afterId !== undefined) {
    values.push(page.afterId);
    sql += ` AND id > $${values.length}`;
  }
  values.push(page.limit, page.offset ?? 0);
  const res = await store.pool.query<RawRow>(
    `SELECT ${COLUMNS} FROM ${recordsWithBytes(store)} WHERE ${sql} ORDER BY id LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return res.rows.map(fromRaw);
}

export interface DlqGroup {
  connector: string | null;
  stage: string | null;
  exceptionClass: string | null;
  count: number;
  byStatus: Record<DlqStatus, number>;
  oldest: string | null;
  newest: string | null;
}

export async function summarizeDlq(store: Store, filter: DlqFilter): Promise<DlqGroup[]> {
  const w = whereOf(filter);
  const res = await store.pool.query<{
    connector: string | null;
    stage: string | null;
    exception_class: string | null;
    n: string;
    n_new: string;
    n_replaying: string;
    n_replayed: string;
    n_discarded: string;
    oldest: Date | null;
    newest: Date | null;
  }>(
    `SELECT connector, stage, exception_class, count(*) AS n,
            count(*) FILTER (WHERE status = 'new') AS n_new,
            count(*) FILTER (WHERE status = 'replaying') AS n_replaying,
            count(*) FILTER (WHERE status = 'replayed') AS n_replayed,
            count(*) FILTER (WHERE status = 'discarded') AS n_discarded,
            min(COALESCE(dlq_timestamp, first_seen)) AS oldest, max(COALESCE(dlq_timestamp, first_seen)) AS newest
       FROM ${store.table(DLQ_TABLE)} WHERE ${w.sql}
      GROUP BY connector, stage, exception_class
      ORDER BY count(*) DESC, connector, stage, exception_class`,
    w.values,
  );
  return res.rows.map((r) => ({
    connector: r.connector,
    stage: r.stage,
    exceptionClass: r.exception_class,
    count: Number(r.n),
    byStatus: {
      new: Number(r.n_new),
      replaying: Number(r.n_replaying),
      replayed: Number(r.n_replayed),
      discarded: Number(r.n_discarded),
    },
    oldest: r.oldest?.toISOString() ?? null,
    newest: r.newest?.toISOString() ?? null,
  }));
}

export async function getDlq(store: Store, id: string): Promise<DlqRow | undefined> {
  if (bigintId(id) === undefined) return undefined;
  const res = await store.pool.query<RawRow>(`SELECT ${COLUMNS} FROM ${recordsWithBytes(store)} WHERE id = $1`, [id]);
  return res.rows[0] ? fromRaw(res.rows[0]) : undefined;
}

/** The ids among `ids` that name no record (in the order given). */
export async function missingDlqIds(store: Store, ids: string[]): Promise<string[]> {
  const res = await store.pool.query<{id: string}>(
    `SELECT id FROM ${store.table(DLQ_TABLE)} WHERE id = ANY($1::bigint[])`,
    [ids.map(bigintId).filter((id) => id !== undefined)],
  );
  const found = new Set(res.rows.map((r) => String(r.id)));
  return ids.filter((id) => !found.has(bigintId(id) ?? ''));
}

/** Marks the selected records discarded (never ones in the middle of a replay). */
export async function discardDlq(
  store: Store,
  filter: DlqFilter,
  reason: string,
  actor: string,
): Promise<{ids: string[]}> {
  const w = whereOf(filter, 3);
  const res = await store.pool.query<{id: string}>(
    `UPDATE ${store.table(DLQ_TABLE)} SET status = 'discarded', discard_reason = $1, discarded_by = $2, discarded_at = now()
      WHERE ${w.sql} AND status IN ('new', 'replayed') RETURNING id`,
    [reason, actor, ...w.values],
  );
  return {ids: res.rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b))};
}

/** Discarded records discarded before `before`: counted (dry run) or deleted. */
export async function purgeDlq(
  store: Store,
  before: Date,
  filter: DlqFilter,
  dryRun: boolean,
): Promise<{count: number}> {
  const w = whereOf({...filter, status: ['discarded']}, 2);
  const cond = `${w.sql} AND discarded_at < $1`;
  if (dryRun) {
    const res = await store.pool.query<{n: string}>(
      `SELECT count(*) AS n FROM ${store.table(DLQ_TABLE)} WHERE ${cond}`,
      [before, ...w.values],
    );
    return {count: Number(res.rows[0]?.n ?? 0)};
  }
  const res = await store.pool.query(`DELETE FROM ${store.table(DLQ_TABLE)} WHERE ${cond}`, [before, ...w.values]);
  return {count: res.rowCount ?? 0};
}

// --- replay runs -------------------------------------------------------------------------------

export interface ReplayRunRow {
  runId: string;
  context: string;
  actor: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  state: 'running' | 'finished' | 'interrupted' | 'failed';
  toTopic: string | null;
  selection: DlqFilter;
  force: boolean;
  produced: number;
  recovered: number;
  checkpoints: Record<string, Record<string, string>>;
}

export async function getRun(store: Store, runId: string): Promise<ReplayRunRow | undefined> {
  const res = await store.pool.query(`SELECT * FROM ${store.table(DLQ_RUNS_TABLE)} WHERE run_id = $1`, [runId]);
  const r = res.rows[0];
  if (!r) return undefined;
  const sel = r.selection as DlqFilter & {since?: string; until?: string};
  return {
    runId: r.run_id,
    context: r.context,
    actor: r.actor,
    startedAt: r.started_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    state: r.state,
    toTopic: r.to_topic,
    selection: {
      ...sel,
      since: sel.since ? new Date(sel.since) : undefined,
      until: sel.until ? new Date(sel.until) : undefined,
    },
    force: r.force,
    produced: Number(r.produced),
    recovered: Number(r.recovered),
    checkpoints: r.checkpoints,
  };
}

export async function createRun(
  store: Store,
  run: {
    runId: string;
    context: string;
    actor: string;
    toTopic: string | null;
    selection: DlqFilter;
    force: boolean;
    checkpoints: Record<string, Record<string, string>>;
  },
): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table(DLQ_RUNS_TABLE)} (run_id, context, actor, state, to_topic, selection, force, checkpoints)
     VALUES ($1, $2, $3, 'running', $4, $5, $6, $7)`,
    [
      run.runId,
      run.context,
      run.actor,
      run.toTopic,
      JSON.stringify(run.selection),
      run.force === true,
      JSON.stringify(run.checkpoints),
    ],
  );
}

export async function setRunState(
  store: Store,
  runId: string,
  state: ReplayRunRow['state'],
  extra: {checkpoints?: Record<string, Record<string, string>>} = {},
): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table(DLQ_RUNS_TABLE)} SET state = $2, updated_at = now(),
        finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE now() END,
        checkpoints = COALESCE($3::jsonb, checkpoints)
      WHERE run_id = $1`,
    [runId, state, extra.checkpoints ? JSON.stringify(extra.checkpoints) : null],
  );
}

/**
 * Journals the next batch of a run before it is sent: selected records still eligible are set to
 * `replaying` with the run id (committed before any byte leaves), and returned with their bytes.
 */
export async function claimBatch(
  store: Store,
  runId: string,
  filter: DlqFilter,
  force: boolean,
  limit: number,
  /** Claims continue after this id (records are claimed in id order within one invocation). */
  afterId = '0',
): Promise<ReplayRow[]> {
  const w = whereOf(filter, 4);
  const eligible = force ? `status IN ('new', 'replayed') AND replay_run IS DISTINCT FROM $1` : `status = 'new'`;
  // The update touches only the narrow records row; the bytes are read from the payloads table.
  const res = await store.pool.query<RawReplayRow>(
    `WITH c AS (
       UPDATE ${store.table(DLQ_TABLE)} SET status = 'replaying', replay_run = $1
        WHERE id = ANY(ARRAY(SELECT id FROM ${store.table(DLQ_TABLE)} WHERE id > $3 AND ${w.sql} AND ${eligible}
                              ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED))
        RETURNING id, dlq_topic, dlq_partition, dlq_offset, src_topic, src_partition)
     SELECT ${REPLAY_COLUMNS} FROM ${withBytes(store, 'c', 'c')} ORDER BY id`,
    [runId, limit, afterId, ...w.values],
  );
  return res.rows.map(fromRawReplay);
}

/** Records of a run that were journalled as being sent but not confirmed (the in-doubt set). */
export async function inDoubt(store: Store, runId: string, limit = 100_000, afterId = '0'): Promise<ReplayRow[]> {
  const res = await store.pool.query<RawReplayRow>(
    `SELECT ${REPLAY_COLUMNS} FROM ${recordsWithBytes(store)} WHERE replay_run = $1 AND status = 'replaying' AND id > $2
      ORDER BY id LIMIT $3`,
    [runId, afterId, limit],
  );
  return res.rows.map(fromRawReplay);
}

/** After the broker acknowledged a batch: marks its records replayed and advances the run, atomically. */
export async function confirmBatch(
  store: Store,
  runId: string,
  ids: string[],
  checkpoints: Record<string, Record<string, string>>,
  recovered = false,
): Promise<void> {
  await inTransaction(store, async (c) => {
    await c.query(
      `UPDATE ${store.table(DLQ_TABLE)} SET status = 'replayed', replayed_at = now(), replay_count = replay_count + 1
        WHERE id = ANY($1::bigint[]) AND replay_run = $2 AND status = 'replaying'`,
      [ids, runId],
    );
    await c.query(
      `UPDATE ${store.table(DLQ_RUNS_TABLE)} SET updated_at = now(), checkpoints = $2::jsonb,
          produced = produced + $3, recovered = recovered + $4
        WHERE run_id = $1`,
      [runId, JSON.stringify(checkpoints), recovered ? 0 : ids.length, recovered ? ids.length : 0],
    );
  });
}

/** The account of a run: how many of its records are in each state. */
export async function runAccount(store: Store, runId: string): Promise<Record<DlqStatus, number>> {
  const res = await store.pool.query<{status: DlqStatus; n: string}>(
    `SELECT status, count(*) AS n FROM ${store.table(DLQ_TABLE)} WHERE replay_run = $1 GROUP BY status`,
    [runId],
  );
  const out: Record<DlqStatus, number> = {new: 0, replaying: 0, replayed: 0, discarded: 0};
  for (const r of res.rows) out[r.status] = Number(r.n);
  return out;
}

/** Runs other than `runId` that left records in doubt (killed and not resumed). */
export async function runsInDoubt(store: Store, except?: string): Promise<Array<{runId: string; count: number}>> {
  const res = await store.pool.query<{replay_run: string; n: string}>(
    `SELECT replay_run, count(*) AS n FROM ${store.table(DLQ_TABLE)}
      WHERE status = 'replaying' AND replay_run IS DISTINCT FROM $1 GROUP BY replay_run ORDER BY replay_run`,
    [except ?? null],
  );
  return res.rows.map((r) => ({runId: r.replay_run, count: Number(r.n)}));
}

/**
 * Holds a session-level advisory lock on the run for as long as the returned client lives: a second
 * process resuming the same run while the first still runs is refused; a killed process's session
 * ends with it, releasing the lock.
 */
export async function lockRun(store: Store, runId: string): Promise<{release: () => Promise<void>} | undefined> {
  const client = await store.pool.connect();
  const res = await client.query<{ok: boolean}>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [
    `cdcctl-dlq-replay:${store.schema}:${runId}`,
  ]);
  if (!res.rows[0]?.ok) {
    client.release();
    return undefined;
  }
  return {
    release: async () => {
      await client
        .query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`cdcctl-dlq-replay:${store.schema}:${runId}`])
        .catch(() => {});
      client.release();
    },
  };
}
