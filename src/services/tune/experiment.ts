import {randomBytes} from 'node:crypto';
import {setTimeout as sleep} from 'node:timers/promises';
import {connectClient} from '../../clients/factory.js';
import {CdcError, ConfigError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {getVersion} from '../../store/config-history.js';
import {runStore, type Store} from '../../store/index.js';
import {cancelRequest} from '../../store/jobs.js';
import {createExperiment, updateExperiment} from '../../store/tune.js';
import {type ApplyResult, type BeforeWrite, writeConfig} from '../connectors/apply.js';
import {configHistory} from '../connectors/config-history.js';
import {type ConfigPatch, patchConnectors} from '../connectors/patch.js';
import {planRollback, syncHistory} from '../history/versions.js';
import {compareMeasures, type Measure, measureOf} from './measure.js';
import {observe, selectConnectors} from './observe.js';
import type {ExperimentResult} from './types.js';

/**
 * `cdcctl tune experiment`: an A/B trial of connector settings. The change (B) is validated and diffed
 * against the live config (A) and confirmed first; then A is measured for the duration, B is written
 * (a new config version), the tasks restart, B settles and is measured for the same duration, and the
 * two are compared (measure.ts: throughput first, then latency and lag). A worse B is undone by the
 * config history's rollback to A's version; a better or same one is kept. Each phase is written to the
 * store (tune_experiments), so `jobs` shows a running experiment; `jobs cancel tune-experiment:<id>` or
 * Ctrl-C stops it, rolling B back if it was written.
 */

export const EXPERIMENT_KIND = 'tune-experiment';

export function newExperimentId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `tx-${d}-${randomBytes(3).toString('hex')}`;
}

/** How long B runs before it is measured: its tasks restarted and its consumers rebalanced. */
export function settleMs(durationMs: number): number {
  return Math.min(30_000, Math.max(5000, Math.round(durationMs / 4)));
}

export interface ExperimentOptions {
  durationMs: number;
  dryRun: boolean;
  /** Confirms the validated plan (shown) before anything is measured or written. */
  beforeWrite?: BeforeWrite;
  /** Ctrl-C: stop, rolling B back if it was written. */
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

class Stopped extends Error {}

export async function runExperiment(
  ctx: RunContext,
  connector: string,
  patch: ConfigPatch,
  options: ExperimentOptions,
): Promise<ExperimentResult> {
  if (!ctx.config.postgres) {
    throw new ConfigError(
      `context "${ctx.contextName}" has no postgres store: an experiment's undo is a config rollback`,
      {
        hint: 'Add postgres to the context: config versions and experiments are kept in the operational store.',
      },
    );
  }
  if (patch.unset.length > 0) throw new UsageError('an experiment sets keys (--set k=v); it does not remove them');
  const [target] = (await selectConnectors(ctx, [connector])).filter((c) => c.name === connector);
  if (!target) throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${connector}`);
  const say = options.progress ?? (() => {});
  const durationSeconds = Math.round(options.durationMs / 1000);

  // B validated and diffed against A, nothing written yet
  const [plan] = await patchConnectors(ctx, [connector], patch, {dryRun: true, concurrency: 1});
  const base = {
    connector,
    changes: patch.set,
    durationSeconds,
    plan: plan!,
    a: null,
    b: null,
    comparison: null,
    verdict: null,
  };
  if (plan!.action === 'invalid' || plan!.action === 'failed') {
    throw new CdcError('INVALID_CONFIG', plan!.error?.exitCode ?? ExitCode.usage, invalidText(plan!), {
      hint: 'Nothing was measured or written.',
    });
  }
  if (plan!.action === 'unchanged') {
    throw new UsageError(`${connector} already has ${describe(patch.set)}: nothing to compare`);
  }
  if (options.dryRun) {
    return {
      ...base,
      experimentId: null,
      outcome: 'planned',
      reason: `would measure ${connector} for ${durationSeconds} s, apply the change, let it settle ${Math.round(settleMs(options.durationMs) / 1000)} s, measure it for ${durationSeconds} s, then keep it or roll it back`,
      versions: {a: null, b: null, rollback: null},
    };
  }
  await options.beforeWrite?.([plan!]);

  const store = await runStore(ctx);
  // A is a version of the history (recorded now if it was changed outside cdcctl): the undo's target
  const [synced] = await syncHistory(ctx, [connector], {dryRun: false});
  const versionA = synced?.version ?? (await getVersion(store, ctx.contextName, connector))?.version ?? null;
  if (versionA === null)
    throw new CdcError('NO_HISTORY', ExitCode.bug, `no config version of ${connector} to roll back to`);
  const id = newExperimentId();
  await createExperiment(store, {
    experimentId: id,
    context: ctx.contextName,
    connector,
    actor: ctx.actor,
    changes: patch.set,
    durationMs: options.durationMs,
  });
  await updateExperiment(store, id, {versionA});

  const versions = {a: versionA as number | null, b: null as number | null, rollback: null as number | null};
  let a: Measure | null = null;
  let b: Measure | null = null;
  let written = false;
  try {
    say(`experiment ${id}: measuring A (the current config) for ${durationSeconds} s`);
    await wait(store, id, options.durationMs, options.signal);
    a = await measure(ctx, target, durationSeconds);
    await updateExperiment(store, id, {state: 'measuring-b', measureA: a});

    say(`experiment ${id}: applying B (${describe(patch.set)})`);
    const history = configHistory(ctx, {message: `tune experiment ${id}: B (${describe(patch.set)})`});
    const [applied] = await patchConnectors(ctx, [connector], patch, {dryRun: false, concurrency: 1, history});
    if (!applied?.applied)
      throw new CdcError('APPLY_FAILED', applied?.error?.exitCode ?? ExitCode.bug, invalidText(applied!));
    written = true;
    versions.b = (await getVersion(store, ctx.contextName, connector))?.version ?? null;
    await updateExperiment(store, id, {versionB: versions.b ?? undefined});
    await waitRunning(ctx, connector, 60_000, options.signal);
    const settle = settleMs(options.durationMs);
    say(
      `experiment ${id}: B is running; settling ${Math.round(settle / 1000)} s, then measuring B for ${durationSeconds} s`,
    );
    await wait(store, id, settle + options.durationMs, options.signal);
    b = await measure(ctx, target, durationSeconds);
  } catch (err) {
    const stopped = err instanceof Stopped;
    const why = stopped ? err.message : `failed: ${(err as Error).message}`;
    if (written) {
      say(`experiment ${id}: ${why}; rolling B back to version ${versionA}`);
      versions.rollback = await rollBack(ctx, connector, versionA, `tune experiment ${id}: ${why}`);
    }
    await updateExperiment(store, id, {
      state: written ? 'rolled-back' : 'failed',
      error: why,
      versionRollback: versions.rollback ?? undefined,
      ...(a ? {measureA: a} : {}),
    });
    if (stopped)
      throw new CdcError(
        'INTERRUPTED',
        ExitCode.interrupted,
        `experiment ${id} ${why}${written ? `; B was rolled back (version ${versions.rollback})` : '; nothing was written'}`,
      );
    throw err;
  }

  const [comparison] = compareMeasures([a], [b]);
  const verdict = comparison!.verdict;
  const keep = verdict === 'better' || verdict === 'same';
  let reason: string;
  if (keep) {
    reason = verdict === 'better' ? 'B measured better than A' : 'B measured the same as A (within 5 %): kept';
  } else {
    reason =
      verdict === 'worse'
        ? 'B measured worse than A'
        : 'B could not be compared with A (no figures): rolled back to be safe';
    say(`experiment ${id}: ${reason}; rolling back to version ${versionA}`);
    versions.rollback = await rollBack(ctx, connector, versionA, `tune experiment ${id}: ${reason}`);
  }
  await updateExperiment(store, id, {
    state: keep ? 'kept' : 'rolled-back',
    measureB: b,
    verdict,
    versionRollback: versions.rollback ?? undefined,
  });
  return {
    ...base,
    experimentId: id,
    outcome: keep ? 'kept' : 'rolled-back',
    reason,
    a,
    b,
    comparison: comparison!,
    verdict,
    versions,
  };
}

/** 0 when B was kept, 3 when it was rolled back (the change did not hold up). */
export function experimentExitCode(r: ExperimentResult): ExitCode {
  return r.outcome === 'rolled-back' ? ExitCode.notOk : ExitCode.ok;
}

async function measure(
  ctx: RunContext,
  target: Awaited<ReturnType<typeof selectConnectors>>[number],
  seconds: number,
): Promise<Measure> {
  const observed = await observe(ctx, [target.name], seconds, {connectors: [target]});
  for (const w of observed.warnings) ctx.log.warn(w);
  return measureOf(observed.observations[0]!);
}

/** Waits `ms`, checking every second for Ctrl-C and for a `jobs cancel` request. */
async function wait(store: Store, id: string, ms: number, signal?: AbortSignal): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (signal?.aborted) throw new Stopped('interrupted');
    if (await cancelRequest(store, EXPERIMENT_KIND, id)) throw new Stopped('cancelled (jobs cancel)');
    await sleep(Math.min(1000, end - Date.now()));
  }
}

async function waitRunning(ctx: RunContext, connector: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const connect = connectClient(ctx);
  try {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new Stopped('interrupted');
      const s = await connect.status(connector).catch(() => undefined);
      if (s && s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING'))
        return;
      if (s?.tasks.some((t) => t.state === 'FAILED'))
        throw new CdcError('TASK_FAILED', ExitCode.notOk, `a task of ${connector} FAILED with B`);
      if (Date.now() > end)
        throw new CdcError(
          'NOT_RUNNING',
          ExitCode.notOk,
          `${connector} was not RUNNING within ${timeoutMs / 1000} s of B`,
        );
      await sleep(500);
    }
  } finally {
    await connect.close();
  }
}

/** The config history's rollback to version `to` (validated, written, recorded as a rollback version). */
async function rollBack(ctx: RunContext, connector: string, to: number, message: string): Promise<number | null> {
  const plan = await planRollback(ctx, connector, to);
  const connect = connectClient(ctx);
  try {
    const result = await writeConfig(
      connect,
      {name: connector, source: `version ${to}`, desired: plan.desired, unresolved: plan.unresolved, live: plan.live},
      {dryRun: false, history: configHistory(ctx, {message, action: 'rollback'})},
    );
    if (result.action === 'invalid' || result.action === 'failed')
      throw new CdcError(
        'ROLLBACK_FAILED',
        ExitCode.bug,
        `rolling ${connector} back to version ${to}: ${invalidText(result)}`,
      );
  } finally {
    await connect.close();
  }
  return (await getVersion(await runStore(ctx), ctx.contextName, connector))?.version ?? null;
}

function describe(set: Record<string, string>): string {
  return Object.entries(set)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function invalidText(r: ApplyResult): string {
  if (r.error) return `${r.name}: ${r.error.message}`;
  return `${r.name}: invalid config: ${r.errors.map((e) => `${e.key}: ${e.messages.join('; ')}`).join(' · ')}`;
}
