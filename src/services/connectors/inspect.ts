import type {ConnectClient, ConnectorState, ConnectorType, ExpandedConnector} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {redact} from '../../config/secrets.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {configHistory} from './config-history.js';
import {resolveSelection} from './control.js';
import {describeFailure} from './trace.js';

/**
 * Read-only views of connectors: describe, status, config. Configs show as cdcctl wrote them
 * (references unresolved, see ConfigHistory.writtenForm), secrets always redacted.
 */

export interface TaskView {
  id: number;
  state: ConnectorState;
  workerId: string;
  cause?: string;
}

export interface ConnectorStatusView {
  name: string;
  type: ConnectorType;
  state: ConnectorState | 'UNKNOWN';
  workerId?: string;
  cause?: string;
  tasks: TaskView[];
}

export interface ConnectorDescription extends ConnectorStatusView {
  connectorClass: string;
  pluginVersion?: string;
  config: Record<string, string>;
  /** Topics in use (KIP-558); null when the worker has topic tracking off. */
  topics: string[] | null;
  offsets: {partitions: number; sample?: unknown} | {error: string};
}

/** One connector's state and tasks, failures described by their root cause. */
export function statusView(name: string, e: ExpandedConnector): ConnectorStatusView {
  return {
    name,
    type: e.status?.type ?? e.info?.type ?? 'unknown',
    state: e.status?.connector.state ?? 'UNKNOWN',
    workerId: e.status?.connector.worker_id,
    cause: describeFailure(e.status?.connector.trace),
    tasks: (e.status?.tasks ?? []).map((t) => ({
      id: t.id,
      state: t.state,
      workerId: t.worker_id,
      cause: describeFailure(t.trace),
    })),
  };
}

export async function connectorStatuses(ctx: RunContext, selector: string[]): Promise<ConnectorStatusView[]> {
  const connect = connectClient(ctx);
  try {
    const selected = await resolveSelection(connect, selector);
    return Object.entries(selected)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => statusView(name, e));
  } finally {
    await connect.close();
  }
}

export async function describeConnectors(ctx: RunContext, selector: string[]): Promise<ConnectorDescription[]> {
  const statuses = await connectorStatuses(ctx, selector);
  const history = configHistory(ctx);
  const connect = connectClient(ctx);
  try {
    const plugins = await connect.plugins();
    return await Promise.all(
      statuses.map(async (s) => {
        const info = await connect.get(s.name);
        const cls = info.config['connector.class'] ?? '';
        const plugin = plugins.find((p) => p.class === cls || p.class.endsWith(`.${cls}`));
        return {
          ...s,
          connectorClass: cls,
          pluginVersion: plugin?.version,
          config: redact(await history.writtenForm(s.name, info.config)),
          topics: (await connect.topics(s.name)) ?? null,
          offsets: await offsetSummary(connect, s.name),
        };
      }),
    );
  } finally {
    await connect.close();
  }
}

async function offsetSummary(connect: ConnectClient, name: string): Promise<ConnectorDescription['offsets']> {
  if (!(await connect.supports('offsets'))) return {error: 'needs Kafka Connect 3.6 or later'};
  try {
    const o = await connect.offsets(name);
    return {partitions: o.offsets.length, ...(o.offsets[0] ? {sample: o.offsets[0]} : {})};
  } catch (err) {
    if (err instanceof CdcError && err.exitCode !== ExitCode.unreachable) return {error: err.message};
    throw err;
  }
}

/** The live config of one connector, secrets redacted; with `key`, only that value. */
export async function connectorConfig(ctx: RunContext, name: string, key?: string): Promise<Record<string, string>> {
  const connect = connectClient(ctx);
  try {
    const config = await connect.getConfig(name);
    if (!config) throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${name}`);
    const shown = redact(await configHistory(ctx).writtenForm(name, config));
    if (key === undefined) return shown;
    if (!(key in shown))
      throw new CdcError('NOT_FOUND', ExitCode.usage, `connector ${name} has no config key "${key}"`);
    return {[key]: shown[key]!};
  } finally {
    await connect.close();
  }
}
