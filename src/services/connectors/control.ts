import type {ConnectClient, ConnectorState, ExpandedConnector} from '../../clients/connect.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import {mapSettled} from '../../util/concurrency.js';
import type {ConfigHistory} from './config-history.js';
import {compileSelector} from './select.js';

/**
 * State changes on many connectors at once — pause, resume, stop, restart, delete — with bounded
 * concurrency, a result per connector, optional waiting for the target state, and never stopping
 * at the first failure unless asked to.
 */

export type ControlAction = 'pause' | 'resume' | 'stop' | 'restart' | 'delete';

export interface ControlOptions {
  concurrency: number;
  dryRun?: boolean;
  failFast?: boolean;
  /** restart only: also restart tasks; only the failed ones. */
  includeTasks?: boolean;
  onlyFailed?: boolean;
  /** Wait until each connector reached the action's target state, up to this many ms. */
  waitMs?: number;
  pollMs?: number;
  /** delete only: records the deletion as a config version. */
  history?: ConfigHistory;
}

export interface ControlResult {
  name: string;
  action: ControlAction;
  /** "done" (requested; or reached with wait), "skipped" (dry run or nothing to do), "failed". */
  outcome: 'done' | 'skipped' | 'failed';
  before?: string;
  after?: string;
  message?: string;
  error?: {code: string; message: string; exitCode: ExitCode};
}

export const TARGET_STATE: Record<ControlAction, ConnectorState | 'ABSENT'> = {
  pause: 'PAUSED',
  resume: 'RUNNING',
  stop: 'STOPPED',
  restart: 'RUNNING',
  delete: 'ABSENT',
};

/** Resolves names, globs and /regex/ against the worker's connectors; a plain name must exist. */
export async function resolveSelection(
  connect: ConnectClient,
  patterns: string[],
  options: {info?: boolean} = {},
): Promise<Record<string, ExpandedConnector>> {
  const all = await connect.listExpanded(options);
  if (patterns.length === 0) return all;
  const match = compileSelector(patterns);
  const missing = patterns.filter((p) => !/[*?[]|^\/.*\/i?$/.test(p) && !(p in all));
  if (missing.length > 0) {
    throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${missing.join(', ')}`, {
      hint: 'See `cdcctl connectors list` for the names.',
    });
  }
  return Object.fromEntries(Object.entries(all).filter(([name]) => match(name)));
}

export async function controlConnectors(
  connect: ConnectClient,
  targets: Record<string, ExpandedConnector>,
  action: ControlAction,
  options: ControlOptions,
): Promise<ControlResult[]> {
  if (action === 'stop' && !(await connect.supports('stop'))) {
    throw new UsageError(
      `stopping connectors needs Kafka Connect 3.5 or later; this worker runs ${(await connect.serverInfo()).version}`,
    );
  }
  const names = Object.keys(targets).sort();
  let aborted = false;
  const settled = await mapSettled(names, options.concurrency, async (name) => {
    const before = targets[name]?.status?.connector.state;
    const base: ControlResult = {name, action, outcome: 'done', ...(before ? {before} : {})};
    if (aborted)
      return {
        ...base,
        outcome: 'skipped',
        message: 'not attempted after an earlier failure (--fail-fast)',
      } as ControlResult;
    if (options.dryRun)
      return {...base, outcome: 'skipped', message: `would ${describe(action, options)}`} as ControlResult;
    try {
      await perform(connect, name, action, options);
      return base;
    } catch (err) {
      if (options.failFast) aborted = true;
      throw err;
    }
  });
  const results = settled.map((s, i): ControlResult => {
    if (s.ok) return s.value;
    const error = asError(s.error);
    if (error.exitCode === ExitCode.bug) throw s.error;
    return {name: names[i]!, action, outcome: 'failed', error, message: error.message};
  });
  if (options.waitMs !== undefined && !options.dryRun) await waitForTargets(connect, results, options);
  return results;
}

async function perform(
  connect: ConnectClient,
  name: string,
  action: ControlAction,
  options: ControlOptions,
): Promise<void> {
  switch (action) {
    case 'pause':
      return connect.pause(name);
    case 'resume':
      return connect.resume(name);
    case 'stop':
      return connect.stop(name);
    case 'delete':
      await connect.delete(name);
      return options.history?.recordDelete(name);
    case 'restart':
      await connect.restart(name, {includeTasks: options.includeTasks, onlyFailed: options.onlyFailed});
  }
}

function describe(action: ControlAction, options: ControlOptions): string {
  if (action !== 'restart') return action;
  return `restart${options.includeTasks ? ' with tasks' : ''}${options.onlyFailed ? ' (only failed)' : ''}`;
}

/**
 * Polls every connector of the run (one `GET /connectors?expand=status` per round) until each is in
 * its target state with all tasks there too; those that never get there fail with the state they
 * are stuck in (exit 3 for the command).
 */
async function waitForTargets(
  connect: ConnectClient,
  results: ControlResult[],
  options: ControlOptions,
): Promise<void> {
  const pending = new Map(results.filter((r) => r.outcome === 'done').map((r) => [r.name, r]));
  const deadline = Date.now() + (options.waitMs ?? 0);
  const poll = options.pollMs ?? 500;
  let last: Record<string, ExpandedConnector> = {};
  while (pending.size > 0) {
    last = await connect.listExpanded();
    for (const [name, r] of pending) {
      if (reached(r.action, last[name], options)) {
        r.after = describeState(last[name]);
        pending.delete(name);
      }
    }
    if (pending.size === 0 || Date.now() >= deadline) break;
    await new Promise((res) => setTimeout(res, poll));
  }
  for (const [name, r] of pending) {
    const stuck = describeState(last[name]);
    r.outcome = 'failed';
    r.after = stuck;
    r.message = `did not reach ${TARGET_STATE[r.action]} within ${options.waitMs} ms; stuck in ${stuck}`;
    r.error = {code: 'WAIT_TIMEOUT', message: `${name}: ${r.message}`, exitCode: ExitCode.notOk};
  }
}

export function reached(
  action: ControlAction,
  e: ExpandedConnector | undefined,
  options: ControlOptions = {concurrency: 1},
): boolean {
  const target = TARGET_STATE[action];
  if (target === 'ABSENT') return e === undefined;
  const status = e?.status;
  if (!status || status.connector.state !== target) return false;
  if (target === 'STOPPED') return status.tasks.length === 0;
  if (action === 'restart' && options.includeTasks === false) return true;
  return status.tasks.length > 0 && status.tasks.every((t) => t.state === target);
}

function describeState(e: ExpandedConnector | undefined): string {
  if (!e?.status) return e ? 'UNKNOWN' : 'ABSENT';
  const tasks = e.status.tasks.map((t) => `${t.id}:${t.state}`).join(' ');
  return `${e.status.connector.state}${tasks ? ` (tasks ${tasks})` : ''}`;
}

function asError(err: unknown): {code: string; message: string; exitCode: ExitCode} {
  if (err instanceof CdcError) return {code: err.code, message: err.message, exitCode: err.exitCode};
  return {code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), exitCode: ExitCode.bug};
}

/**
 * The exit code of a bulk run: 0 all done; 3 when only waits timed out; 5 when some succeeded and
 * others failed; when all failed, the first failure's own code (4 unreachable, 2 bad request…).
 */
export function controlExitCode(results: ControlResult[]): ExitCode {
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) return ExitCode.ok;
  if (failed.every((r) => r.error?.code === 'WAIT_TIMEOUT')) return ExitCode.notOk;
  if (failed.length < results.length) return ExitCode.partial;
  return failed[0]?.error?.exitCode ?? ExitCode.partial;
}
