import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import {cassandraError} from '../../clients/cassandra.js';
import {pgError} from '../../clients/postgres.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  appendJournal,
  GDPR_STATES,
  type GdprState,
  getBackup,
  getRequest,
  insertRequest,
  journalEntries,
  listRequests,
  type RequestRow,
  setState,
  systemsOf,
  TERMINAL_STATES,
} from '../../store/gdpr-journal.js';
import {inTransaction, openStore, type Store} from '../../store/index.js';
import type {CassandraSide} from './cassandra-store.js';
import {type SubjectMap, subjectMap} from './config.js';
import {sealToBytes, unsealFromBytes} from './crypto.js';
import {type GdprKeys, gdprKeys} from './keys.js';
import {countRows} from './postgres-store.js';
import {Saga} from './saga.js';
import {unmappedTables} from './targets.js';
import {purgeDue, restoreCheck, resumeAction, resumePath} from './transitions.js';
import type {
  EraseOptions,
  ErasePlan,
  Located,
  RequestView,
  ResumePlan,
  ResumeResult,
  SagaHooks,
  VerifyResult,
} from './types.js';

/**
 * The entry points of GDPR erasure, one per `cdcctl gdpr` command: each validates its input, opens
 * the operational store, resolves the GDPR keys once (keys.ts) and hands the steps to the saga
 * (saga.ts); `describe` reads a request back as the view the commands print.
 */

/** Every statement of an erasure, on the data tables and the journal alike, fails within --timeout. */
const BOUNDED = {boundStatements: true} as const;

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Runs `run` with a saga over the operational store (every statement bounded by --timeout) and
 * closes both after it, whatever happens.
 */
async function withSaga<T>(
  ctx: RunContext,
  o: {map: SubjectMap; keys: GdprKeys; hooks?: SagaHooks},
  run: (saga: Saga, store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(ctx, BOUNDED);
  const saga = new Saga(ctx, store, o.map, o.keys, o.hooks);
  try {
    return await run(saga, store);
  } finally {
    await saga.close();
    await store.close();
  }
}

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
  const keys = gdprKeys(ctx);
  const key = keys.backup();
  const pseudonym = keys.pseudonym(o.subject);
  const requestId = o.requestId ?? newRequestId();
  return withSaga(ctx, {map, keys, hooks: o.hooks}, async (saga, store) => {
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
  });
}

async function plan(ctx: RunContext, map: SubjectMap, subject: string): Promise<ErasePlan> {
  // a plan only reads: it resolves no key
  return withSaga(ctx, {map, keys: gdprKeys(ctx)}, async (saga, store) => {
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
  });
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
      subjectHmac: f.subject === undefined ? undefined : gdprKeys(ctx).pseudonym(f.subject),
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

/** `gdpr resume`: advances every unfinished request of the context (or the one named). */
export async function resume(ctx: RunContext, o: {requestId?: string; hooks?: SagaHooks} = {}): Promise<ResumeResult> {
  const map = subjectMap(ctx);
  const keys = gdprKeys(ctx);
  keys.backup(); // fails here, before the store is opened, when the key is missing
  return withSaga(ctx, {map, keys, hooks: o.hooks}, async (saga, store) => {
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
  });
}

/**
 * Plans `gdpr resume` from the journal alone: the open requests it would pick (the same selection),
 * the step each resumes at and the steps after it (as `advance` runs them: on to the purge when the
 * backup's grace period is over, else stopping at verified). Reads the store; changes nothing.
 */
export async function planResume(ctx: RunContext, o: {requestId?: string} = {}): Promise<ResumePlan> {
  const map = subjectMap(ctx);
  gdprKeys(ctx).backup(); // a resume needs the key: fail the same way
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
  const keys = gdprKeys(ctx);
  keys.backup(); // fails here, before the store is opened, when the key is missing
  return withSaga(ctx, {map, keys, hooks: o.hooks}, async (saga, store) => {
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
  });
}

/** `gdpr verify`: re-checks (read-only) that an erased subject is still absent, e.g. 24 h later. */
export async function verifyLater(
  ctx: RunContext,
  requestId: string,
  subject?: string,
  consistency?: SubjectMap['consistency'],
): Promise<VerifyResult> {
  const configured = subjectMap(ctx);
  const map = {...configured, consistency: consistency ?? configured.consistency};
  const keys = gdprKeys(ctx);
  return withSaga(ctx, {map, keys}, async (saga, store) => {
    const r = await getRequest(store, requestId);
    if (!r) throw new UsageError(`no erasure request "${requestId}"`);
    if (r.state === 'restored')
      throw new UsageError(`request ${requestId} was restored; there is no erasure to verify`);
    let subj = subject;
    if (subj !== undefined) {
      if (keys.pseudonym(subj) !== r.subjectHmac) {
        throw new UsageError(`the subject given is not the subject of request ${requestId}`);
      }
    } else if (r.subjectEnc) {
      subj = unsealFromBytes<string>(keys.backup(), r.subjectEnc, `${requestId}:subject`);
    } else {
      throw new UsageError(`request ${requestId} is closed and keeps no subject id; pass --subject to re-check it`);
    }
    const located = r.keysEnc ? unsealFromBytes<Located>(keys.backup(), r.keysEnc, `${requestId}:keys`) : undefined;
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
  });
}
