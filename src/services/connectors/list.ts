import type {ConnectorState, ConnectorType, ExpandedConnector} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import type {RunContext} from '../../runtime.js';
import {compileSelector} from './select.js';

export interface ConnectorSummary {
  name: string;
  type: ConnectorType;
  state: ConnectorState | 'UNKNOWN';
  connectorClass: string;
  workerId?: string;
  tasks: {total: number; running: number; failed: number};
  taskStates: Array<{id: number; state: string; workerId: string}>;
}

export interface ListOptions {
  /** Names, globs or /regex/; empty = all. */
  select?: string[];
  /** Keep only connectors in one of these states. */
  states?: string[];
}

/** Every connector with its state and tasks, from one `GET /connectors?expand=status&expand=info`. */
export async function listConnectors(ctx: RunContext, options: ListOptions = {}): Promise<ConnectorSummary[]> {
  const connect = connectClient(ctx);
  try {
    const expanded = await connect.listExpanded();
    const matches = compileSelector(options.select ?? []);
    const states = options.states?.map((s) => s.toUpperCase());
    return Object.entries(expanded)
      .filter(([name]) => matches(name))
      .map(([name, e]) => summarize(name, e))
      .filter((c) => !states || states.includes(c.state))
      .sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await connect.close();
  }
}

export function summarize(name: string, e: ExpandedConnector): ConnectorSummary {
  const tasks = e.status?.tasks ?? [];
  return {
    name,
    type: e.status?.type ?? e.info?.type ?? 'unknown',
    state: e.status?.connector.state ?? 'UNKNOWN',
    connectorClass: e.info?.config['connector.class'] ?? '',
    workerId: e.status?.connector.worker_id,
    tasks: {
      total: tasks.length,
      running: tasks.filter((t) => t.state === 'RUNNING').length,
      failed: tasks.filter((t) => t.state === 'FAILED').length,
    },
    taskStates: tasks.map((t) => ({id: t.id, state: t.state, workerId: t.worker_id})),
  };
}
