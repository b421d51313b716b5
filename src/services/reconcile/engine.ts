import {rm, rmdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import {
  type CassandraConnection,
  cassandraConnection,
  cassandraError,
  clientFromConnection,
} from '../../clients/cassandra.js';
import {pgError, retryTransient} from '../../clients/postgres.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {openStore, type Store} from '../../store/index.js';
import {
  agreeLayout,
  createRun,
  dropDrillKeys,
  finishTable,
  getRun,
  getTable,
  listTables,
  type MismatchRecord,
  markTableInterrupted,
  publishDrillKeys,
  readDrillKeys,
  replaceMismatches,
  saveCheckpoint,
  setShardPhase,
  startTable,
  type TableStatus,
} from '../../store/reconcile.js';
import {type CancelWatch, JobCancelledError, watchCancel} from '../cancellation/watch.js';
import {CONSISTENCY, confirmingConsistency, type Split, tokenSplits} from './cassandra-side.js';
import {candidatesOf, classify, vanishedWarning} from './drill.js';
import {
  addBuckets,
  type Buckets,
  bucketsFromBuffer,
  bucketsToBuffer,
  diffBuckets,
  newBuckets,
  shardOfBucket,
  total,
} from './hash.js';
import {KeyHashes} from './key-hashes.js';
import {checkPgHash, type PgFilter, pgBuckets, pgDrill, pgTableSize} from './pg-side.js';
import {publishTable, runDrift, sinkLag} from './report.js';
import {
  checkJoin,
  checkOwnRun,
  dataPool,
  lockedError,
  lockTable,
  newRunId,
  shardsRunning,
  unlockTable,
} from './runs.js';
import {sampleTable} from './sample.js';
import {addSparse, defaultWorkers, runScan, ScanError, ScanThreads} from './scan.js';
import {mergedBuckets, type ShardWait, waitForShards} from './shards.js';
import {pgTableRef, type ResolvedTable, resolveTable, selectTables} from './spec.js';
import {checkSpillRoot, readSpill} from './spill.js';
import type {ReconcileHooks, ReconcileOptions, ReconcileResult, TableResult} from './types.js';

const DEFAULT_BUCKETS = 65_536;
/** How long a run waits for a restarting store before a checkpoint write fails the run (it can be resumed). */
const STORE_WAIT_MS = 30_000;
const MAX_AUTO_BUCKETS = 1_048_576;

/**
 * `cdcctl reconcile`: per table pair, PostgreSQL's bucket figures (one server-side query) run
 * alongside one parallel token-range scan of Cassandra; only mismatched buckets are drilled into,
 * only their keys are fetched for the column-level diff, and only differences that persist after
 * the recheck delay are stored and reported. The options and results are in types.ts, what makes
 * a run (ids, locks, the data pool) in runs.ts.
 */
export async function reconcile(
  ctx: RunContext,
  options: ReconcileOptions,
  hooks: ReconcileHooks = {},
): Promise<ReconcileResult> {
  const cfg = ctx.config.reconcile;
  if (!cfg) {
    throw new UsageError(`context "${ctx.contextName}" has no reconcile section`, {
      hint: 'Add contexts.<name>.reconcile.tables (see examples/config/local.yaml).',
    });
  }
  if (options.spillDir) await checkSpillRoot(options.spillDir);
  const store = await openStore(ctx);
  const conn = cassandraConnection(ctx);
  // one set of scan threads for every scan of the run, connecting while the run sets itself up
  const threads = new ScanThreads(conn, options.workers ?? defaultWorkers());
  let cass: Client | undefined;
  let pool: Pool | undefined;
  let cancel: CancelWatch | undefined;
  try {
    const {runId, opts} = await runToJoin(ctx, store, options);
    // explicit, or per table from its size (autoBuckets)
    const buckets = opts.buckets ?? cfg.buckets;
    if (buckets !== undefined && (buckets & (buckets - 1)) !== 0) {
      throw new UsageError(`buckets must be a power of two (got ${buckets})`);
    }
    const configs = selectTables(cfg.tables, opts.tables);
    pool = await dataPool(store.target);
    await checkPgHash(pool).catch((err) => {
      throw pgError(err, store.target, 'checking its text hash');
    });
    cass = await clientFromConnection(conn);
    try {
      await cass.connect();
    } catch (err) {
      throw cassandraError(err, conn.display, 'connecting');
    }
    const tables = await checkPairs(ctx, conn, cass, pool, configs, opts.shard);
    await createRun(store, {
      runId,
      context: ctx.contextName,
      actor: ctx.actor,
      shards: opts.shard.count,
      options: {
        tables: configs.map((c) => c.name ?? c.cassandra),
        splits: opts.splits,
        buckets,
        minAgeMs: opts.minAgeMs,
        recheckAfterMs: opts.recheckAfterMs,
        maxDiffRatio: opts.maxDiffRatio,
        consistency: opts.consistency,
      },
    });
    // `jobs cancel reconcile:<run>`: the run stops after its next finished token split (checkpointed)
    cancel = await watchCancel(store, {
      kind: 'reconcile',
      jobId: runId,
      resume: `cdcctl reconcile --resume ${runId}`,
      resumed: Boolean(options.resume),
    });
    const results: TableResult[] = [];
    for (const table of tables) {
      cancel.check();
      results.push(
        await reconcileTable({
          ctx,
          store,
          pool,
          cass,
          conn,
          threads,
          table,
          runId,
          buckets,
          opts,
          hooks,
          resume: !!options.resume,
          cancel,
        }),
      );
    }
    const status = results.some((r) => r.status === 'gave_up')
      ? 'gave_up'
      : results.some((r) => r.status === 'drift')
        ? 'drift'
        : 'clean';
    return {runId, status, tables: results};
  } finally {
    cancel?.stop();
    await threads.close();
    await cass?.shutdown().catch(() => {});
    await pool?.end().catch(() => {});
    await store.close().catch(() => {});
  }
}

/**
 * The run's id and options: a new run, a shard joining its run (--run-id), or a resumed run, whose
 * split and bucket layout (and, without --table, tables) are the ones its checkpoints were taken with.
 */
async function runToJoin(
  ctx: RunContext,
  store: Store,
  options: ReconcileOptions,
): Promise<{runId: string; opts: ReconcileOptions}> {
  if (options.resume) {
    const prior = await getRun(store, options.resume);
    if (!prior)
      throw new UsageError(`no reconcile run "${options.resume}" to resume`, {
        hint: 'List runs with `cdcctl reconcile history`.',
      });
    checkOwnRun(prior, ctx.contextName);
    const saved = prior.options as Partial<ReconcileOptions>;
    // the split and bucket layout must be the one the checkpoint was taken with
    const opts = {
      ...options,
      splits: saved.splits ?? options.splits,
      buckets: saved.buckets ?? options.buckets,
      // without --table: the run's own tables, not every table configured
      tables: options.tables.length > 0 ? options.tables : (saved.tables ?? []),
    };
    return {runId: prior.runId, opts};
  }
  if (options.runId) {
    const existing = await getRun(store, options.runId);
    if (existing) checkJoin(existing, ctx.contextName, options.shard.count);
  }
  return {runId: options.runId ?? newRunId(), opts: options};
}

/**
 * Every pair checked before the run is recorded: an unreachable database or a configuration mistake
 * leaves no empty run in the history. A table another run holds refuses this run before it starts
 * anything (each table's lock is still taken when its turn comes): checked only then, a run of
 * tables a, b with b busy did a, then failed without printing a's result, and left a partial run behind.
 */
async function checkPairs(
  ctx: RunContext,
  conn: CassandraConnection,
  cass: Client,
  pool: Pool,
  configs: ReturnType<typeof selectTables>,
  shard: ReconcileOptions['shard'],
): Promise<ResolvedTable[]> {
  const tables: ResolvedTable[] = [];
  for (const tc of configs) {
    try {
      tables.push(await resolveTable(tc, cass, pool));
    } catch (err) {
      if (err instanceof CdcError) throw err;
      throw cassandraError(err, conn.display, `reading the metadata of ${tc.cassandra}`);
    }
  }
  for (const table of tables) {
    if ((await shardsRunning(pool, ctx, table.name, [shard.index], shard.count)).length > 0)
      throw lockedError(table.name, `${shard.index}/${shard.count}`);
  }
  return tables;
}

interface TableJob {
  ctx: RunContext;
  store: Store;
  pool: Pool;
  cass: Client;
  conn: CassandraConnection;
  /** The run's scan threads, lent to each of its scans. */
  threads: ScanThreads;
  table: ResolvedTable;
  runId: string;
  /** Given with --buckets or reconcile.buckets; otherwise the table's own (autoBuckets). */
  buckets: number | undefined;
  opts: ReconcileOptions;
  hooks: ReconcileHooks;
  resume: boolean;
  /** Checked after each finished token split: a cancellation request stops the run there. */
  cancel: CancelWatch;
}
/**
 * One table pair, phase by phase: plan (cut-off, bucket and split layout, checkpoint), count
 * (Cassandra's token-range scan beside PostgreSQL's buckets, then the shards' sums added up),
 * compare (drill-down into the differing buckets, recheck of the rows still differing), record
 * (the store, the spill directory, the monitoring). The table's advisory lock is held throughout.
 */
async function reconcileTable(job: TableJob): Promise<TableResult> {
  const {ctx, pool, table: t, runId, opts} = job;
  const shardLabel = `${opts.shard.index}/${opts.shard.count}`;
  const lock = await lockTable(pool, ctx, t.name, shardLabel);
  const started = Date.now();
  const key = {runId, table: t.name, shard: opts.shard.index};
  try {
    const plan = await planTable(job, {key, shardLabel, started, warnings: []});
    if (opts.sample) return await estimateTable(job, plan, opts.sample);
    const counted = await countBuckets(job, plan);
    const verdict = await compareTable(job, plan, counted);
    return await recordTable(job, plan, counted, verdict);
  } catch (err) {
    await recordFailure(job, key, started, err as Error);
    throw err;
  } finally {
    await unlockTable(lock, ctx, t.name, shardLabel);
  }
}

type TableKey = {runId: string; table: string; shard: number};

/** What a table's turn settled before it reads any row: cut-off, bucket and split layout, checkpoint. */
interface TablePlan {
  key: TableKey;
  shardLabel: string;
  sharded: boolean;
  /** When this shard's turn at the table began (durationMs). */
  started: number;
  /** The table result's warnings: every phase adds to them. */
  warnings: string[];
  /** Rows written after it are too young to compare (--min-age). */
  cutoff: Date | undefined;
  /** The whole table's PostgreSQL rows; pgBlock: those of this shard's block of buckets. */
  pgFilter: PgFilter;
  pgBlock: PgFilter;
  lagStart: string | null;
  /** PostgreSQL's estimate of the table's rows. */
  expected: number;
  fetchSize: number;
  buckets: number;
  splits: number;
  /** This shard finished the table in an earlier attempt (and dropped its drill-down keys then). */
  finishedBefore: boolean;
  /** Bucket sums, finished splits and rows read of a resumed checkpoint (empty otherwise). */
  checkpoint: {acc: Buckets; done: number[]; rowsC: number; young: number};
  allSplits: Split[];
  /** The token splits this process reads: a shard reads every N-th one, so the Cassandra read divides by N. */
  ownSplits: Split[];
  spillDir: string;
}

/**
 * Settles the table's cut-off and layout (agreed between the shards of a run), takes a resumed
 * checkpoint (refused when the table's schema changed since), and records that the table started.
 */
async function planTable(
  job: TableJob,
  turn: Pick<TablePlan, 'key' | 'shardLabel' | 'started' | 'warnings'>,
): Promise<TablePlan> {
  const {ctx, store, pool, table: t, runId, opts} = job;
  const {key, started, warnings} = turn;
  const sharded = opts.shard.count > 1;
  const minAgeMs = opts.minAgeMs ?? t.minAgeMs;
  // the shards of a run share one cut-off: the run's start
  const since = sharded ? Date.parse((await getRun(store, runId))?.startedAt ?? '') || started : started;
  const cutoff = minAgeMs ? new Date(since - minAgeMs) : undefined;
  const pgFilter: PgFilter = {cutoff};
  const lagStart = await sinkLag(ctx).catch((e: Error) => {
    warnings.push(`sink lag unavailable: ${e.message}`);
    return null;
  });

  // a shard's earlier attempt matters even without --resume (see finishedBefore)
  const prior = job.resume || sharded ? await getTable(store, key) : undefined;
  const {rows: expected, bytesPerRow} = await pgTableSize(pool, t);
  const fetchSize = opts.fetchSize ?? autoFetchSize(bytesPerRow);
  let buckets = job.buckets ?? (job.resume ? prior?.buckets : undefined) ?? autoBuckets(expected);
  if (sharded && job.buckets === undefined) {
    // every shard must count the same buckets: the first shard's choice holds for all
    buckets = await agreeLayout(store, runId, t.name, 'buckets', buckets);
  }
  // a shard has PostgreSQL hash only the rows of its own block of buckets
  const pgBlock: PgFilter = sharded ? {cutoff, bucketRange: shardRange(buckets, opts.shard)} : pgFilter;
  const finishedBefore = prior?.status === 'clean' || prior?.status === 'drift';
  const resumed = job.resume && prior ? resumeFrom(job, prior, buckets, turn) : undefined;
  let splits = resumed ? resumed.splits : opts.splits;
  if (sharded) {
    // the shards' token splits must tile the ring: the first shard's count holds for all
    const agreed = await agreeLayout(
      store,
      runId,
      t.name,
      'splits',
      splits ?? autoSplits(expected, 2 * opts.shard.count),
    );
    if (splits !== undefined && agreed !== splits)
      throw new UsageError(`${t.name}: run ${runId} already splits this table into ${agreed}, not ${splits}`, {
        hint: 'Give every shard of a run the same --splits (or none).',
      });
    splits = agreed;
  }
  splits ??= autoSplits(expected, opts.workers ?? defaultWorkers());
  ctx.log.debug(
    `${t.name}: ~${expected} rows${bytesPerRow ? ` of ~${Math.round(bytesPerRow)} bytes` : ''}: ${buckets} buckets, ${splits} token splits, pages of ${fetchSize} rows`,
  );
  await startTable(store, {
    runId,
    table: t.name,
    shard: opts.shard.index,
    fingerprint: t.fingerprint,
    buckets,
    splits,
    sinkLagStart: lagStart,
  });
  const allSplits = tokenSplits(splits);
  return {
    ...turn,
    sharded,
    cutoff,
    pgFilter,
    pgBlock,
    lagStart,
    expected,
    fetchSize,
    buckets,
    splits,
    finishedBefore,
    checkpoint: resumed?.checkpoint ?? {acc: newBuckets(buckets), done: [], rowsC: 0, young: 0},
    allSplits,
    ownSplits: sharded ? allSplits.filter((s) => s.id % opts.shard.count === opts.shard.index) : allSplits,
    spillDir: join(opts.spillDir ?? join(tmpdir(), 'cdcctl-reconcile'), runId, safe(t.name), String(opts.shard.index)),
  };
}

/**
 * --resume: the earlier attempt's split count, and its bucket sums and finished splits when they
 * were taken with these buckets. Refused when the table's schema changed since the run started.
 */
function resumeFrom(
  job: TableJob,
  prior: NonNullable<Awaited<ReturnType<typeof getTable>>>,
  buckets: number,
  turn: Pick<TablePlan, 'shardLabel' | 'warnings'>,
): {splits: number; checkpoint?: TablePlan['checkpoint']} {
  const {table: t, runId} = job;
  if (prior.fingerprint !== t.fingerprint) {
    throw new CdcError(
      'RECONCILE_SCHEMA_CHANGED',
      ExitCode.usage,
      `${t.name}: the table's columns or types (or cdcctl's canonical form or row hash) changed since run ${runId} started`,
      {
        hint: 'Start a new run instead of resuming this one.',
      },
    );
  }
  if (prior.status === 'clean' || prior.status === 'drift') {
    turn.warnings.push(`${t.name} shard ${turn.shardLabel} already finished in run ${runId}; re-checking its result`);
  }
  if (!prior.checkpoint || prior.buckets !== buckets) return {splits: prior.splits};
  return {
    splits: prior.splits,
    checkpoint: {
      acc: bucketsFromBuffer(prior.checkpoint, buckets),
      done: prior.splitsDone,
      // a finished shard's rows_cassandra is its bucket block's count; what it read is in details
      rowsC: Number(prior.details.rowsScanned ?? prior.rowsCassandra),
      young: prior.rowsYoung,
    },
  };
}

/** The Cassandra scan's min-age cut-off (µs): only when PostgreSQL's side can apply it as well. */
function scanCutoffUs(t: {updatedAt?: string}, cutoff: Date | undefined): number | undefined {
  return cutoff && t.updatedAt ? cutoff.getTime() * 1000 : undefined;
}

/** --sample: an estimate from a fraction of the token splits, recorded as the table's result (no mismatches stored). */
async function estimateTable(job: TableJob, plan: TablePlan, fraction: number): Promise<TableResult> {
  const {store, pool, cass, conn, threads, table: t, opts, hooks} = job;
  const {buckets, splits, cutoff, fetchSize, expected} = plan;
  const pgRows = Number((await pool.query<{n: string}>(`SELECT count(*) AS n FROM ${pgTableRef(t)}`)).rows[0]?.n ?? 0);
  const estimate = await sampleTable({
    conn,
    threads,
    cass,
    pool,
    table: t,
    buckets,
    splits: Math.max(splits, 256),
    fraction,
    cutoffUs: scanCutoffUs(t, cutoff),
    cutoff,
    fetchSize,
    consistency: consistencyCode(opts.consistency),
    pgRows,
    onProgress: (n) => hooks.onProgress?.({table: t.name, phase: 'scan', rows: n, expected: expected * fraction}),
  });
  const drift = estimate.estimatedMissing + estimate.estimatedMismatched + estimate.estimatedExtra;
  const status: TableStatus = drift > 0 ? 'drift' : 'clean';
  const durationMs = Date.now() - plan.started;
  await finishTable(store, plan.key, {
    status,
    durationMs,
    rowsCassandra: estimate.rowsSampled,
    rowsPostgres: pgRows,
    rowsYoung: 0,
    mismatchedBuckets: 0,
    missing: estimate.estimatedMissing,
    extra: estimate.estimatedExtra,
    mismatched: estimate.estimatedMismatched,
    sinkLagEnd: null,
    details: {sample: estimate},
  });
  return {
    table: t.name,
    shard: plan.shardLabel,
    status,
    rowsCassandra: estimate.rowsSampled,
    rowsPostgres: pgRows,
    rowsYoung: 0,
    buckets,
    mismatchedBuckets: 0,
    bucketsReadInFull: 0,
    missing: estimate.estimatedMissing,
    extra: estimate.estimatedExtra,
    mismatched: estimate.estimatedMismatched,
    skippedOnRecheck: 0,
    rowsScanned: estimate.rowsSampled,
    durationMs,
    scanMs: durationMs,
    pgMs: 0,
    drillMs: 0,
    splitsResumed: 0,
    sinkLag: {start: plan.lagStart, end: null},
    lossyColumns: t.lossy,
    mismatches: [],
    warnings: plan.warnings,
    sample: estimate,
  };
}

/** Both sides' bucket sums of the whole table, and what it took to count them. */
interface Counted {
  cAcc: Buckets;
  pgAcc: Buckets;
  /** Rows of this process's own token splits (young: those newer than the cut-off), as checkpointed. */
  rowsC: number;
  young: number;
  /** Rows this process read from Cassandra (a shard left alone also reads the others' splits). */
  rowsRead: number;
  scanMs: number;
  pgMs: number;
  splitsResumed: number;
  /** The other shards did not come: this shard read (or will read) every token split itself. */
  alone: boolean;
}

async function countBuckets(job: TableJob, plan: TablePlan): Promise<Counted> {
  const own = await scanOwnSplits(job, plan);
  return plan.sharded ? await addUpShards(job, plan, own) : {...own, cAcc: own.acc, rowsRead: own.rowsC, alone: false};
}

/**
 * Scans this process's token splits of Cassandra into bucket sums (saving a checkpoint every few
 * seconds, and spilling each split's keys for the drill-down) while PostgreSQL computes its buckets
 * server-side.
 */
async function scanOwnSplits(
  job: TableJob,
  plan: TablePlan,
): Promise<Omit<Counted, 'cAcc' | 'rowsRead' | 'alone'> & {acc: Buckets}> {
  const {store, pool, table: t, hooks} = job;
  const {key, buckets, expected} = plan;
  const {acc, done} = plan.checkpoint;
  let {rowsC, young} = plan.checkpoint;
  const splitsResumed = done.length;
  const doneSet = new Set(done);
  const todo = shuffledSplits(plan.ownSplits.filter((s) => !doneSet.has(s.id)));

  // PostgreSQL's buckets, computed server-side while Cassandra is scanned
  const pgStarted = Date.now();
  let pgMs = 0;
  const pgPromise = pgBuckets(pool, t, buckets, plan.pgBlock).then(
    (b) => {
      pgMs = Date.now() - pgStarted;
      return b;
    },
    (err) => pgFailed(job, err),
  );
  pgPromise.catch(() => {}); // awaited below; avoid an unhandled rejection while the scan runs

  let scanned = rowsC;
  let lastSave = Date.now();
  // a checkpoint is the table's whole sums (24 bytes a bucket, 1.5 MB at 65,536): every 5 s at that
  // size, less often when bigger, so the store is written at the same rate whatever the bucket count
  const saveEveryMs = 5000 * Math.max(1, buckets / 65_536);
  const scanStarted = Date.now();
  const save = async () => {
    const checkpoint = {
      splitsDone: [...done],
      checkpoint: bucketsToBuffer(acc),
      rowsCassandra: rowsC,
      rowsYoung: young,
    };
    // an idempotent UPDATE: a restart of the store is waited out rather than failing the scan
    await retryTransient(() => saveCheckpoint(store, key, checkpoint), {
      retryForMs: STORE_WAIT_MS,
      onRetry: (err) =>
        job.ctx.log.warn(
          `${t.name}: the store does not take the checkpoint (${(err as Error).message}); waiting up to ${STORE_WAIT_MS / 1000} s`,
        ),
    });
    lastSave = Date.now();
    hooks.onCheckpoint?.(t.name, done.length);
  };
  try {
    await runScan({
      ...hashScan(job, plan),
      splits: todo,
      onProgress: (n) => {
        scanned += n;
        hooks.onProgress?.({table: t.name, phase: 'scan', rows: scanned, expected});
      },
      onSplit: async (r) => {
        if (r.sparse) addSparse(acc, r.sparse);
        rowsC += r.rows;
        young += r.young;
        done.push(r.split);
        if (job.cancel.signal.aborted) {
          await save();
          job.cancel.check();
        }
        if (Date.now() - lastSave > saveEveryMs) await save();
      },
    });
  } catch (err) {
    await save().catch(() => {});
    scanFailed(job, err);
  }
  await save();
  const scanMs = Date.now() - scanStarted;
  const pgAcc = await pgPromise;
  return {acc, pgAcc, rowsC, young, scanMs, pgMs, splitsResumed};
}

/**
 * A shard's sums cover its token splits and its block of PostgreSQL's buckets: the table's are every
 * shard's added up, once they have all scanned. Shards that do not come in time are read here.
 */
async function addUpShards(
  job: TableJob,
  plan: TablePlan,
  own: Awaited<ReturnType<typeof scanOwnSplits>>,
): Promise<Counted> {
  const {store, pool, table: t, runId, opts} = job;
  const {key, buckets} = plan;
  const meeting = shardMeeting(job, plan);
  await setShardPhase(store, key, 'scanned', bucketsToBuffer(own.pgAcc));
  const met = await waitForShards(meeting, 'scanned');
  if (met.late.length === 0) {
    return {
      ...own,
      cAcc: mergedBuckets(met.states, 'checkpoint', buckets),
      pgAcc: mergedBuckets(met.states, 'pgCheckpoint', buckets),
      rowsRead: own.rowsC,
      alone: false,
    };
  }
  plan.warnings.push(
    `shard(s) ${met.late.join(', ')} of run ${runId} did not run for ${Math.round(meeting.timeoutMs / 1000)} s while this shard waited for their scan: it read their token splits itself`,
  );
  // read the other shards' token splits here (their sums stay out of this shard's checkpoint,
  // which the others may still add up) and all of PostgreSQL's buckets
  const cAcc = newBuckets(buckets);
  addBuckets(cAcc, own.acc);
  let pgAcc = own.pgAcc;
  let rowsRead = own.rowsC;
  const others = plan.allSplits.filter((s) => s.id % opts.shard.count !== opts.shard.index);
  await Promise.all([
    runScan({
      ...hashScan(job, plan),
      splits: shuffledSplits(others),
      onSplit: (r) => {
        if (r.sparse) addSparse(cAcc, r.sparse);
        rowsRead += r.rows;
      },
    }).catch((err) => scanFailed(job, err)),
    pgBuckets(pool, t, buckets, plan.pgFilter).then(
      (b) => {
        pgAcc = b;
      },
      (err) => pgFailed(job, err),
    ),
  ]);
  return {...own, cAcc, pgAcc, rowsRead, alone: true};
}

/** Where the shards of a run wait for each other (scanned sums, published drill-down keys). */
function shardMeeting(job: TableJob, plan: TablePlan): ShardWait {
  const {ctx, store, pool, table: t, runId, opts} = job;
  return {
    store,
    runId,
    table: t.name,
    shards: opts.shard.count,
    buckets: plan.buckets,
    splits: plan.splits,
    timeoutMs: opts.shardTimeoutMs ?? 600_000,
    running: (late) => shardsRunning(pool, ctx, t.name, late, opts.shard.count),
    log: ctx.log,
  };
}

/** What the comparison found in this shard's block of buckets. */
interface Verdict {
  status: TableStatus;
  recommendation?: string;
  /** This shard's differing buckets. */
  mismatched: number[];
  rowsP: number;
  rowsInShardC: number;
  mismatches: MismatchRecord[];
  skippedOnRecheck: number;
  bucketsReadInFull: number;
  /** When the drill-down began (drillMs runs until the result is made). */
  drillStarted: number;
}

/**
 * Compares the bucket sums: the differing buckets of the whole table decide whether to give up (the
 * same verdict in every shard); each shard drills into those of its own block.
 */
async function compareTable(job: TableJob, plan: TablePlan, counted: Counted): Promise<Verdict> {
  const {buckets, sharded} = plan;
  const {cAcc, pgAcc} = counted;
  const shard = job.opts.shard;
  const inShard = (b: number) => !sharded || shardOfBucket(b, buckets, shard.count) === shard.index;
  const differing = diffBuckets(cAcc, pgAcc);
  const mismatched = differing.filter(inShard);
  const compared = {
    mismatched,
    rowsP: rowsIn(pgAcc, inShard),
    rowsInShardC: sharded ? rowsIn(cAcc, inShard) : counted.rowsC - counted.young,
    drillStarted: Date.now(),
  };
  const none = {mismatches: [], skippedOnRecheck: 0, bucketsReadInFull: 0};
  if (differing.length === 0) return {...compared, ...none, status: 'clean'};
  const rowsOf = (bs: number[]) => bs.reduce((s, b) => s + Math.max(cAcc.n[b] as number, pgAcc.n[b] as number), 0);
  const ratio = rowsOf(differing) / Math.max(1, total(cAcc), total(pgAcc));
  if (ratio > job.opts.maxDiffRatio) {
    return {
      ...compared,
      ...none,
      status: 'gave_up',
      recommendation: `about ${(ratio * 100).toFixed(1)}% of rows sit in differing buckets (> --max-diff-ratio ${job.opts.maxDiffRatio}): re-snapshot the table (Debezium snapshot.mode=always or a re-seed of the sink) instead of repairing row by row${weakRead(job.opts.consistency) ? `. The scan read at ${job.opts.consistency}, where a replica that missed writes (down, hints not delivered) counts as drift: re-run at ${confirmingConsistency(job.opts.consistency)} before re-snapshotting` : ''}`,
    };
  }
  job.hooks.onProgress?.({table: job.table.name, phase: 'drill', rows: 0, expected: rowsOf(mismatched)});
  const cMap = await drillKeys(job, plan, counted, differing, mismatched);
  const found = mismatched.length > 0 ? await diffRows(job, plan, counted, mismatched, cMap) : none;
  return {...compared, ...found, status: found.mismatches.length > 0 ? 'drift' : 'clean'};
}

/**
 * Cassandra's keys (with bucket and row hash) of this shard's differing buckets. Sharded, a shard
 * publishes what its token splits hold of every differing bucket for the bucket's owner, and takes
 * the other shards' keys of its own buckets from the store.
 */
async function drillKeys(
  job: TableJob,
  plan: TablePlan,
  counted: Counted,
  differing: number[],
  mismatched: number[],
): Promise<KeyHashes> {
  const {store, runId, table: t} = job;
  if (!plan.sharded) return keysOf(job, plan, plan.allSplits, new Set(mismatched));
  const own = await keysOf(job, plan, plan.ownSplits, new Set(differing));
  await publishDrillKeys(store, plan.key, own.entries());
  own.clear();
  await setShardPhase(store, plan.key, 'published');
  // the other shards' keys of this shard's buckets come from the store — unless this shard
  // read everything itself, or dropped those keys when it finished before, or they never come
  const meeting = shardMeeting(job, plan);
  const met =
    counted.alone || plan.finishedBefore || mismatched.length === 0
      ? undefined
      : await waitForShards(meeting, 'published');
  if (mismatched.length === 0) return new KeyHashes();
  if (met && met.late.length === 0) {
    const cMap = new KeyHashes();
    for (const r of await readDrillKeys(store, runId, t.name, mismatched)) cMap.setHex(r.pk, r.bucket, r.hash);
    return cMap;
  }
  if (met)
    plan.warnings.push(
      `shard(s) ${met.late.join(', ')} of run ${runId} did not run for ${Math.round(meeting.timeoutMs / 1000)} s while this shard waited for their drill-down keys: it read their token splits itself`,
    );
  return keysOf(job, plan, plan.allSplits, new Set(mismatched));
}

/**
 * The rows that differ: Cassandra's keys of the mismatched buckets against PostgreSQL's, then both
 * sides of each differing row read, compared column by column and, still differing after
 * --recheck-after, kept as mismatches.
 */
async function diffRows(
  job: TableJob,
  plan: TablePlan,
  counted: Counted,
  mismatched: number[],
  cMap: KeyHashes,
): Promise<Pick<Verdict, 'mismatches' | 'skippedOnRecheck' | 'bucketsReadInFull'>> {
  const {ctx, pool, cass, table: t, opts, hooks} = job;
  const {pgAcc} = counted;
  let bucketsReadInFull = 0;
  const t0 = Date.now();
  const held = cMap.size;

  const candidates = await candidatesOf(cMap, async (each) => {
    const drill = {
      buckets: plan.buckets,
      which: mismatched,
      expected: (b: number) => pgAcc.n[b] as number,
      cassKeys: Array.from(cMap.buckets(), ([k]) => k),
      tableRows: total(pgAcc),
      filter: plan.pgFilter,
    };
    ({scannedBuckets: bucketsReadInFull} = await pgDrill(pool, t, drill, each));
  });
  ctx.log.debug(
    `${t.name}: drill-down compared ${held} Cassandra keys with PostgreSQL's (${Date.now() - t0} ms, ${bucketsReadInFull} of ${mismatched.length} buckets read in full): ${candidates.size} differ`,
  );
  const t1 = Date.now();
  const outcome = await classify({
    table: t,
    cass,
    pool,
    candidates,
    cutoff: plan.cutoff,
    shard: opts.shard.index,
    recheckAfterMs: opts.recheckAfterMs,
    consistency: opts.consistency,
    onRecheck: (n) => hooks.onProgress?.({table: t.name, phase: 'recheck', rows: 0, expected: n}),
  });
  if (outcome.vanished.length > 0) plan.warnings.push(vanishedWarning(t, outcome.vanished));
  if (outcome.unconfirmed) plan.warnings.push(outcome.unconfirmed);
  ctx.log.debug(`${t.name}: read ${candidates.size} differing rows from both sides (${Date.now() - t1} ms)`);
  return {mismatches: outcome.mismatches, skippedOnRecheck: outcome.skipped, bucketsReadInFull};
}

/** Keys, buckets and row hashes that these token splits hold in `wanted`: from the spill files, or rescanned. */
async function keysOf(job: TableJob, plan: TablePlan, splitsToRead: Split[], wanted: Set<number>): Promise<KeyHashes> {
  const keys = new KeyHashes();
  const missingSpill = await readSpill(
    plan.spillDir,
    splitsToRead.map((s) => s.id),
    wanted,
    keys,
  );
  if (missingSpill.length > 0) {
    // splits scanned by an earlier process on another machine: rescan them for these buckets only
    await runScan({
      ...tableScan(job, plan),
      mode: 'collect',
      collectBuckets: [...wanted],
      splits: splitsToRead.filter((s) => missingSpill.includes(s.id)),
      onSplit: (r) => {
        for (const [k, b, h] of r.collected ?? []) keys.setHex(k, b, h);
      },
    });
  }
  return keys;
}

/**
 * What every Cassandra scan of the table shares: connection, threads, layout, cut-off, consistency.
 * The scan leaves young rows out only when PostgreSQL can too (the pair names its updatedAt column):
 * a one-sided cut-off turned every young row into a differing bucket — a table the JDBC sink writes
 * has no such column, and a --min-age over a freshly loaded table gave up as "too much drift". Young
 * rows the scan keeps are still left out by the drill-down, which reads their writetime.
 */
function tableScan(job: TableJob, plan: TablePlan) {
  return {
    conn: job.conn,
    threads: job.threads,
    table: job.table,
    buckets: plan.buckets,
    fetchSize: plan.fetchSize,
    cutoffUs: scanCutoffUs(job.table, plan.cutoff),
    consistency: consistencyCode(job.opts.consistency),
  };
}

/** A scan that adds up bucket sums (this shard's splits, or late shards'), spilling keys for the drill-down. */
function hashScan(job: TableJob, plan: TablePlan) {
  return {...tableScan(job, plan), mode: 'hash' as const, spillDir: plan.spillDir, rateLimit: job.opts.rateLimit};
}

/** Scan failures as one-line errors naming the table. */
function scanFailed(job: TableJob, err: unknown): never {
  if (err instanceof ScanError)
    throw cassandraError(
      Object.assign(new Error(err.message), {name: err.driverName, code: err.driverCode}),
      job.conn.display,
      `scanning ${job.table.keyspace}.${job.table.table}`,
    );
  throw err;
}

/** Failures of PostgreSQL's bucket query as one-line errors naming the table. */
function pgFailed(job: TableJob, err: unknown): never {
  throw pgError(err, job.store.target, `computing the buckets of ${job.table.pgSchema}.${job.table.pgTable}`);
}

/**
 * The table's result: stored (mismatches, figures), its spill files removed, and told to the
 * monitoring (metrics; the drift alert judges the whole run).
 */
async function recordTable(job: TableJob, plan: TablePlan, counted: Counted, verdict: Verdict): Promise<TableResult> {
  const {ctx, store, table: t, runId, opts} = job;
  const {key, sharded, spillDir, warnings} = plan;
  const {rowsRead, scanMs, pgMs, splitsResumed, young} = counted;
  const {status, recommendation, mismatches, mismatched, rowsP, skippedOnRecheck} = verdict;
  const count = (k: MismatchRecord['kind']) => mismatches.filter((m) => m.kind === k).length;
  const lagEnd = await sinkLag(ctx).catch(() => null);
  const result: TableResult = {
    table: t.name,
    shard: plan.shardLabel,
    status,
    rowsCassandra: verdict.rowsInShardC,
    rowsPostgres: rowsP,
    rowsYoung: young,
    buckets: plan.buckets,
    mismatchedBuckets: mismatched.length,
    bucketsReadInFull: verdict.bucketsReadInFull,
    missing: count('missing'),
    extra: count('extra'),
    mismatched: count('value'),
    skippedOnRecheck,
    rowsScanned: rowsRead,
    durationMs: Date.now() - plan.started,
    scanMs,
    pgMs,
    drillMs: Date.now() - verdict.drillStarted,
    splitsResumed,
    sinkLag: {start: plan.lagStart, end: lagEnd},
    lossyColumns: t.lossy,
    recommendation,
    mismatches,
    warnings,
  };
  const t2 = Date.now();
  await replaceMismatches(store, key, mismatches);
  ctx.log.debug(`${t.name}: stored ${mismatches.length} mismatches (${Date.now() - t2} ms)`);
  await finishTable(store, key, {
    status,
    durationMs: result.durationMs,
    rowsCassandra: result.rowsCassandra,
    rowsPostgres: rowsP,
    rowsYoung: young,
    mismatchedBuckets: mismatched.length,
    missing: result.missing,
    extra: result.extra,
    mismatched: result.mismatched,
    sinkLagEnd: lagEnd,
    details: {
      lossyColumns: t.lossy,
      recommendation,
      skippedOnRecheck,
      splitsResumed,
      scanMs,
      pgMs,
      rowsScanned: rowsRead,
    },
    keepCheckpoint: sharded,
  });
  // only now (this shard is finished): a re-run of it knows from its status that these keys are gone
  if (sharded && mismatched.length > 0) await dropDrillKeys(store, runId, t.name, mismatched);
  await rm(spillDir, {recursive: true, force: true}).catch(() => {});
  // then the table's and the run's directories, once empty (other tables or shards may still use them)
  await rmdir(dirname(spillDir)).catch(() => {});
  await rmdir(dirname(dirname(spillDir))).catch(() => {});
  // the alert judges the whole run: a shard's figures alone only once every shard has finished
  const totals = sharded
    ? runDrift(
        (await listTables(store, runId)).filter((r) => r.table === t.name),
        opts.shard.count,
      )
    : {missing: result.missing, extra: result.extra, mismatched: result.mismatched, gaveUp: status === 'gave_up'};
  await publishTable(ctx, opts, t, result, runId, totals).then(
    (w) => warnings.push(...w),
    (e: Error) => warnings.push(e.message),
  );
  return result;
}

/** A table that failed is recorded as such (and its failure pushed with --push) before the error goes on. */
async function recordFailure(job: TableJob, key: TableKey, started: number, err: Error): Promise<void> {
  const {ctx, store, table: t, runId, opts} = job;
  if (err instanceof JobCancelledError) {
    // the checkpoint and its row counts stay: `reconcile --resume` goes on from the splits done
    await markTableInterrupted(store, key, {
      durationMs: Date.now() - started,
      cancelledBy: err.request.requestedBy,
      reason: err.request.reason,
    }).catch(() => {});
    return;
  }
  await finishTable(store, key, {
    status: 'error',
    durationMs: Date.now() - started,
    rowsCassandra: 0,
    rowsPostgres: 0,
    rowsYoung: 0,
    mismatchedBuckets: 0,
    missing: 0,
    extra: 0,
    mismatched: 0,
    sinkLagEnd: null,
    details: {error: err.message},
  }).catch(() => {});
  if (opts.push) await publishTable(ctx, opts, t, undefined, runId).catch(() => {});
}

/** A shard's block of buckets: [from, to), as shardOfBucket assigns them. */
export function shardRange(buckets: number, shard: {index: number; count: number}): [number, number] {
  const from = Math.ceil((shard.index * buckets) / shard.count);
  const to = Math.ceil(((shard.index + 1) * buckets) / shard.count);
  return [from, to];
}

/** Rows in the buckets `keep` accepts. */
function rowsIn(b: Buckets, keep: (bucket: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < b.n.length; i++) if (keep(i)) n += b.n[i] as number;
  return n;
}

/**
 * Buckets for a table of about `expectedRows`: 65,536 up to 2M rows, then one per ~32 rows (a power
 * of two, at most 2^20). A differing row costs the drill-down every key of its bucket, on both sides:
 * at 5M rows and 65,536 buckets, 5,000 differing rows meant 370k keys held and compared.
 */
export function autoBuckets(expectedRows: number): number {
  const wanted = 2 ** Math.ceil(Math.log2(Math.max(1, expectedRows / 32)));
  return Math.min(MAX_AUTO_BUCKETS, Math.max(DEFAULT_BUCKETS, wanted));
}

/** About one split per 25,000 rows (few round trips), at least 4 per worker (balance), at most 4,096. */
export function autoSplits(expectedRows: number, workers: number): number {
  return Math.min(4096, Math.max(workers * 4, Math.ceil(expectedRows / 25_000)));
}

/**
 * Cassandra page size (rows) for a table whose rows take about `bytesPerRow`: pages of about 2 MiB, at
 * most 10,000 rows. Every page is a new range read for Cassandra, and it costs the server more than
 * the rows do: at 1M rows of ~150 bytes, pages of 10,000 instead of 2,000 rows cut Cassandra's CPU by
 * ~20 % and the scan's wall time by ~15 % (2 cores). Bounding the bytes keeps wide rows from making
 * pages that swell the workers' (and the coordinator's) memory. Unknown width: 2,000.
 */
export function autoFetchSize(bytesPerRow: number | undefined): number {
  if (!bytesPerRow || !Number.isFinite(bytesPerRow)) return 2000;
  return Math.max(50, Math.min(10_000, Math.floor(PAGE_BYTES / bytesPerRow)));
}
const PAGE_BYTES = 2 * 1024 * 1024;

function shuffledSplits(splits: Split[]): Split[] {
  // interleave far-apart token ranges so that concurrent workers hit different replicas
  const out: Split[] = [];
  const stride = Math.max(1, Math.round(Math.sqrt(splits.length)));
  for (let s = 0; s < stride; s++) for (let i = s; i < splits.length; i += stride) out.push(splits[i] as Split);
  return out;
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

/** A level at which one replica answers alone: what it missed looks like drift. */
const weakRead = (level: ReconcileOptions['consistency']) => confirmingConsistency(level) !== level;

function consistencyCode(name: ReconcileOptions['consistency']): number {
  return CONSISTENCY[name];
}
