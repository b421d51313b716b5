import type {ConfigKeyInfo, ConnectClient, PluginInfo} from '../../clients/connect.js';
import {connectClient, connectWorkerClient} from '../../clients/factory.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';

/** Installed plugins, their config definitions, and the worker's loggers. */

export async function listPlugins(ctx: RunContext, type?: string): Promise<PluginInfo[]> {
  const connect = connectClient(ctx);
  try {
    const plugins = await connect.plugins(type === undefined || type === 'source' || type === 'sink');
    return plugins.filter((p) => !type || p.type === type).sort((a, b) => a.class.localeCompare(b.class));
  } finally {
    await connect.close();
  }
}

export async function describePlugin(ctx: RunContext, pluginClass: string, search?: string): Promise<ConfigKeyInfo[]> {
  let re: RegExp | undefined;
  if (search) {
    try {
      re = new RegExp(search, 'i');
    } catch (err) {
      throw new UsageError(`invalid --search expression: ${(err as Error).message}`);
    }
  }
  const connect = connectClient(ctx);
  try {
    const defs = await connect.pluginConfig(pluginClass);
    return defs
      .filter((d) => !re || re.test(d.name) || re.test(d.documentation ?? ''))
      .sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await connect.close();
  }
}

export interface LoggerRow {
  logger: string;
  level: string;
  lastModified: string | null;
}

export async function listLoggers(ctx: RunContext): Promise<LoggerRow[]> {
  const connect = connectClient(ctx);
  try {
    const loggers = await connect.loggers();
    return Object.entries(loggers)
      .map(([logger, l]) => ({
        logger,
        level: l.level,
        lastModified: l.last_modified ? new Date(l.last_modified).toISOString() : null,
      }))
      .sort((a, b) => a.logger.localeCompare(b.logger));
  } finally {
    await connect.close();
  }
}

export const LOG_LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;

export interface LoggerResult {
  dryRun: false;
  logger: string;
  level: string;
  scope: 'worker' | 'cluster';
  /** The loggers whose level was set, as the worker reports them (none at cluster scope). */
  affected: string[];
}

/** `connectors loggers set --dry-run`: per worker, each logger the change would reach, its level now and then. */
export interface LoggerPlan {
  dryRun: true;
  logger: string;
  level: string;
  scope: 'worker' | 'cluster';
  workers: Array<{
    /** The worker id: host:port of its REST listener. */
    worker: string;
    url: string;
    /** The named logger's level on this worker now (its own, or inherited from the nearest ancestor). */
    current: string | null;
    /** Every logger the change would set, sorted by name; `changes`: its level differs from the new one. */
    loggers: Array<{logger: string; current: string; next: string; changes: boolean}>;
    /** Another worker of the cluster could not be asked (unreachable, error): exit 4 after the plan. */
    error?: string;
  }>;
}

/** `--scope cluster` needs Kafka Connect 3.7: refused the same way whether or not it is a dry run. */
async function checkScope(connect: ConnectClient, scope: 'worker' | 'cluster'): Promise<void> {
  if (scope === 'cluster' && !(await connect.supports('clusterLoggers'))) {
    throw new CdcError(
      'UNSUPPORTED',
      ExitCode.usage,
      `--scope cluster needs Kafka Connect 3.7 or later; this worker runs ${(await connect.serverInfo()).version}`,
    );
  }
}

const isRoot = (logger: string) => logger === 'root' || logger === '';

/**
 * The loggers a level change reaches on one worker, with their levels now, from its logger list
 * (`GET /admin/loggers`), by Kafka Connect's own rule: root reaches every logger; any other name
 * reaches itself and every logger whose name starts with it (a plain prefix, as Connect matches).
 * A named logger that is not in the list yet has its nearest ancestor's level (else root's).
 */
export function loggersReached(
  all: Record<string, {level: string}>,
  logger: string,
): Array<{logger: string; current: string}> {
  const names = Object.keys(all).filter((n) => isRoot(logger) || n.startsWith(logger));
  const out = names.map((n) => ({logger: n, current: all[n]?.level ?? ''}));
  if (!isRoot(logger) && !(logger in all)) out.push({logger, current: effectiveLevel(all, logger)});
  return out.sort((a, b) => (a.logger < b.logger ? -1 : a.logger > b.logger ? 1 : 0));
}

function effectiveLevel(all: Record<string, {level: string}>, logger: string): string {
  if (isRoot(logger)) return all.root?.level ?? '';
  const parts = logger.split('.');
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join('.');
    if (all[name]) return all[name].level;
  }
  return all.root?.level ?? '';
}

/**
 * Plans a level change without making it: the worker answering (scope worker), or every worker the
 * cluster's connector and task statuses name plus that one (scope cluster), each asked for its loggers.
 */
export async function planLogger(
  ctx: RunContext,
  logger: string,
  level: string,
  scope: 'worker' | 'cluster',
): Promise<LoggerPlan> {
  const next = level.toUpperCase();
  const connect = connectClient(ctx);
  try {
    await checkScope(connect, scope);
    const configured = new URL(connect.http.baseUrl).host;
    const ids = new Set<string>();
    if (scope === 'cluster') {
      for (const c of Object.values(await connect.listExpanded())) {
        if (c.status) for (const w of [c.status.connector, ...c.status.tasks]) if (w.worker_id) ids.add(w.worker_id);
      }
    }
    const row = (worker: string, client: ConnectClient, all: Record<string, {level: string}>) => ({
      worker,
      url: client.url,
      current: effectiveLevel(all, logger) || null,
      loggers: loggersReached(all, logger).map((l) => ({...l, next, changes: l.current !== next})),
    });
    // The worker answering is asked like any request (its failure is the command's); the others, each on its own.
    const workers: LoggerPlan['workers'] = [row(configured, connect, await connect.loggers())];
    for (const id of [...ids].filter((w) => w !== configured).sort()) {
      const other = connectWorkerClient(ctx, id);
      try {
        workers.push(row(id, other, await other.loggers()));
      } catch (err) {
        workers.push({worker: id, url: other.url, current: null, loggers: [], error: (err as Error).message});
      } finally {
        await other.close();
      }
    }
    return {dryRun: true, logger, level: next, scope, workers};
  } finally {
    await connect.close();
  }
}

export async function setLogger(
  ctx: RunContext,
  logger: string,
  level: string,
  scope: 'worker' | 'cluster',
): Promise<LoggerResult> {
  const connect = connectClient(ctx);
  try {
    await checkScope(connect, scope);
    const affected = await connect.setLogger(logger, level.toUpperCase(), scope);
    return {dryRun: false, logger, level: level.toUpperCase(), scope, affected};
  } finally {
    await connect.close();
  }
}
