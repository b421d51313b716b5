import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import type {Client} from 'cassandra-driver';
import {alertmanagerClient} from '../../clients/alertmanager.js';
import {cassandraClient, cassandraError} from '../../clients/cassandra.js';
import {groupLag, type TopicRetention, topicEndOffsets, topicRetention, withAdmin} from '../../clients/kafka.js';
import {pgError} from '../../clients/postgres.js';
import {CdcError, ExitCode, NotOkError, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  appendJournal,
  type BackupRow,
  GDPR_STATES,
  type GdprState,
  getBackup,
  getRequest,
  insertRequest,
  type JournalEntry,
  journalEntries,
  listRequests,
  purgeBackupRow,
  type RequestRow,
  type SystemRow,
  saveBackup,
  setState,
  systemsOf,
  TERMINAL_STATES,
  upsertSystem,
} from '../../store/gdpr-journal.js';
import {inTransaction, openStore, type Store} from '../../store/index.js';
import {
  type CassandraBackupRow,
  CassandraSide,
  type CassandraTableBackup,
  type CqlKey,
  writetimeRanks,
} from './cassandra-store.js';
import {backupKey, reportKey, type SubjectMap, subjectMap} from './config.js';
import {
  canonicalJson,
  keyId,
  parseExact,
  pseudonymise,
  seal,
  sealToBytes,
  sha256Hex,
  unseal,
  unsealFromBytes,
} from './crypto.js';
import {
  addFence,
  backupRows,
  countRows,
  deleteRows,
  fenceHash,
  liftFence,
  type PostgresTableBackup,
  primaryKey,
  restoreRows,
} from './postgres-store.js';
import {checkTargets, type UnmappedTable, unmappedTables} from './targets.js';
import {
  afterPostgresFailure,
  NEXT,
  purgeDue,
  restoreCheck,
  resumeAction,
  resumePath,
  type Step,
} from './transitions.js';

/**
 * GDPR erasure as a saga with a write-ahead journal in the operational store:
 *   requested → located → backed_up → cassandra_deleted → postgres_deleted → settled → verified → closed
 *   (PostgreSQL failure, or `gdpr restore`) → compensating → restored | needs_operator (+ alert)
 * Every step is journalled ("intent") before it runs and is idempotent, so `gdpr resume` can re-run
 * whatever a crash interrupted: deletes reuse the journalled timestamp, restores reuse fixed
 * timestamps, verification only reads. The PostgreSQL delete, its fence entries and the state
 * change commit in one transaction.
 */

export type {Step} from './transitions.js';

/** Test seams (never set by the CLI): called right after a step's intent / completion is durable. */
export interface SagaHooks {
  afterIntent?: (step: Step) => void | Promise<void>;
  afterDone?: (step: Step) => void | Promise<void>;
}

export interface Located {
  cassandra: Array<{keyspace: string; table: string; keys: CqlKey[]}>;
  postgres: Array<{schema: string; table: string; column: string; located: number}>;
}

interface BackupDoc {
  version: 1;
  requestId: string;
  createdAt: string;
  cassandra: CassandraTableBackup[];
  postgres: PostgresTableBackup[];
}

export interface Horizon {
  topic: string;
  cleanupPolicy: string;
  /** When records written before the erasure are gone at the latest (ISO), or null when unbounded. */
  horizonAt: string | null;
  note: string;
}

export interface RequestView {
  requestId: string;
  context: string;
  subjectPseudonym: string;
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
  deleteTimestampUs: string | null;
  restoreTimestampUs: string | null;
  lastError: string | null;
  systems: SystemRow[];
  backup: Omit<BackupRow, 'iv' | 'tag' | 'ciphertext'> | null;
  evidence: Record<string, unknown>;
  journal: JournalEntry[];
}

export interface EraseOptions {
  subject: string;
  requestId?: string;
  reason?: string;
  dryRun?: boolean;
  onFailure?: 'restore' | 'retry';
  toolVersion: string;
  hooks?: SagaHooks;
}

export interface ErasePlan {
  dryRun: true;
  context: string;
  cassandra: Array<{table: string; rows: number; region?: string; jurisdiction?: string}>;
  postgres: Array<{table: string; rows: number; region?: string; jurisdiction?: string}>;
  horizons: Horizon[];
  /** Tables the map does not list that have a column named like a subject key: not erased. */
  unmapped: UnmappedTable[];
  steps: string[];
}

/** Every statement of an erasure, on the data tables and the journal alike, fails within --timeout. */
const BOUNDED = {boundStatements: true} as const;

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const PG_ATTEMPTS = 3;
/** lock_not_available (lock_timeout) and query_canceled (statement_timeout). */
const TIMED_OUT = new Set(['55P03', '57014']);

export function newRequestId(): string {
  return `gdpr-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * A bound on untrusted input, not a storage limit: the subject id is kept only sealed (bytea) and
 * as an HMAC, and reaches the databases as a bound value. (An id longer than 65,535 bytes cannot
 * key a Cassandra row, so it matches nothing there.)
 */
export const MAX_SUBJECT_BYTES = 1024 * 1024;

function checkSubject(subject: string): void {
  if (subject.length === 0) throw new UsageError('--subject is empty');
  if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) {
    throw new UsageError(`the subject id is longer than ${MAX_SUBJECT_BYTES} bytes (UTF-8)`, {
      hint: 'Give the id the databases hold for the subject.',
    });
  }
}

/** `gdpr erase`: plans (dry run) or runs an erasure to its end or to the first step that must wait. */
export async function erase(ctx: RunContext, o: EraseOptions): Promise<RequestView | ErasePlan> {
  checkSubject(o.subject);
  const map = subjectMap(ctx);
  if (o.requestId !== undefined && !REQUEST_ID.test(o.requestId)) {
    throw new UsageError(`invalid --request-id "${o.requestId}"`, {
      hint: 'Letters, digits, ".", "_", ":" and "-" (at most 128).',
    });
  }
  if (o.dryRun) return plan(ctx, map, o.subject);
  const key = backupKey(ctx);
  const pseudonym = pseudonymise(reportKey(ctx), o.subject);
  const requestId = o.requestId ?? newRequestId();
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, map, key, o.hooks);
  try {
    await saga.checkTargets();
    const {created, row} = await insertRequest(store, {
      requestId,
      context: ctx.contextName,
      subjectHmac: pseudonym,
      subjectEnc: sealToBytes(key, o.subject, `${requestId}:subject`),
      onFailure: o.onFailure ?? map.onFailure,
      reason: o.reason ?? null,
      actor: ctx.actor,
      toolVersion: o.toolVersion,
      configHash: map.configHash,
      host: hostname(),
    });
    if (!created && row.subjectHmac !== pseudonym) {
      throw new UsageError(`request ${requestId} already exists for another subject`, {
        hint: 'Use a new --request-id.',
      });
    }
    if (created) {
      await appendJournal(
        store.pool,
        store.table('gdpr_journal'),
        requestId,
        'request',
        'done',
        {
          reason: o.reason ?? null,
          onFailure: o.onFailure ?? map.onFailure,
        },
        ctx.auditId,
      );
      await saga.recordHorizons(requestId);
    }
    await saga.advance(requestId);
    return await describe(store, requestId);
  } finally {
    await saga.close();
    await store.close();
  }
}

async function plan(ctx: RunContext, map: SubjectMap, subject: string): Promise<ErasePlan> {
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, map, Buffer.alloc(32));
  try {
    await saga.checkTargets();
    const side = map.cassandra.length ? await saga.cassandra() : undefined;
    const unmapped = await unmappedTables(store, side, map);
    const cassandra = [];
    for (const t of map.cassandra) {
      const keys = await (side as CassandraSide).locate(t, subject).catch((e) => {
        throw cassandraError(e, 'cassandra', `locating rows in ${t.keyspace}.${t.table}`);
      });
      cassandra.push({
        table: `${t.keyspace}.${t.table}`,
        rows: keys.length,
        region: t.region,
        jurisdiction: t.jurisdiction,
      });
    }
    const postgres = [];
    for (const t of map.postgres) {
      postgres.push({
        table: `${t.schema}.${t.table}`,
        rows: await countRows(store.pool, t, subject).catch((e) => {
          throw pgError(e, store.target, `counting rows in ${t.schema}.${t.table}`);
        }),
        region: t.region,
        jurisdiction: t.jurisdiction,
      });
    }
    return {
      dryRun: true,
      context: ctx.contextName,
      cassandra,
      postgres,
      horizons: await saga.horizons(),
      unmapped,
      steps: [
        'back up the rows above (encrypted, AES-256-GCM)',
        'delete them in Cassandra USING TIMESTAMP (full primary keys)',
        'delete them in PostgreSQL in one transaction' + (map.fence ? ' and fence the subject' : ''),
        map.sinkGroup && map.topics.length
          ? `wait for sink group ${map.sinkGroup} to pass the delete`
          : 'settle: skipped (no sinkGroup/topics configured)',
        'verify 0 rows in both stores',
        `purge the backup after ${map.raw.backupRetention}`,
      ],
    };
  } finally {
    await saga.close();
    await store.close();
  }
}

export async function describe(store: Store, requestId: string): Promise<RequestView> {
  const r = await getRequest(store, requestId);
  if (!r) throw new UsageError(`no erasure request "${requestId}"`, {hint: 'List them with `cdcctl gdpr list`.'});
  const backup = await getBackup(store, requestId);
  return {
    requestId: r.requestId,
    context: r.context,
    subjectPseudonym: r.subjectHmac,
    state: r.state,
    onFailure: r.onFailure,
    reason: r.reason,
    receivedAt: r.receivedAt,
    deadlineAt: r.deadlineAt,
    updatedAt: r.updatedAt,
    closedAt: r.closedAt,
    actor: r.actor,
    toolVersion: r.toolVersion,
    configHash: r.configHash,
    host: r.host,
    deleteTimestampUs: r.deleteTsUs,
    restoreTimestampUs: r.restoreTsUs,
    lastError: r.lastError,
    systems: await systemsOf(store, requestId),
    backup: backup
      ? {
          createdAt: backup.createdAt,
          expiresAt: backup.expiresAt,
          purgedAt: backup.purgedAt,
          sha256: backup.sha256,
          keyId: backup.keyId,
          rows: backup.rows,
        }
      : null,
    evidence: r.evidence,
    journal: await journalEntries(store, requestId),
  };
}

export async function status(ctx: RunContext, requestId: string): Promise<RequestView> {
  const store = await openStore(ctx, BOUNDED);
  try {
    return await describe(store, requestId);
  } finally {
    await store.close();
  }
}

export async function list(
  ctx: RunContext,
  f: {states?: string[]; subject?: string; from?: Date; to?: Date} = {},
): Promise<RequestView[]> {
  const store = await openStore(ctx, BOUNDED);
  try {
    const rows = await listRequests(store, {
      context: ctx.contextName,
      states: f.states,
      subjectHmac: f.subject === undefined ? undefined : pseudonymise(reportKey(ctx), f.subject),
      from: f.from,
      to: f.to,
    });
    const out: RequestView[] = [];
    for (const r of rows) out.push(await describe(store, r.requestId));
    return out;
  } finally {
    await store.close();
  }
}

export interface ResumeResult {
  dryRun: false;
  requests: Array<{requestId: string; from: GdprState; to: GdprState; error?: string}>;
  needsOperator: string[];
}

/** `gdpr resume`: advances every unfinished request of the context (or the one named). */
export async function resume(ctx: RunContext, o: {requestId?: string; hooks?: SagaHooks} = {}): Promise<ResumeResult> {
  const map = subjectMap(ctx);
  const key = backupKey(ctx);
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, map, key, o.hooks);
  try {
    const open = await resumable(ctx, store, o.requestId);
    if (open.some((r) => r.state !== 'needs_operator')) await saga.checkTargets();
    const result: ResumeResult = {dryRun: false, requests: [], needsOperator: []};
    for (const r of open) {
      if (r.state === 'needs_operator') {
        result.needsOperator.push(r.requestId);
        continue;
      }
      try {
        await saga.advance(r.requestId);
        const now = await getRequest(store, r.requestId);
        result.requests.push({requestId: r.requestId, from: r.state, to: now?.state ?? r.state});
      } catch (err) {
        const now = await getRequest(store, r.requestId);
        result.requests.push({
          requestId: r.requestId,
          from: r.state,
          to: now?.state ?? r.state,
          error: (err as Error).message,
        });
      }
    }
    const after = await listRequests(store, {context: ctx.contextName, states: ['needs_operator']});
    result.needsOperator = after.map((r) => r.requestId);
    return result;
  } finally {
    await saga.close();
    await store.close();
  }
}

/** `gdpr resume --dry-run`: what a resume would do with each unfinished request; nothing is run. */
export interface ResumePlan {
  dryRun: true;
  context: string;
  requests: Array<{
    requestId: string;
    state: GdprState;
    /**
     * resume: run `steps`; wait: only the backup's grace period is left; needs_operator: left alone;
     * finished: already closed or restored (only when named with --request).
     */
    action: 'resume' | 'wait' | 'needs_operator' | 'finished';
    /** The step it resumes at (re-run from the start when its intent is the last journal entry). */
    step: Step | null;
    /** Every step it would run, in order, if each succeeds. */
    steps: Step[];
    /** The state it would reach then. */
    to: GdprState;
    /** The last journal entry: where the request stopped. */
    lastJournal: {step: string; phase: JournalEntry['phase']; at: string} | null;
    lastError: string | null;
    /** When the backup's grace period ends (purge and close), if there is a backup. */
    backupExpiresAt: string | null;
  }>;
  needsOperator: string[];
}

/**
 * Plans `gdpr resume` from the journal alone: the open requests it would pick (the same selection),
 * the step each resumes at and the steps after it (as `advance` runs them: on to the purge when the
 * backup's grace period is over, else stopping at verified). Reads the store; changes nothing.
 */
export async function planResume(ctx: RunContext, o: {requestId?: string} = {}): Promise<ResumePlan> {
  const map = subjectMap(ctx);
  backupKey(ctx); // a resume needs the key: fail the same way
  const store = await openStore(ctx, BOUNDED);
  try {
    const open = await resumable(ctx, store, o.requestId);
    const now = Date.now();
    const requests: ResumePlan['requests'] = [];
    for (const r of open) {
      const backup = await getBackup(store, r.requestId);
      const last = (await journalEntries(store, r.requestId)).at(-1);
      // the purge waits for the backup's grace period (a backup made on the way expires after backupRetention)
      const {steps, to} = resumePath(r.state, backup ? purgeDue(backup, now) : map.backupRetentionMs <= 0);
      requests.push({
        requestId: r.requestId,
        state: r.state,
        action: resumeAction(r.state, steps),
        step: steps[0] ?? null,
        steps,
        to,
        lastJournal: last ? {step: last.step, phase: last.phase, at: last.at} : null,
        lastError: r.lastError,
        backupExpiresAt: backup && backup.purgedAt === null ? backup.expiresAt : null,
      });
    }
    return {
      dryRun: true,
      context: ctx.contextName,
      requests,
      needsOperator: requests.filter((r) => r.action === 'needs_operator').map((r) => r.requestId),
    };
  } finally {
    await store.close();
  }
}

/** The requests `gdpr resume` picks: the one named, or every open one of the context. */
async function resumable(ctx: RunContext, store: Store, requestId?: string): Promise<RequestRow[]> {
  const open = requestId
    ? [await getRequest(store, requestId)].filter((r): r is RequestRow => r !== undefined)
    : await listRequests(store, {context: ctx.contextName, states: OPEN_STATES});
  if (requestId && open.length === 0) throw new UsageError(`no erasure request "${requestId}"`);
  return open;
}

/** Every state but the terminal ones: requests `gdpr resume` looks at. */
const OPEN_STATES: GdprState[] = GDPR_STATES.filter((st) => !TERMINAL_STATES.includes(st));

/** `gdpr restore`: explicit compensation from the backup (only while the backup exists). */
export async function restore(
  ctx: RunContext,
  requestId: string,
  o: {reason?: string; hooks?: SagaHooks} = {},
): Promise<RequestView> {
  const map = subjectMap(ctx);
  const key = backupKey(ctx);
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, map, key, o.hooks);
  try {
    const r = await getRequest(store, requestId);
    if (!r) throw new UsageError(`no erasure request "${requestId}"`);
    const backup = await getBackup(store, requestId);
    const check = restoreCheck(r.state, Boolean(backup?.ciphertext), r.deleteTsUs);
    if (check === 'already') return await describe(store, requestId);
    if (check === 'no-backup') {
      throw new UsageError(
        `request ${requestId} cannot be restored: its backup was ${backup?.purgedAt ? `purged at ${backup.purgedAt}` : 'never made'}`,
      );
    }
    if (check === 'nothing-deleted') {
      throw new UsageError(`request ${requestId} has deleted nothing yet (state ${r.state}); nothing to restore`);
    }
    await saga.checkTargets();
    await inTransaction(store, async (c) => {
      await appendJournal(
        c,
        store.table('gdpr_journal'),
        requestId,
        'restore',
        'intent',
        {
          requestedBy: ctx.actor,
          reason: o.reason ?? null,
          from: r.state,
        },
        ctx.auditId,
      );
      await setState(c, store.table('gdpr_requests'), requestId, 'compensating');
    });
    await saga.advance(requestId);
    return await describe(store, requestId);
  } finally {
    await saga.close();
    await store.close();
  }
}

export interface VerifyResult {
  requestId: string;
  state: GdprState;
  at: string;
  ok: boolean;
  remaining: Array<{store: string; table: string; rows: number}>;
  hash: string | null;
  consistency: string;
}

/** `gdpr verify`: re-checks (read-only) that an erased subject is still absent, e.g. 24 h later. */
export async function verifyLater(ctx: RunContext, requestId: string, subject?: string): Promise<VerifyResult> {
  const map = subjectMap(ctx);
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, map, undefined);
  try {
    const r = await getRequest(store, requestId);
    if (!r) throw new UsageError(`no erasure request "${requestId}"`);
    if (r.state === 'restored')
      throw new UsageError(`request ${requestId} was restored; there is no erasure to verify`);
    let subj = subject;
    if (subj !== undefined) {
      if (pseudonymise(reportKey(ctx), subj) !== r.subjectHmac) {
        throw new UsageError(`the subject given is not the subject of request ${requestId}`);
      }
    } else if (r.subjectEnc) {
      subj = unsealFromBytes<string>(backupKey(ctx), r.subjectEnc, `${requestId}:subject`);
    } else {
      throw new UsageError(`request ${requestId} is closed and keeps no subject id; pass --subject to re-check it`);
    }
    const located = r.keysEnc ? unsealFromBytes<Located>(backupKey(ctx), r.keysEnc, `${requestId}:keys`) : undefined;
    const check = await saga.check(subj, located);
    const at = new Date().toISOString();
    const ok = check.remaining.every((x) => x.rows === 0);
    const entry = {at, ok, remaining: check.remaining, consistency: map.consistency};
    await inTransaction(store, async (c) => {
      await appendJournal(
        c,
        store.table('gdpr_journal'),
        requestId,
        'recheck',
        ok ? 'done' : 'failed',
        entry,
        ctx.auditId,
      );
      await c.query(
        `UPDATE ${store.table('gdpr_requests')} SET evidence = jsonb_set(evidence, '{rechecks}', coalesce(evidence->'rechecks', '[]'::jsonb) || $2::jsonb) WHERE request_id = $1`,
        [requestId, JSON.stringify([entry])],
      );
    });
    return {
      requestId,
      state: r.state,
      at,
      ok,
      remaining: check.remaining,
      hash: (r.evidence.verification as {hash?: string})?.hash ?? null,
      consistency: map.consistency,
    };
  } finally {
    await saga.close();
    await store.close();
  }
}

/**
 * POSTs the `needs_operator` alert to Alertmanager (/api/v2/alerts). Kept in one small function so
 * that it can switch to the shared Alertmanager client when that lands.
 */
export async function raiseNeedsOperatorAlert(
  ctx: RunContext,
  a: {requestId: string; error: string},
): Promise<{sent: boolean; error?: string}> {
  if (!ctx.config.alertmanager) return {sent: false, error: 'no alertmanager endpoint in the context'};
  const alerts = alertmanagerClient(ctx);
  try {
    await alerts.postAlerts([
      {
        labels: {
          alertname: 'CdcctlGdprNeedsOperator',
          severity: 'critical',
          context: ctx.contextName,
          request_id: a.requestId,
        },
        annotations: {
          summary: `GDPR erasure ${a.requestId} needs an operator`,
          description: `The compensating restore of erasure ${a.requestId} failed or could not be verified: ${a.error}. Inspect it with \`cdcctl gdpr status ${a.requestId}\`.`,
        },
        startsAt: new Date().toISOString(),
      },
    ]);
    return {sent: true};
  } catch (err) {
    return {sent: false, error: (err as Error).message};
  } finally {
    await alerts.close();
  }
}

class Saga {
  private cass?: {client: Client; side: CassandraSide};
  /** Errors already journalled as a step failure (see step). */
  private readonly journalled = new WeakSet<object>();

  constructor(
    private readonly ctx: RunContext,
    private readonly store: Store,
    private readonly map: SubjectMap,
    private readonly key: Buffer | undefined,
    private readonly hooks: SagaHooks = {},
  ) {}

  private get requests() {
    return this.store.table('gdpr_requests');
  }
  private get journalTable() {
    return this.store.table('gdpr_journal');
  }
  private get systems() {
    return this.store.table('gdpr_systems');
  }

  async cassandra(): Promise<CassandraSide> {
    if (!this.cass) {
      const {client, display} = await cassandraClient(this.ctx);
      try {
        await client.connect();
      } catch (err) {
        await client.shutdown().catch(() => {});
        throw cassandraError(err, display, 'connecting');
      }
      this.cass = {client, side: new CassandraSide(client, this.map.consistency)};
    }
    return this.cass.side;
  }

  async close(): Promise<void> {
    await this.cass?.client.shutdown().catch(() => {});
  }

  /** The subject map's tables and columns exist (exit 2 before anything is erased, see targets.ts). */
  async checkTargets(): Promise<void> {
    await checkTargets(this.ctx, this.store, this.map.cassandra.length ? await this.cassandra() : undefined, this.map);
  }

  private secret(): Buffer {
    if (!this.key) throw new Error('backup key required');
    return this.key;
  }

  private subjectOf(r: RequestRow): string {
    if (!r.subjectEnc)
      throw new CdcError('GDPR_NO_SUBJECT', ExitCode.bug, `request ${r.requestId} keeps no subject id`);
    return unsealFromBytes<string>(this.secret(), r.subjectEnc, `${r.requestId}:subject`);
  }

  private locatedOf(r: RequestRow): Located {
    if (!r.keysEnc) throw new CdcError('GDPR_NO_KEYS', ExitCode.bug, `request ${r.requestId} has no located keys`);
    return unsealFromBytes<Located>(this.secret(), r.keysEnc, `${r.requestId}:keys`);
  }

  private async backupOf(requestId: string): Promise<{doc: BackupDoc; row: BackupRow}> {
    const row = await getBackup(this.store, requestId);
    if (!row?.ciphertext || !row.iv || !row.tag) {
      throw new CdcError(
        'GDPR_NO_BACKUP',
        ExitCode.notOk,
        `the backup of request ${requestId} is ${row?.purgedAt ? 'purged' : 'missing'}`,
      );
    }
    const plain = unseal(this.secret(), {iv: row.iv, tag: row.tag, ciphertext: row.ciphertext}, `${requestId}:backup`);
    return {doc: parseExact(plain.toString('utf8')) as BackupDoc, row};
  }

  private async intent(requestId: string, step: Step, detail: Record<string, unknown> = {}): Promise<void> {
    await appendJournal(this.store.pool, this.journalTable, requestId, step, 'intent', detail, this.ctx.auditId);
    await this.hooks.afterIntent?.(step);
  }

  private async finish(
    requestId: string,
    step: Step,
    state: GdprState,
    detail: Record<string, unknown>,
    more: (c: import('pg').PoolClient) => Promise<void> = async () => {},
    set: Parameters<typeof setState>[4] = {},
  ): Promise<void> {
    await inTransaction(this.store, async (c) => {
      await more(c);
      await appendJournal(c, this.journalTable, requestId, step, 'done', detail, this.ctx.auditId);
      await setState(c, this.requests, requestId, state, {last_error: null, ...set});
    });
    this.ctx.log.info(`gdpr ${requestId}: ${step} done → ${state}`);
    await this.hooks.afterDone?.(step);
  }

  /** Journals a step's failure and keeps the request in `state` (default: where it is). */
  private async fail(requestId: string, step: Step, err: unknown, state?: GdprState): Promise<void> {
    if (typeof err === 'object' && err !== null) this.journalled.add(err);
    const message = (err as Error).message;
    await inTransaction(this.store, async (c) => {
      await appendJournal(c, this.journalTable, requestId, step, 'failed', {error: message}, this.ctx.auditId);
      const r = await getRequest(this.store, requestId);
      await setState(c, this.requests, requestId, state ?? (r?.state as GdprState), {last_error: message});
    });
  }

  async horizons(): Promise<Horizon[]> {
    if (this.map.topics.length === 0 || !this.ctx.config.kafka) return [];
    try {
      return (await withAdmin(this.ctx, (admin) => topicRetention(admin, this.map.topics))).map(horizonOf);
    } catch (err) {
      return this.map.topics.map((topic) => ({
        topic,
        cleanupPolicy: 'unknown',
        horizonAt: null,
        note: `not read: ${(err as Error).message}`,
      }));
    }
  }

  async recordHorizons(requestId: string): Promise<void> {
    const horizons = await this.horizons();
    if (horizons.length === 0) return;
    await setState(this.store.pool, this.requests, requestId, 'requested', {evidence: {horizons}});
    for (const h of horizons) {
      await upsertSystem(this.store.pool, this.systems, requestId, {store: 'kafka', name: h.topic});
    }
  }

  /** Runs the request forward until it is terminal, waiting (backup grace period) or failed. */
  async advance(requestId: string): Promise<void> {
    const lock = await this.store.pool.connect();
    try {
      const got = await lock.query<{ok: boolean}>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
        `cdcctl-gdpr:${requestId}`,
      ]);
      if (!got.rows[0]?.ok) {
        throw new CdcError(
          'GDPR_BUSY',
          ExitCode.partial,
          `request ${requestId} is being advanced by another cdcctl process`,
          {
            hint: 'Wait for it to finish, then look at `cdcctl gdpr status`.',
          },
        );
      }
      try {
        for (let guard = 0; guard < 20; guard++) {
          const r = await getRequest(this.store, requestId);
          if (!r) throw new UsageError(`no erasure request "${requestId}"`);
          const next = await this.step(r);
          if (!next) return;
        }
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`cdcctl-gdpr:${requestId}`]).catch(() => {});
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Runs the step for the request's state; false when there is nothing more to do now. Whatever
   * makes a step fail is journalled as that step's failure (once: steps that move the request to
   * another state on failure journal it themselves), so the journal and the compliance report show
   * every failed attempt, not only the ones a step anticipated.
   */
  private async step(r: RequestRow): Promise<boolean> {
    const next = NEXT[r.state];
    if (!next) return false;
    try {
      switch (next.step) {
        case 'locate':
          await this.locate(r);
          return true;
        case 'backup':
          await this.backup(r);
          return true;
        case 'cassandra_delete':
          await this.deleteCassandra(r);
          return true;
        case 'postgres_delete':
          return await this.deletePostgres(r);
        case 'settle':
          await this.settle(r);
          return true;
        case 'verify':
          await this.verify(r);
          return true;
        case 'purge':
          return await this.purge(r);
        case 'restore':
          await this.compensate(r);
          return true;
        default:
          return false;
      }
    } catch (err) {
      if (!this.journalled.has(err as object)) {
        await this.fail(r.requestId, next.step, err).catch((e) =>
          this.ctx.log.warn(
            `gdpr ${r.requestId}: could not journal the failure of ${next.step}: ${(e as Error).message}`,
          ),
        );
      }
      throw err;
    }
  }

  private async locate(r: RequestRow): Promise<void> {
    await this.intent(r.requestId, 'locate');
    const subject = this.subjectOf(r);
    const located: Located = {cassandra: [], postgres: []};
    if (this.map.cassandra.length) {
      const side = await this.cassandra();
      for (const t of this.map.cassandra) {
        const keys = await side.locate(t, subject).catch((e) => {
          throw cassandraError(e, 'cassandra', `locating rows in ${t.keyspace}.${t.table}`);
        });
        located.cassandra.push({keyspace: t.keyspace, table: t.table, keys});
      }
    }
    for (const t of this.map.postgres) {
      const n = await countRows(this.store.pool, t, subject).catch((e) => {
        throw pgError(e, this.store.target, `locating rows in ${t.schema}.${t.table}`);
      });
      located.postgres.push({schema: t.schema, table: t.table, column: t.column, located: n});
    }
    const counts = {
      cassandra: located.cassandra.map((c) => ({table: `${c.keyspace}.${c.table}`, located: c.keys.length})),
      postgres: located.postgres.map((p) => ({table: `${p.schema}.${p.table}`, located: p.located})),
    };
    await this.finish(
      r.requestId,
      'locate',
      'located',
      counts,
      async (c) => {
        for (const [i, t] of this.map.cassandra.entries()) {
          await upsertSystem(c, this.systems, r.requestId, {
            store: 'cassandra',
            name: `${t.keyspace}.${t.table}`,
            located: located.cassandra[i]?.keys.length ?? 0,
            region: t.region ?? null,
            jurisdiction: t.jurisdiction ?? null,
          });
        }
        for (const [i, t] of this.map.postgres.entries()) {
          await upsertSystem(c, this.systems, r.requestId, {
            store: 'postgres',
            name: `${t.schema}.${t.table}`,
            located: located.postgres[i]?.located ?? 0,
            region: t.region ?? null,
            jurisdiction: t.jurisdiction ?? null,
          });
        }
      },
      {keys_enc: sealToBytes(this.secret(), located, `${r.requestId}:keys`)},
    );
  }

  private async backup(r: RequestRow): Promise<void> {
    await this.intent(r.requestId, 'backup');
    const subject = this.subjectOf(r);
    const located = this.locatedOf(r);
    const doc: BackupDoc = {
      version: 1,
      requestId: r.requestId,
      createdAt: new Date().toISOString(),
      cassandra: [],
      postgres: [],
    };
    if (located.cassandra.length) {
      const side = await this.cassandra();
      for (const t of located.cassandra) {
        doc.cassandra.push(
          await side.backup(t, t.keys).catch((e) => {
            throw cassandraError(e, 'cassandra', `backing up ${t.keyspace}.${t.table}`);
          }),
        );
      }
    }
    for (const t of this.map.postgres) {
      doc.postgres.push(
        await backupRows(this.store.pool, t, subject).catch((e) => {
          throw pgError(e, this.store.target, `backing up ${t.schema}.${t.table}`);
        }),
      );
    }
    const plain = canonicalJson(doc);
    const sha256 = sha256Hex(plain);
    const sealed = seal(this.secret(), Buffer.from(plain, 'utf8'), `${r.requestId}:backup`);
    const rows =
      doc.cassandra.reduce((n, t) => n + t.rows.length, 0) + doc.postgres.reduce((n, t) => n + t.rows.length, 0);
    const kid = keyId(this.secret());
    await this.finish(r.requestId, 'backup', 'backed_up', {sha256, rows, keyId: kid}, async (c) => {
      await saveBackup(c, this.store.table('gdpr_backups'), r.requestId, {
        expiresAt: new Date(Date.now() + this.map.backupRetentionMs),
        sha256,
        keyId: kid,
        rows,
        ...sealed,
      });
    });
  }

  private async deleteCassandra(r: RequestRow): Promise<void> {
    const located = this.locatedOf(r);
    let ts = r.deleteTsUs;
    if (ts === null) {
      // Later than now and than every backed-up cell, so that the tombstone shadows them all.
      const {doc} = await this.backupOf(r.requestId);
      let max = BigInt(Date.now()) * 1000n;
      for (const t of doc.cassandra)
        for (const row of t.rows)
          for (const c of Object.values(row.cells)) if (BigInt(c.wt) >= max) max = BigInt(c.wt) + 1n;
      ts = max.toString();
      const chosen = ts;
      await inTransaction(this.store, async (c) => {
        await appendJournal(
          c,
          this.journalTable,
          r.requestId,
          'cassandra_delete',
          'intent',
          {
            timestampUs: chosen,
            consistency: this.map.consistency,
          },
          this.ctx.auditId,
        );
        await setState(c, this.requests, r.requestId, 'backed_up', {delete_ts_us: chosen});
      });
      await this.hooks.afterIntent?.('cassandra_delete');
    } else {
      await this.intent(r.requestId, 'cassandra_delete', {
        timestampUs: ts,
        consistency: this.map.consistency,
        repeated: true,
      });
    }
    const deleted: Array<{name: string; n: number}> = [];
    if (located.cassandra.length) {
      const side = await this.cassandra();
      for (const t of located.cassandra) {
        const n = await side.delete(t, t.keys, ts).catch((e) => {
          throw cassandraError(e, 'cassandra', `deleting from ${t.keyspace}.${t.table}`);
        });
        deleted.push({name: `${t.keyspace}.${t.table}`, n});
      }
    }
    const offsets = await this.endOffsets();
    const at = new Date().toISOString();
    const tsUs = ts;
    await this.finish(
      r.requestId,
      'cassandra_delete',
      'cassandra_deleted',
      {timestampUs: tsUs, deleted, offsetsAfterDelete: offsets},
      async (c) => {
        for (const d of deleted) {
          await upsertSystem(c, this.systems, r.requestId, {
            store: 'cassandra',
            name: d.name,
            deleted: d.n,
            deletedAt: at,
            deleteTsUs: tsUs,
            consistency: this.map.consistency,
          });
        }
      },
      {evidence: {offsetsAfterDelete: offsets}},
    );
  }

  private async endOffsets(): Promise<unknown> {
    if (!this.map.sinkGroup || this.map.topics.length === 0 || !this.ctx.config.kafka) return null;
    try {
      return await withAdmin(this.ctx, (admin) => topicEndOffsets(admin, this.map.topics));
    } catch (err) {
      return {error: (err as Error).message};
    }
  }

  private async deletePostgres(r: RequestRow): Promise<boolean> {
    await this.intent(r.requestId, 'postgres_delete', {fence: this.map.fence});
    const subject = this.subjectOf(r);
    let lastErr: unknown;
    for (let attempt = 1; attempt <= PG_ATTEMPTS; attempt++) {
      try {
        const deleted: Array<{name: string; n: number}> = [];
        const at = new Date().toISOString();
        await this.finish(r.requestId, 'postgres_delete', 'postgres_deleted', {attempt, deleted}, async (c) => {
          for (const t of this.map.postgres) {
            const keys = await deleteRows(c, t, subject);
            deleted.push({name: `${t.schema}.${t.table}`, n: keys.length});
            if (this.map.fence) {
              const h = await fenceHash(c, t, subject);
              if (h) await addFence(c, this.store.table('gdpr_fence'), t, h, r.requestId);
            }
            await upsertSystem(c, this.systems, r.requestId, {
              store: 'postgres',
              name: `${t.schema}.${t.table}`,
              deleted: keys.length,
              deletedAt: at,
            });
          }
        });
        return true;
      } catch (err) {
        lastErr = pgError(err, this.store.target, "deleting the subject's rows");
        this.ctx.log.warn(
          `gdpr ${r.requestId}: PostgreSQL delete failed (attempt ${attempt} of ${PG_ATTEMPTS}): ${(lastErr as Error).message}`,
        );
        // A lock or statement that outlasted --timeout is not a blip: retrying it would keep the subject
        // half-erased (Cassandra deleted, PostgreSQL not) for several timeouts before compensation starts.
        if (TIMED_OUT.has((err as {code?: string}).code ?? '')) break;
        if (attempt < PG_ATTEMPTS) await new Promise((res) => setTimeout(res, 500 * attempt));
      }
    }
    const message = (lastErr as Error).message;
    if (afterPostgresFailure(r.onFailure) === 'compensating') {
      await this.fail(r.requestId, 'postgres_delete', lastErr, 'compensating');
      this.ctx.log.warn(`gdpr ${r.requestId}: compensating: restoring Cassandra from the backup (on-failure restore)`);
      return true;
    }
    await this.fail(r.requestId, 'postgres_delete', lastErr, 'cassandra_deleted');
    const incomplete = new CdcError(
      'GDPR_INCOMPLETE',
      ExitCode.partial,
      `erasure ${r.requestId} deleted the Cassandra rows but not the PostgreSQL rows: ${message}`,
      {
        hint: `Fix PostgreSQL, then \`cdcctl gdpr resume\` retries (roll forward); \`cdcctl gdpr restore ${r.requestId}\` undoes it instead.`,
      },
    );
    this.journalled.add(incomplete); // the same failure, journalled above
    throw incomplete;
  }

  private async settle(r: RequestRow): Promise<void> {
    await this.intent(r.requestId, 'settle');
    const group = this.map.sinkGroup;
    if (!group || this.map.topics.length === 0) {
      const reason = !group ? 'no gdpr.sinkGroup configured' : 'no gdpr.topics configured';
      await this.finish(r.requestId, 'settle', 'settled', {skipped: reason}, async () => {}, {
        evidence: {settle: {skipped: reason}},
      });
      return;
    }
    const recorded = r.evidence.offsetsAfterDelete;
    const targets = Array.isArray(recorded)
      ? (recorded as Array<{topic: string; partition: number; end: string}>)
      : ((await this.endOffsets()) as Array<{topic: string; partition: number; end: string}> | {error: string});
    if (!Array.isArray(targets)) {
      const err = new CdcError(
        'GDPR_SETTLE',
        ExitCode.unreachable,
        `cannot read topic offsets to settle: ${targets.error}`,
      );
      await this.fail(r.requestId, 'settle', err);
      throw err;
    }
    const deadline = Date.now() + this.map.settleTimeoutMs;
    for (;;) {
      const lag = await withAdmin(this.ctx, (admin) => groupLag(admin, group, this.map.topics));
      const committed = new Map(lag.partitions.map((p) => [`${p.topic}/${p.partition}`, p.committed]));
      const behind = targets.filter((t) => {
        const c = committed.get(`${t.topic}/${t.partition}`);
        return BigInt(t.end) > 0n && (c === null || c === undefined || BigInt(c) < BigInt(t.end));
      });
      if (behind.length === 0) {
        const reachedAt = new Date().toISOString();
        await this.finish(r.requestId, 'settle', 'settled', {group, reachedAt}, async () => {}, {
          evidence: {settle: {group, targets, reachedAt}},
        });
        return;
      }
      if (Date.now() > deadline) {
        const err = new NotOkError(
          `sink group ${group} has not consumed past the erasure within ${this.map.raw.settleTimeout ?? '5m'} (${behind.length} partition(s) behind)`,
          {hint: 'Check the sink connector (`cdcctl pipeline status`), then `cdcctl gdpr resume`.'},
        );
        await this.fail(r.requestId, 'settle', err);
        throw err;
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  }

  /** Counts what is left of a subject: located keys and a fresh locate in Cassandra, the subject column in PostgreSQL. */
  async check(
    subject: string,
    located?: Located,
  ): Promise<{remaining: Array<{store: string; table: string; rows: number}>}> {
    const remaining: Array<{store: string; table: string; rows: number}> = [];
    if (this.map.cassandra.length) {
      const side = await this.cassandra();
      for (const t of this.map.cassandra) {
        const keys = located?.cassandra.find((c) => c.keyspace === t.keyspace && c.table === t.table)?.keys ?? [];
        const name = `${t.keyspace}.${t.table}`;
        const rows = await (async () => {
          const fresh = await side.locate(t, subject);
          const all = new Map([...keys, ...fresh].map((k) => [canonicalJson(k), k]));
          return side.remaining(t, [...all.values()]);
        })().catch((e) => {
          throw cassandraError(e, 'cassandra', `checking ${name} for the subject's rows`);
        });
        remaining.push({store: 'cassandra', table: name, rows});
      }
    }
    for (const t of this.map.postgres) {
      const name = `${t.schema}.${t.table}`;
      const rows = await countRows(this.store.pool, t, subject).catch((e) => {
        throw pgError(e, this.store.target, `checking ${name} for the subject's rows`);
      });
      remaining.push({store: 'postgres', table: name, rows});
    }
    return {remaining};
  }

  private async verify(r: RequestRow): Promise<void> {
    await this.intent(r.requestId, 'verify', {consistency: this.map.consistency});
    const subject = this.subjectOf(r);
    const located = this.locatedOf(r);
    let {remaining} = await this.check(subject, located);
    if (
      remaining.some((x) => x.store === 'postgres' && x.rows > 0) &&
      remaining.every((x) => x.store !== 'cassandra' || x.rows === 0)
    ) {
      // A late CDC upsert re-created rows after our delete: delete them again (idempotent) and re-check.
      await inTransaction(this.store, async (c) => {
        for (const t of this.map.postgres) await deleteRows(c, t, subject);
        await appendJournal(
          c,
          this.journalTable,
          r.requestId,
          'postgres_delete',
          'done',
          {
            repeatedAfterLateUpsert: true,
          },
          this.ctx.auditId,
        );
      });
      ({remaining} = await this.check(subject, located));
    }
    if (remaining.some((x) => x.rows > 0)) {
      const err = new NotOkError(
        `erasure ${r.requestId} verification failed: ${remaining
          .filter((x) => x.rows > 0)
          .map((x) => `${x.rows} row(s) left in ${x.store} ${x.table}`)
          .join(', ')}`,
        {
          hint: 'Find what re-wrote them (a writer with a later timestamp, a replayed CDC event), then `cdcctl gdpr resume`.',
        },
      );
      await this.fail(r.requestId, 'verify', err, 'settled');
      throw err;
    }
    const at = new Date().toISOString();
    const {doc} = await this.backupOf(r.requestId);
    const lines: string[] = [];
    for (const t of located.cassandra)
      for (const k of t.keys) lines.push(`cassandra\t${t.keyspace}.${t.table}\t${canonicalJson(k)}\tabsent`);
    for (const t of doc.postgres) {
      const pk = await primaryKey(this.store.pool, {schema: t.schema, table: t.table, column: t.column});
      for (const row of t.rows)
        lines.push(`postgres\t${t.schema}.${t.table}\t${canonicalJson(pk.map((c) => row[c] ?? null))}\tabsent`);
    }
    lines.sort();
    const hash = sha256Hex(`${lines.join('\n')}\n${at}`);
    const verification = {at, hash, consistency: this.map.consistency, result: '0 rows', keys: lines.length};
    await this.finish(
      r.requestId,
      'verify',
      'verified',
      verification,
      async (c) => {
        for (const x of remaining) {
          await upsertSystem(c, this.systems, r.requestId, {
            store: x.store as 'cassandra',
            name: x.table,
            verifiedAt: at,
            remaining: 0,
          });
        }
      },
      {evidence: {verification}},
    );
  }

  private async purge(r: RequestRow): Promise<boolean> {
    if (!purgeDue(await getBackup(this.store, r.requestId))) return false;
    await this.intent(r.requestId, 'purge');
    await this.finish(
      r.requestId,
      'purge',
      'closed',
      {backupPurged: true},
      async (c) => purgeBackupRow(c, this.store.table('gdpr_backups'), r.requestId),
      {closed: true, subject_enc: null, keys_enc: null},
    );
    return false;
  }

  private async compensate(r: RequestRow): Promise<void> {
    if (r.deleteTsUs === null)
      throw new CdcError('GDPR_STATE', ExitCode.bug, `request ${r.requestId} compensates without a delete timestamp`);
    // Each attempt writes above everything an earlier (interrupted) attempt wrote: re-inserting a
    // non-frozen list at the same timestamp would append its elements twice.
    let base = r.deleteTsUs;
    if (r.restoreTsUs !== null) {
      const {doc} = await this.backupOf(r.requestId);
      base = (BigInt(r.restoreTsUs) + BigInt(writetimeRanks(doc.cassandra).size) + 3n).toString();
    }
    const chosen = base;
    await inTransaction(this.store, async (c) => {
      await appendJournal(
        c,
        this.journalTable,
        r.requestId,
        'restore',
        'intent',
        {
          timestampBaseUs: chosen,
          attempt: r.restoreTsUs === null ? 1 : 'again',
        },
        this.ctx.auditId,
      );
      await setState(c, this.requests, r.requestId, 'compensating', {restore_ts_us: chosen});
    });
    await this.hooks.afterIntent?.('restore');
    try {
      const {doc, row} = await this.backupOf(r.requestId);
      const journal = await journalEntries(this.store, r.requestId);
      const pgDeleted = journal.some((j) => j.step === 'postgres_delete' && j.phase === 'done');
      let written = 0;
      if (doc.cassandra.length)
        written = await (await this.cassandra()).restore(doc.cassandra, base, new Date(row.createdAt));
      let pgRestored = 0;
      await inTransaction(this.store, async (c) => {
        await liftFence(c, this.store.table('gdpr_fence'), r.requestId);
        if (pgDeleted) for (const t of doc.postgres) pgRestored += await restoreRows(c, t);
        await appendJournal(
          c,
          this.journalTable,
          r.requestId,
          'restore',
          'done',
          {
            cassandraWrites: written,
            postgresRows: pgRestored,
          },
          this.ctx.auditId,
        );
      });
      await this.hooks.afterDone?.('restore');
      await this.intent(r.requestId, 'verify_restore');
      const problems = await this.compareWithBackup(doc);
      if (problems.length) throw new Error(problems.slice(0, 3).join('; '));
      await this.finish(r.requestId, 'verify_restore', 'restored', {matches: true}, async () => {}, {
        closed: true,
        evidence: {restore: {timestampBaseUs: base, cassandraWrites: written, postgresRows: pgRestored}},
      });
    } catch (err) {
      await this.needsOperator(r.requestId, err);
    }
  }

  private async needsOperator(requestId: string, err: unknown): Promise<void> {
    const error = (err as Error).message;
    await this.fail(requestId, 'restore', err, 'needs_operator');
    const alert = await raiseNeedsOperatorAlert(this.ctx, {requestId, error});
    this.ctx.log.error(`CRITICAL gdpr ${requestId}: compensating restore failed, request needs an operator: ${error}`, {
      severity: 'critical',
      requestId,
      alertSent: alert.sent,
    });
    await appendJournal(
      this.store.pool,
      this.journalTable,
      requestId,
      'alert',
      alert.sent ? 'done' : 'failed',
      alert,
      this.ctx.auditId,
    );
    const out = new NotOkError(`erasure ${requestId} needs an operator: the compensating restore failed: ${error}`, {
      hint: `Inspect \`cdcctl gdpr status ${requestId}\`; when the cause is fixed, \`cdcctl gdpr restore ${requestId}\` tries again.`,
    });
    this.journalled.add(out);
    throw out;
  }

  /** Restored rows must equal the backup: same values, and cells in the same writetime order. */
  private async compareWithBackup(doc: BackupDoc): Promise<string[]> {
    const problems: string[] = [];
    if (doc.cassandra.length) {
      const side = await this.cassandra();
      for (const t of doc.cassandra) {
        const now = await side.backup(
          t,
          t.rows.map((x) => x.key),
        );
        problems.push(...compareRows(`${t.keyspace}.${t.table}`, t.rows, now.rows));
      }
    }
    for (const t of doc.postgres) {
      const n = (
        await this.store.pool.query<{n: number}>(
          `SELECT count(*)::int AS n FROM ${`"${t.schema}"."${t.table}"`} x WHERE row_to_json(x)::jsonb = ANY($1::jsonb[])`,
          [t.rows.map((x) => JSON.stringify(x))],
        )
      ).rows[0]?.n;
      if (n !== t.rows.length) problems.push(`${t.schema}.${t.table}: ${n} of ${t.rows.length} backed-up rows present`);
    }
    return problems;
  }
}

/** Values equal and, across each table, the pairwise order of cell writetimes preserved. */
export function compareRows(table: string, before: CassandraBackupRow[], after: CassandraBackupRow[]): string[] {
  const problems: string[] = [];
  const byKey = new Map(after.map((r) => [canonicalJson(r.key), r]));
  const pairs: Array<{was: bigint; now: bigint}> = [];
  for (const b of before) {
    const a = byKey.get(canonicalJson(b.key));
    if (!a) {
      if (Object.values(b.cells).every((c) => c.ttl !== null)) continue; // may have expired meanwhile
      problems.push(`${table}: a row is missing`);
      continue;
    }
    if (canonicalJson(a.data) !== canonicalJson(b.data)) problems.push(`${table}: a row's values differ`);
    for (const [col, cell] of Object.entries(b.cells)) {
      const now = a.cells[col];
      if (now) pairs.push({was: BigInt(cell.wt), now: BigInt(now.wt)});
    }
  }
  const sign = (x: bigint) => (x > 0n ? 1 : x < 0n ? -1 : 0);
  outer: for (let i = 0; i < pairs.length; i++) {
    for (let j = i + 1; j < pairs.length; j++) {
      const p = pairs[i] as {was: bigint; now: bigint};
      const q = pairs[j] as {was: bigint; now: bigint};
      if (sign(p.was - q.was) !== sign(p.now - q.now)) {
        problems.push(`${table}: writetime order differs`);
        break outer;
      }
    }
  }
  return problems;
}

function horizonOf(t: TopicRetention): Horizon {
  const now = Date.now();
  const ms = (v: string | null) => (v === null || v === '-1' ? null : Number(v));
  const policies = t.cleanupPolicy.split(',').map((s) => s.trim());
  if (policies.includes('compact')) {
    const lag = ms(t.maxCompactionLagMs);
    const del = ms(t.deleteRetentionMs) ?? 0;
    const bound = lag === null || lag >= 9.2e18 ? null : lag;
    return {
      topic: t.topic,
      cleanupPolicy: t.cleanupPolicy,
      horizonAt: bound === null ? null : new Date(now + bound + del).toISOString(),
      note:
        bound === null
          ? 'compacted without max.compaction.lag.ms: old values stay until the log cleaner runs; a tombstone (key, null) is needed'
          : `compacted: superseded by the delete tombstone within max.compaction.lag.ms (${bound} ms) + delete.retention.ms (${del} ms)`,
    };
  }
  const retention = ms(t.retentionMs);
  return {
    topic: t.topic,
    cleanupPolicy: t.cleanupPolicy,
    horizonAt: retention === null ? null : new Date(now + retention).toISOString(),
    note:
      retention === null ? 'retention.ms = -1: kept forever' : `records age out after retention.ms (${retention} ms)`,
  };
}

export {TERMINAL_STATES};
