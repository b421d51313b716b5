import {CdcError, ConfigError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {runStore, type Store} from '../../store/index.js';
import {deleteBaseline, getBaseline, listBaselines, saveBaseline} from '../../store/tune.js';
import type {ApplyResult, BeforeWrite} from '../connectors/apply.js';
import {configHistory} from '../connectors/config-history.js';
import {patchConnectors} from '../connectors/patch.js';
import {CASSANDRA_CDC, cassandraBacklog, measuresCassandra} from './cassandra.js';
import {compareMeasures, type Measure, measureOf} from './measure.js';
import {observe} from './observe.js';
import {evaluateRules, type Recommendation, RULES, ruleById} from './rules.js';
import type {BaselineComparison, BaselineSummary, TuneApplyResult, TuneReport} from './types.js';

/**
 * `cdcctl tune`: recommendations from the rules table (rules.ts) over the connectors' observations,
 * applying one through the connector config path (validated, diffed, confirmed, versioned, audited), and
 * named baselines of the pipeline's throughput, latency and lag to compare later. Experiments: experiment.ts.
 */

export async function recommend(ctx: RunContext, selector: string[], windowSeconds: number): Promise<TuneReport> {
  const observed = await observe(ctx, selector, windowSeconds);
  const cassandra =
    selector.length === 0 && measuresCassandra(ctx)
      ? await cassandraBacklog(ctx, (m) => observed.warnings.push(m))
      : undefined;
  return {
    at: observed.at,
    windowSeconds,
    connectors: observed.observations.map((o) => ({
      connector: o.connector,
      kind: o.kind,
      connectorClass: o.connectorClass,
      measure: measureOf(o),
      metrics: o.metrics,
      ...(o.slotLagBytes === undefined ? {} : {slotLagBytes: o.slotLagBytes}),
    })),
    recommendations: observed.observations.flatMap((o) => evaluateRules(o)),
    ...(cassandra ? {cassandraCdc: cassandra} : {}),
    warnings: observed.warnings,
  };
}

/** 3 when there is something to change (the answer is "not tuned"), else 0. */
export function recommendExitCode(report: TuneReport): ExitCode {
  return report.recommendations.length > 0 ? ExitCode.notOk : ExitCode.ok;
}

/**
 * Re-observes, and writes the change `rule` recommends now to each connector it fires on (within the
 * selector): through `connectors patch`'s path — the plugin validates, the diff is shown, `beforeWrite`
 * confirms, the write is a new config version (and the command's audit record names it).
 */
export async function applyRecommendation(
  ctx: RunContext,
  ruleId: string,
  selector: string[],
  options: {windowSeconds: number; dryRun: boolean; message?: string; beforeWrite?: BeforeWrite},
): Promise<TuneApplyResult> {
  const rule = ruleById(ruleId);
  if (!rule) {
    throw new UsageError(`no tuning rule "${ruleId}"`, {hint: `Rules: ${RULES.map((r) => r.id).join(', ')}.`});
  }
  const report = await recommend(ctx, selector, options.windowSeconds);
  const fired = report.recommendations.filter((r) => r.rule === ruleId);
  if (fired.length === 0) {
    throw new CdcError(
      'NOT_RECOMMENDED',
      ExitCode.notOk,
      `rule ${ruleId} recommends nothing for ${selector.length > 0 ? selector.join(' ') : 'any connector'} over the last ${options.windowSeconds} s`,
      {hint: '`cdcctl tune` shows what the rules recommend now, and why.'},
    );
  }
  const applied: Array<{recommendation: Recommendation; result: ApplyResult}> = [];
  for (const rec of fired) {
    const history = configHistory(ctx, {message: options.message ?? `tune ${ruleId}: ${rec.observation}`});
    const [result] = await patchConnectors(
      ctx,
      [rec.connector],
      {set: rec.change, unset: []},
      {dryRun: options.dryRun, concurrency: 1, history, beforeWrite: options.beforeWrite},
    );
    applied.push({recommendation: rec, result: {...result!, source: `tune ${ruleId}`}});
  }
  return {rule: ruleId, windowSeconds: options.windowSeconds, at: report.at, dryRun: options.dryRun, applied};
}

async function tuneStore(ctx: RunContext): Promise<Store> {
  if (!ctx.config.postgres) {
    throw new ConfigError(`context "${ctx.contextName}" has no postgres store, so it keeps no tune baselines`, {
      hint: 'Add postgres to the context: baselines and experiments are kept in the operational store.',
    });
  }
  return runStore(ctx);
}

/**
 * The pipeline's measures now (over the window) for the selected connectors, and — for the whole pipeline
 * (no selector) or when asked by name — the Cassandra CDC backlog (cassandra.ts).
 */
export async function measureNow(
  ctx: RunContext,
  selector: string[],
  windowSeconds: number,
): Promise<{at: string; measures: Measure[]; warnings: string[]}> {
  const connectors = selector.filter((s) => s !== CASSANDRA_CDC);
  const withCassandra = measuresCassandra(ctx) && (selector.length === 0 || connectors.length < selector.length);
  const observed =
    connectors.length > 0 || selector.length === 0
      ? await observe(ctx, connectors, windowSeconds)
      : {at: new Date().toISOString(), observations: [], warnings: [] as string[]};
  const measures = observed.observations.map(measureOf);
  if (withCassandra) {
    const backlog = await cassandraBacklog(ctx, (m) => observed.warnings.push(m));
    if (backlog) measures.push(backlog.measure);
  }
  return {at: observed.at, measures, warnings: observed.warnings};
}

export async function saveTuneBaseline(
  ctx: RunContext,
  name: string,
  selector: string[],
  options: {windowSeconds: number; replace: boolean},
): Promise<BaselineSummary> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new UsageError(`baseline name "${name}" is not valid`, {hint: 'Letters, digits, ".", "_" and "-" (≤ 64).'});
  const now = await measureNow(ctx, selector, options.windowSeconds);
  const store = await tuneStore(ctx);
  const saved = await saveBaseline(
    store,
    {
      context: ctx.contextName,
      name,
      windowSeconds: options.windowSeconds,
      measuredAt: now.at,
      actor: ctx.actor,
      measures: now.measures,
    },
    options.replace,
  );
  if (!saved) {
    throw new UsageError(`baseline ${name} exists in context ${ctx.contextName}`, {
      hint: 'Give --force to replace it, or another name.',
    });
  }
  return {
    name,
    windowSeconds: options.windowSeconds,
    measuredAt: now.at,
    actor: ctx.actor,
    measures: now.measures,
    warnings: now.warnings,
  };
}

/** The baseline against the same connectors now (over the baseline's window unless another is given). */
export async function compareTuneBaseline(
  ctx: RunContext,
  name: string,
  options: {windowSeconds?: number},
): Promise<BaselineComparison> {
  const store = await tuneStore(ctx);
  const b = await getBaseline(store, ctx.contextName, name);
  if (!b) {
    throw new CdcError('NOT_FOUND', ExitCode.usage, `no baseline ${name} in context ${ctx.contextName}`, {
      hint: '`cdcctl tune baseline list` lists them; `cdcctl tune baseline save <name>` records one.',
    });
  }
  const before = b.measures as Measure[];
  const windowSeconds = options.windowSeconds ?? b.windowSeconds;
  const now = await measureNow(
    ctx,
    before.map((m) => m.connector),
    windowSeconds,
  );
  return {
    name,
    baseline: {measuredAt: b.measuredAt, windowSeconds: b.windowSeconds, actor: b.actor},
    now: {measuredAt: now.at, windowSeconds},
    connectors: compareMeasures(before, now.measures),
    warnings: now.warnings,
  };
}

/** 3 when some connector got worse than its baseline, else 0. */
export function compareExitCode(c: BaselineComparison): ExitCode {
  return c.connectors.some((x) => x.verdict === 'worse') ? ExitCode.notOk : ExitCode.ok;
}

export async function listTuneBaselines(ctx: RunContext): Promise<BaselineSummary[]> {
  return (await listBaselines(await tuneStore(ctx), ctx.contextName)).map((b) => ({
    name: b.name,
    windowSeconds: b.windowSeconds,
    measuredAt: b.measuredAt,
    actor: b.actor,
    measures: b.measures as Measure[],
    warnings: [],
  }));
}

export async function deleteTuneBaseline(
  ctx: RunContext,
  name: string,
  dryRun: boolean,
): Promise<{name: string; deleted: boolean; dryRun: boolean}> {
  const store = await tuneStore(ctx);
  if (!(await getBaseline(store, ctx.contextName, name)))
    throw new CdcError('NOT_FOUND', ExitCode.usage, `no baseline ${name} in context ${ctx.contextName}`, {
      hint: '`cdcctl tune baseline list` lists them.',
    });
  if (dryRun) return {name, deleted: false, dryRun};
  return {name, deleted: await deleteBaseline(store, ctx.contextName, name), dryRun};
}
