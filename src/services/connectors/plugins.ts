import type {ConfigKeyInfo, PluginInfo} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
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

export async function setLogger(
  ctx: RunContext,
  logger: string,
  level: string,
  scope: 'worker' | 'cluster',
): Promise<{logger: string; level: string; scope: string; affected: string[]}> {
  const connect = connectClient(ctx);
  try {
    if (scope === 'cluster' && !(await connect.supports('clusterLoggers'))) {
      throw new CdcError(
        'UNSUPPORTED',
        ExitCode.usage,
        `--scope cluster needs Kafka Connect 3.7 or later; this worker runs ${(await connect.serverInfo()).version}`,
      );
    }
    const affected = await connect.setLogger(logger, level.toUpperCase(), scope);
    return {logger, level: level.toUpperCase(), scope, affected};
  } finally {
    await connect.close();
  }
}
