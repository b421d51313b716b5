import {randomBytes} from 'node:crypto';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  type BatchItemRecord,
  type BatchState,
  createBatch,
  ensureItems,
  finishItem,
  getBatch,
  type ItemState,
  itemsOf,
  setBatchOptions,
  setBatchState,
  startItem,
} from '../../store/batch.js';
import {runStore, type Store} from '../../store/index.js';
import {holdJobLock} from '../../store/jobs.js';
import {ForbiddenError} from '../access/identity.js';
import {canI} from '../access/whoami.js';
import {type CancelWatch, JobCancelledError, watchCancel} from '../cancellation/watch.js';
import {type BatchItem, ItemNotOk, OPERATIONS} from './operations.js';
import {checkPlan, fileHash, type LoadedPlan, type Plan, type PlanStep} from './plan.js';
import type {BatchItemView, BatchOptions, BatchResult, BatchStepView} from './types.js';

/**
 * Runs a batch plan: steps in dependency order (independent steps side by side), at most
 * `concurrency` items in flight in all, one store row per item written before and after it runs,
 * so that a killed or failed run is resumed (`batch resume <id>`) by redoing only the items that did
 * not succeed. A cancellation request (`jobs cancel batch:<id>`) stops the launching of items.
 */

export function newBatchId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `bt-${d}-${randomBytes(3).toString('hex')}`;
}

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/;

export function checkBatchId(id: string): string {
  if (!BATCH_ID.test(id))
    throw new UsageError(`invalid batch id "${id}"`, {hint: 'A batch id looks like bt-20261207-031500-a1b2c3.'});
  return id;
}

/** Every operation of the plan must be allowed to the actor: checked before anything runs. */
async function checkPermissions(ctx: RunContext, plan: Plan): Promise<void> {
  for (const perm of new Set(plan.steps.map((s) => OPERATIONS[s.op].permission))) {
    const d = await canI(ctx, perm);
    if (!d.allowed) {
      throw new ForbiddenError(`${d.actor} may not ${perm} in context ${ctx.contextName}, which this batch needs`, {
        hint: 'Ask for a role that grants it, or leave those steps out of the plan.',
      });
    }
  }
}

async function expandAll(ctx: RunContext, plan: Plan): Promise<Map<string, BatchItem[]>> {
  const items = new Map<string, BatchItem[]>();
  for (const step of plan.steps) items.set(step.id, await OPERATIONS[step.op].expand(ctx, step));
  return items;
}

const zero = (): Record<ItemState, number> => ({pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0});

/** `batch -f plan.yaml`: a new run (or, with --dry-run, what it would do). */
export async function runBatch(ctx: RunContext, loaded: LoadedPlan, o: BatchOptions): Promise<BatchResult> {
  await checkPermissions(ctx, loaded.plan);
  const items = await expandAll(ctx, loaded.plan);
  const batchId = newBatchId();
  if (o.dryRun) return dryRun(batchId, loaded, items);
  const store = await runStore(ctx);
  await createBatch(store, {
    batchId,
    context: ctx.contextName,
    actor: ctx.actor,
    plan: {...loaded.plan, files: loaded.files},
    source: loaded.source,
    options: {concurrency: o.concurrency, continueOnError: o.continueOnError},
  });
  return execute(ctx, store, batchId, loaded, items, o, false);
}

/** `batch resume <id>`: the same plan again; items that succeeded are left alone. */
export async function resumeBatch(
  ctx: RunContext,
  batchId: string,
  o: Partial<BatchOptions> & {dryRun: boolean},
): Promise<BatchResult> {
  const store = await runStore(ctx);
  const run = await getBatch(store, checkBatchId(batchId));
  if (!run || run.context !== ctx.contextName)
    throw new UsageError(`no batch run "${batchId}" in context ${ctx.contextName}`, {
      hint: 'List batch runs with `cdcctl jobs list --kind batch`.',
    });
  if (run.state === 'running')
    throw new CdcError('BATCH_BUSY', ExitCode.usage, `batch ${batchId} is running in another process`, {
      hint: `Wait for it, or cancel it with \`cdcctl jobs cancel batch:${batchId}\`.`,
    });
  const stored = run.plan as Plan & {files?: Record<string, string>};
  const {files = {}, ...planData} = stored;
  const plan = checkPlan(planData, `batch ${batchId}`);
  for (const [path, hash] of Object.entries(files)) {
    if (fileHash(path) !== hash)
      throw new UsageError(`${path} changed since batch ${batchId} started: its items would not be the same`, {
        hint: 'Restore the file, or start a new batch with the new file.',
      });
  }
  const saved = run.options as Partial<BatchOptions>;
  const opts: BatchOptions = {
    concurrency: o.concurrency ?? saved.concurrency ?? 1,
    continueOnError: o.continueOnError ?? saved.continueOnError ?? false,
    dryRun: o.dryRun,
  };
  await checkPermissions(ctx, plan);
  const items = await expandAll(ctx, plan);
  const loaded: LoadedPlan = {plan, source: run.source, files};
  if (opts.dryRun) {
    const done = new Set(
      (await itemsOf(store, batchId)).filter((i) => i.state === 'succeeded').map((i) => `${i.step}/${i.item}`),
    );
    const result = dryRun(batchId, loaded, items, done);
    return {...result, resumed: true};
  }
  return execute(ctx, store, batchId, loaded, items, opts, true);
}

function dryRun(
  batchId: string,
  loaded: LoadedPlan,
  items: Map<string, BatchItem[]>,
  done = new Set<string>(),
): BatchResult {
  const views: BatchItemView[] = [];
  const steps: BatchStepView[] = [];
  for (const step of loaded.plan.steps) {
    const counts = zero();
    for (const [i, item] of (items.get(step.id) ?? []).entries()) {
      const ok = done.has(`${step.id}/${i}`);
      counts[ok ? 'succeeded' : 'pending']++;
      views.push({
        step: step.id,
        item: i,
        label: item.label,
        state: ok ? 'succeeded' : 'would-run',
        attempts: 0,
        action: ok ? 'already done' : OPERATIONS[step.op].describe(step, item),
        result: null,
        error: null,
      });
    }
    steps.push({id: step.id, op: step.op, dependsOn: step.dependsOn ?? [], counts});
  }
  return {
    batchId,
    dryRun: true,
    state: 'dry-run',
    resumed: false,
    source: loaded.source,
    steps,
    items: views,
    counts: sumCounts(steps),
    ran: 0,
    durationMs: 0,
  };
}

function sumCounts(steps: BatchStepView[]): Record<ItemState, number> {
  const c = zero();
  for (const s of steps) for (const k of Object.keys(c) as ItemState[]) c[k] += s.counts[k];
  return c;
}

/** A counting semaphore: at most `n` items in flight across all steps. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function execute(
  ctx: RunContext,
  store: Store,
  batchId: string,
  loaded: LoadedPlan,
  items: Map<string, BatchItem[]>,
  o: BatchOptions,
  resumed: boolean,
): Promise<BatchResult> {
  const started = Date.now();
  const lock = await holdJobLock(store, `batch:${batchId}`);
  if (!lock)
    throw new CdcError('BATCH_BUSY', ExitCode.usage, `batch ${batchId} is running in another process`, {
      hint: `Wait for it, or cancel it with \`cdcctl jobs cancel batch:${batchId}\`.`,
    });
  let cancel: CancelWatch | undefined;
  let ran = 0;
  try {
    await setBatchState(store, batchId, 'running');
    if (resumed)
      await setBatchOptions(store, batchId, {concurrency: o.concurrency, continueOnError: o.continueOnError});
    for (const step of loaded.plan.steps) {
      await ensureItems(
        store,
        batchId,
        step.id,
        (items.get(step.id) ?? []).map((it, i) => ({item: i, label: it.label})),
      );
    }
    const before = new Map((await itemsOf(store, batchId)).map((r) => [`${r.step}/${r.item}`, r]));
    cancel = await watchCancel(store, {
      kind: 'batch',
      jobId: batchId,
      resume: `cdcctl batch resume ${batchId}`,
      resumed,
    });
    const watch = cancel;
    const slot = limiter(o.concurrency);
    let stopped = false; // a failure without --continue-on-error, or a cancellation: launch nothing more
    const stepFailed = new Set<string>();
    const finished = new Map<string, Promise<void>>();

    const runItem = async (step: PlanStep, i: number, item: BatchItem, prior: BatchItemRecord | undefined) => {
      if (stopped || watch.signal.aborted) {
        stopped = true;
        return;
      }
      await slot(async () => {
        if (stopped || watch.signal.aborted) {
          stopped = true;
          return;
        }
        await startItem(store, batchId, step.id, i);
        ran++;
        try {
          const result = await OPERATIONS[step.op].run(ctx, step, item, {
            batchId,
            step: step.id,
            item: i,
            previous: prior?.result ?? null,
          });
          await finishItem(store, batchId, step.id, i, {state: 'succeeded', result});
        } catch (err) {
          if (err instanceof CdcError && err.exitCode === ExitCode.bug) throw err;
          if (!(err instanceof CdcError) && !(err instanceof Error)) throw err;
          stepFailed.add(step.id);
          if (!o.continueOnError) stopped = true;
          const result = err instanceof ItemNotOk ? err.result : undefined;
          const message = oneLine(err as Error);
          ctx.log.warn(`batch ${batchId}: ${step.id} #${i} (${item.label}): ${message}`);
          await finishItem(store, batchId, step.id, i, {state: 'failed', result, error: message});
        }
      });
    };

    const runStep = async (step: PlanStep): Promise<void> => {
      await Promise.all((step.dependsOn ?? []).map((d) => finished.get(d)));
      const list = items.get(step.id) ?? [];
      const blocked = (step.dependsOn ?? []).filter((d) => stepFailed.has(d));
      if (blocked.length && !o.continueOnError) {
        stepFailed.add(step.id);
        for (let i = 0; i < list.length; i++) {
          if (before.get(`${step.id}/${i}`)?.state === 'succeeded') continue;
          await finishItem(store, batchId, step.id, i, {
            state: 'skipped',
            error: `not run: step ${blocked.join(', ')} had failures (--continue-on-error runs it anyway)`,
          });
        }
        return;
      }
      await Promise.all(
        list.map((item, i) => {
          const prior = before.get(`${step.id}/${i}`);
          if (prior?.state === 'succeeded') return Promise.resolve();
          return runItem(step, i, item, prior);
        }),
      );
    };
    for (const step of loaded.plan.steps) finished.set(step.id, runStep(step));
    await Promise.all(finished.values());

    const rows = await itemsOf(store, batchId);
    const cancelled = watch.signal.aborted;
    const state = finalState(rows, cancelled);
    await setBatchState(store, batchId, state);
    const result = view(batchId, loaded, rows, state, resumed, ran, Date.now() - started);
    if (cancelled) {
      const reason = watch.signal.reason;
      if (reason instanceof JobCancelledError) throw withResult(reason, result);
    }
    return result;
  } catch (err) {
    if (!(err instanceof JobCancelledError)) await setBatchState(store, batchId, 'interrupted').catch(() => {});
    throw err;
  } finally {
    cancel?.stop();
    await lock.release();
  }
}

/** A cancelled batch still reports what it did (--json: in the error's details). */
function withResult(err: JobCancelledError, result: BatchResult): JobCancelledError {
  Object.assign(err, {details: {...err.details, counts: result.counts}});
  return err;
}

function oneLine(err: Error): string {
  return err.message.split('\n')[0] ?? String(err);
}

export function finalState(rows: BatchItemRecord[], cancelled: boolean): BatchState {
  if (cancelled) return 'cancelled';
  const ok = rows.filter((r) => r.state === 'succeeded').length;
  if (ok === rows.length) return 'succeeded';
  return ok === 0 ? 'failed' : 'partial';
}

function view(
  batchId: string,
  loaded: LoadedPlan,
  rows: BatchItemRecord[],
  state: BatchState,
  resumed: boolean,
  ran: number,
  durationMs: number,
): BatchResult {
  const steps: BatchStepView[] = loaded.plan.steps.map((s) => {
    const counts = zero();
    for (const r of rows) if (r.step === s.id) counts[r.state]++;
    return {id: s.id, op: s.op, dependsOn: s.dependsOn ?? [], counts};
  });
  return {
    batchId,
    dryRun: false,
    state,
    resumed,
    source: loaded.source,
    steps,
    items: rows.map((r) => ({
      step: r.step,
      item: r.item,
      label: r.label,
      state: r.state,
      attempts: r.attempts,
      result: r.result,
      error: r.error,
    })),
    counts: sumCounts(steps),
    ran,
    durationMs,
  };
}

/** The exit code of a finished batch: 0 all succeeded, 5 anything else (partial or total failure). */
export function batchExitCode(result: BatchResult): ExitCode {
  if (result.dryRun || result.state === 'succeeded') return ExitCode.ok;
  return ExitCode.partial;
}
