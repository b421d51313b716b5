import type {ConnectClient, ExpandedConnector} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import type {RunContext} from '../../runtime.js';
import {runStore} from '../../store/index.js';
import {forgetPaused, listPaused, recordPaused} from '../../store/pause-ledger.js';
import {type ControlOptions, type ControlResult, controlConnectors, resolveSelection} from '../connectors/control.js';

/**
 * Pipeline-wide control: pause-all, resume-all (only what pause-all paused, unless --all) and
 * restart-failed. The set paused by pause-all is kept in the operational store per context, so
 * another operator on another machine resumes the same set.
 */

export interface BulkPlan {
  /** Connectors the action will be applied to. */
  targets: Record<string, ExpandedConnector>;
  /** Connectors in the selection left alone, with the reason. */
  skipped: Array<{name: string; reason: string}>;
}

export interface BulkRun {
  connect: ConnectClient;
  plan: BulkPlan;
  close(): Promise<void>;
}

export type BulkKind = 'pause-all' | 'resume-all' | 'restart-failed';

export async function planBulk(
  ctx: RunContext,
  kind: BulkKind,
  selector: string[],
  options: {all?: boolean} = {},
): Promise<BulkRun> {
  const connect = connectClient(ctx);
  try {
    // The listing (states are all the plan needs) and the ledger (the run's store) at the same time.
    const [selected, paused] = await Promise.all([
      resolveSelection(connect, selector, {info: false}),
      kind === 'resume-all' && !options.all ? pausedByUs(ctx) : undefined,
    ]);
    const plan: BulkPlan = {targets: {}, skipped: []};
    const ledger = paused ? new Set(paused) : undefined;
    for (const [name, e] of Object.entries(selected).sort(([a], [b]) => a.localeCompare(b))) {
      const state = e.status?.connector.state;
      const failed = state === 'FAILED' || (e.status?.tasks ?? []).some((t) => t.state === 'FAILED');
      let reason: string | undefined;
      // UNASSIGNED: its worker left the group and no other has taken it yet (scheduled.rebalance.max.delay.ms).
      // Its target state is still written, and is what the next worker to take it starts it in.
      const unassigned = state === 'UNASSIGNED';
      if (kind === 'pause-all' && state !== 'RUNNING' && !unassigned) reason = `is ${state ?? 'UNKNOWN'}, not RUNNING`;
      if (kind === 'resume-all' && state !== 'PAUSED' && state !== 'STOPPED' && !unassigned)
        reason = `is ${state ?? 'UNKNOWN'}`;
      else if (kind === 'resume-all' && ledger && !ledger.has(name))
        reason = 'was not paused by pause-all (use --all to resume it)';
      if (kind === 'restart-failed' && !failed) reason = 'has nothing FAILED';
      if (reason) plan.skipped.push({name, reason});
      else plan.targets[name] = e;
    }
    return {connect, plan, close: () => connect.close()};
  } catch (err) {
    await connect.close();
    throw err;
  }
}

export async function runBulk(
  ctx: RunContext,
  kind: BulkKind,
  run: BulkRun,
  options: ControlOptions,
): Promise<ControlResult[]> {
  const action = kind === 'pause-all' ? 'pause' : kind === 'resume-all' ? 'resume' : 'restart';
  const extra = kind === 'restart-failed' ? {includeTasks: true, onlyFailed: true} : {};
  const results = await controlConnectors(run.connect, run.plan.targets, action, {...options, ...extra});
  if (!options.dryRun && kind !== 'restart-failed') {
    // Requested is what counts: a connector whose pause (or resume) Connect accepted has that target state
    // even when --wait ran out before it got there (a rebalance), so resume-all must still see it as ours.
    const done = results.filter((r) => r.outcome === 'done' || r.error?.code === 'WAIT_TIMEOUT').map((r) => r.name);
    // The ledger lives in the run's store: the connection the audit trail opened when the run
    // started (the base command closes it), not one more connect and migration check.
    const store = await runStore(ctx);
    if (kind === 'pause-all') await recordPaused(store, ctx.contextName, done, ctx.actor);
    else await forgetPaused(store, ctx.contextName, done);
  }
  return results;
}

async function pausedByUs(ctx: RunContext): Promise<string[]> {
  return (await listPaused(await runStore(ctx), ctx.contextName)).map((p) => p.connector);
}
