import type {Client} from 'cassandra-driver';
import {alertmanagerClient} from '../../clients/alertmanager.js';
import {cassandraClient, cassandraError} from '../../clients/cassandra.js';
import {readRing} from '../../clients/cassandra-ring.js';
import {groupLag, type TopicRetention, topicEndOffsets, topicRetention, withAdmin} from '../../clients/kafka.js';
import {pgError} from '../../clients/postgres.js';
import {CdcError, ExitCode, NotOkError, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  appendJournal,
  type BackupRow,
  type GdprState,
  getBackup,
  getRequest,
  journalEntries,
  purgeBackupRow,
  type RequestRow,
  saveBackup,
  setState,
  upsertSystem,
} from '../../store/gdpr-journal.js';
import {inTransaction, type Store} from '../../store/index.js';
import {type CassandraBackupRow, CassandraSide, type CassandraTableBackup, writetimeRanks} from './cassandra-store.js';
import type {SubjectMap} from './config.js';
import {canonicalJson, keyId, parseExact, seal, sealToBytes, sha256Hex, unseal, unsealFromBytes} from './crypto.js';
import type {GdprKeys} from './keys.js';
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
import {checkTargets} from './targets.js';
import {afterPostgresFailure, NEXT, purgeDue, type Step} from './transitions.js';
import type {Horizon, Located, SagaHooks} from './types.js';

/**
 * GDPR erasure as a saga with a write-ahead journal in the operational store:
 *   requested → located → backed_up → cassandra_deleted → postgres_deleted → settled → verified → closed
 *   (PostgreSQL failure, or `gdpr restore`) → compensating → restored | needs_operator (+ alert)
 * Every step is journalled ("intent") before it runs and is idempotent, so `gdpr resume` can re-run
 * whatever a crash interrupted: deletes reuse the journalled timestamp, restores reuse fixed
 * timestamps, verification only reads. The PostgreSQL delete, its fence entries and the state
 * change commit in one transaction.
 * This module is the step runner (`Saga`): which step follows which state is the pure table in
 * transitions.ts; the entry points that start and resume requests are in requests.ts.
 */

interface BackupDoc {
  version: 1;
  requestId: string;
  createdAt: string;
  cassandra: CassandraTableBackup[];
  postgres: PostgresTableBackup[];
}

const PG_ATTEMPTS = 3;
/** lock_not_available (lock_timeout) and query_canceled (statement_timeout). */
const TIMED_OUT = new Set(['55P03', '57014']);

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

/** How long a Cassandra node has to answer the check after the deletes before it counts as down. */
const NODE_PROBE_MS = 2000;

/** The step runner: carries one request from state to state (transitions.ts) with its I/O. */
export class Saga {
  private cass?: {client: Client; side: CassandraSide; display: string};
  /** Errors already journalled as a step failure (see step). */
  private readonly journalled = new WeakSet<object>();

  constructor(
    private readonly ctx: RunContext,
    private readonly store: Store,
    private readonly map: SubjectMap,
    /** Resolved once for the run (keys.ts); the backup key only when a step seals or unseals. */
    private readonly keys: GdprKeys,
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
      this.cass = {client, side: new CassandraSide(client, this.map.consistency), display};
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

  private subjectOf(r: RequestRow): string {
    if (!r.subjectEnc)
      throw new CdcError('GDPR_NO_SUBJECT', ExitCode.bug, `request ${r.requestId} keeps no subject id`);
    return unsealFromBytes<string>(this.keys.backup(), r.subjectEnc, `${r.requestId}:subject`);
  }

  private locatedOf(r: RequestRow): Located {
    if (!r.keysEnc) throw new CdcError('GDPR_NO_KEYS', ExitCode.bug, `request ${r.requestId} has no located keys`);
    return unsealFromBytes<Located>(this.keys.backup(), r.keysEnc, `${r.requestId}:keys`);
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
    const plain = unseal(
      this.keys.backup(),
      {iv: row.iv, tag: row.tag, ciphertext: row.ciphertext},
      `${requestId}:backup`,
    );
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
          throw cassandraError(e, this.cass?.display ?? 'cassandra', `locating rows in ${t.keyspace}.${t.table}`);
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
      {keys_enc: sealToBytes(this.keys.backup(), located, `${r.requestId}:keys`)},
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
            throw cassandraError(e, this.cass?.display ?? 'cassandra', `backing up ${t.keyspace}.${t.table}`);
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
    const sealed = seal(this.keys.backup(), Buffer.from(plain, 'utf8'), `${r.requestId}:backup`);
    const rows =
      doc.cassandra.reduce((n, t) => n + t.rows.length, 0) + doc.postgres.reduce((n, t) => n + t.rows.length, 0);
    const kid = keyId(this.keys.backup());
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
          throw cassandraError(e, this.cass?.display ?? 'cassandra', `deleting from ${t.keyspace}.${t.table}`);
        });
        deleted.push({name: `${t.keyspace}.${t.table}`, n});
      }
    }
    const nodesDown = located.cassandra.length ? await this.nodesDown(r.requestId) : [];
    const offsets = await this.endOffsets();
    const at = new Date().toISOString();
    const tsUs = ts;
    await this.finish(
      r.requestId,
      'cassandra_delete',
      'cassandra_deleted',
      {timestampUs: tsUs, deleted, offsetsAfterDelete: offsets, ...(nodesDown.length ? {nodesDown} : {})},
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
      {evidence: {offsetsAfterDelete: offsets, ...(nodesDown.length ? {cassandraNodesDown: nodesDown} : {})}},
    );
  }

  /**
   * The Cassandra nodes that do not answer right after the deletes: below ALL, the deletes reached the
   * replicas that acknowledged them, and a node that was down receives its tombstone only through hints
   * or a repair. Recorded in the evidence so that the report says which replicas may still hold the
   * subject (`gdpr verify --consistency ALL` once they are back). None at ALL: every replica acknowledged.
   */
  private async nodesDown(requestId: string): Promise<string[]> {
    if (this.map.consistency === 'ALL' || !this.cass) return [];
    try {
      const {nodes} = await readRing(this.cass.client, NODE_PROBE_MS);
      const down = nodes.filter((n) => !n.up).map((n) => n.address);
      if (down.length > 0)
        this.ctx.log.warn(
          `gdpr ${requestId}: Cassandra node(s) ${down.join(', ')} did not answer after the deletes (at ${this.map.consistency}): they hold the subject until hints or a repair reach them; run \`cdcctl gdpr verify ${requestId} --consistency ALL\` once they are back`,
        );
      return down;
    } catch (err) {
      this.ctx.log.warn(`gdpr ${requestId}: could not check which Cassandra nodes answer: ${(err as Error).message}`);
      return [];
    }
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
          throw cassandraError(e, this.cass?.display ?? 'cassandra', `checking ${name} for the subject's rows`);
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
