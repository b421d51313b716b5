import type {ConfigKeyInfo, PluginInfo} from '../clients/connect.js';
import type {ApplyResult} from '../services/connectors/apply.js';
import type {ControlResult} from '../services/connectors/control.js';
import type {ConnectorDescription, ConnectorStatusView} from '../services/connectors/inspect.js';
import type {ConnectorSummary} from '../services/connectors/list.js';
import type {LoggerPlan, LoggerRow} from '../services/connectors/plugins.js';
import type {TaskRestart, TaskRow} from '../services/connectors/tasks.js';
import {formatChange} from './changes.js';
import {color, paintState, renderTable} from './render.js';

/** Terminal renderings of connector operations' results (JSON output is the result itself). */

const past: Record<string, string> = {create: 'created', update: 'updated', delete: 'deleted'};

export function renderApply(results: ApplyResult[], dryRun: boolean): string {
  const c = color();
  const lines: string[] = [];
  for (const r of results) {
    const planned = r.action === 'create' || r.action === 'update' || r.action === 'delete';
    const verb = r.applied
      ? past[r.action]!
      : r.skipped && planned
        ? `${r.action} (not applied)`
        : dryRun && planned
          ? `${r.action} (dry run)`
          : r.action;
    lines.push(`${c.bold(r.name)}: ${paintState(verb)}${r.source === 'stdin' ? '' : c.dim(`  (${r.source})`)}`);
    if (r.action !== 'unchanged' && r.action !== 'delete')
      for (const ch of r.changes) lines.push(`    ${formatChange(ch)}`);
    for (const e of r.errors) lines.push(c.red(`    ! ${e.key}: ${e.messages.join('; ')}`));
    if (r.error) lines.push(c.red(`    ! ${r.error.message}`));
  }
  const count = (a: string) => results.filter((r) => r.action === a).length;
  const held = results.some((r) => r.skipped);
  const verbs = dryRun || held ? ['to create', 'to update', 'to delete'] : ['created', 'updated', 'deleted'];
  const pruned = count('delete') ? `, ${count('delete')} ${verbs[2]}` : '';
  const tail = held
    ? ' — nothing was written: fix the invalid definition(s) first'
    : dryRun
      ? ' — dry run, nothing changed'
      : '';
  lines.push(
    `${results.length} connector(s): ${count('create')} ${verbs[0]}, ${count('update')} ${verbs[1]}${pruned}, ` +
      `${count('unchanged')} unchanged, ${count('invalid')} invalid, ${count('failed')} failed${tail}`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderControl(results: ControlResult[], wide: boolean): string {
  if (results.length === 0) return 'No connector matched.';
  const table = renderTable(
    results,
    [
      {header: 'CONNECTOR', value: (r) => r.name},
      {header: 'ACTION', value: (r) => r.action},
      {
        header: 'RESULT',
        value: (r) => r.outcome,
        paint: (t) => paintState(t === 'done' ? 'ok' : t === 'failed' ? 'failed' : 'unchanged'),
      },
      {header: 'BEFORE', value: (r) => r.before ?? ''},
      {header: 'AFTER', value: (r) => r.after ?? '', wide: true},
      {header: 'MESSAGE', value: (r) => r.message ?? ''},
    ],
    wide,
  );
  const n = (o: string) => results.filter((r) => r.outcome === o).length;
  return `${table}\n\n${results.length} connector(s): ${n('done')} done, ${n('skipped')} skipped, ${n('failed')} failed`;
}

export function renderStatuses(statuses: ConnectorStatusView[], wide: boolean): string {
  if (statuses.length === 0) return 'No connectors.';
  const rows = statuses.flatMap((s) => [
    {name: s.name, what: 'connector', state: s.state, worker: s.workerId ?? '', cause: s.cause ?? ''},
    ...s.tasks.map((t) => ({
      name: s.name,
      what: `task ${t.id}`,
      state: t.state,
      worker: t.workerId,
      cause: t.cause ?? '',
    })),
  ]);
  return renderTable(
    rows,
    [
      {header: 'CONNECTOR', value: (r) => r.name},
      {header: 'INSTANCE', value: (r) => r.what},
      {header: 'STATE', value: (r) => r.state, paint: paintState},
      {header: 'WORKER', value: (r) => r.worker},
      {header: 'CAUSE', value: (r) => (wide ? r.cause : truncate(r.cause, 100))},
    ],
    wide,
  );
}

export function renderDescriptions(list: ConnectorDescription[]): string {
  const c = color();
  return list
    .map((d) => {
      const lines = [
        `${c.bold('Name:')}      ${d.name}`,
        `${c.bold('Type:')}      ${d.type}`,
        `${c.bold('Class:')}     ${d.connectorClass}${d.pluginVersion ? ` (plugin ${d.pluginVersion})` : ''}`,
        `${c.bold('State:')}     ${paintState(d.state)}${d.workerId ? ` on ${d.workerId}` : ''}${d.cause ? ` — ${d.cause}` : ''}`,
        `${c.bold('Tasks:')}`,
        ...(d.tasks.length
          ? d.tasks.map((t) => `  ${t.id}  ${paintState(t.state)}  ${t.workerId}${t.cause ? `  ${t.cause}` : ''}`)
          : ['  (none)']),
        `${c.bold('Topics:')}    ${d.topics === null ? '(topic tracking disabled)' : d.topics.join(', ') || '(none yet)'}`,
        `${c.bold('Offsets:')}   ${'error' in d.offsets ? d.offsets.error : `${d.offsets.partitions} source partition(s)/topic partition(s)`}`,
        `${c.bold('Config:')}`,
        ...Object.keys(d.config)
          .sort()
          .map((k) => `  ${k}: ${d.config[k]}`),
      ];
      return lines.join('\n');
    })
    .join('\n\n');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** `connectors loggers set --dry-run`: one row per worker and logger reached, its level now and then. */
export function renderLoggerPlan(p: LoggerPlan, wide: boolean): string {
  const rows = p.workers.flatMap((w) =>
    w.error
      ? [{w, l: undefined}]
      : w.loggers.map((l) => ({w, l: l as LoggerPlan['workers'][number]['loggers'][number] | undefined})),
  );
  const table = renderTable(
    rows,
    [
      {header: 'WORKER', value: (r) => r.w.worker},
      {header: 'LOGGER', value: (r) => r.l?.logger ?? p.logger},
      {header: 'LEVEL NOW', value: (r) => r.l?.current ?? ''},
      {header: 'WOULD BE', value: (r) => (r.l ? r.l.next : `not asked: ${r.w.error}`)},
    ],
    wide,
  );
  const changing = rows.filter((r) => r.l?.changes).length;
  return `${table}\nDry run (${p.scope} scope): ${changing} of ${rows.length} logger level(s) would change; nothing was changed.`;
}

export function renderTaskRestarts(results: TaskRestart[]): string {
  if (results.length === 0) return 'No task to restart.\n';
  return `${renderTable(results, [
    {header: 'TASK', value: (r) => r.id},
    {header: 'BEFORE', value: (r) => r.before},
    {header: 'RESULT', value: (r) => r.outcome},
    {header: 'MESSAGE', value: (r) => r.message ?? ''},
  ])}\n`;
}

export function renderConnectorList(connectors: ConnectorSummary[], wide: boolean): string {
  if (connectors.length === 0) return 'No connectors.';
  return renderTable(
    connectors,
    [
      {header: 'NAME', value: (c) => c.name},
      {header: 'TYPE', value: (c) => c.type},
      {header: 'STATE', value: (c) => c.state, paint: paintState},
      {
        header: 'TASKS',
        value: (c) => `${c.tasks.running}/${c.tasks.total}${c.tasks.failed ? ` (${c.tasks.failed} failed)` : ''}`,
      },
      {header: 'WORKERS', value: (c) => workers(c), wide: true},
      {header: 'CLASS', value: (c) => c.connectorClass, wide: true},
    ],
    wide,
  );
}

function workers(c: ConnectorSummary): string {
  return [...new Set([c.workerId, ...c.taskStates.map((t) => t.workerId)].filter(Boolean))].join(',');
}

export function renderTasks(tasks: TaskRow[], wide: boolean): string {
  return renderTable(
    tasks,
    [
      {header: 'TASK', value: (t) => t.id},
      {header: 'STATE', value: (t) => t.state, paint: paintState},
      {header: 'WORKER', value: (t) => t.workerId},
      {header: 'CAUSE', value: (t) => t.cause ?? ''},
    ],
    wide,
  );
}

export function renderLoggers(loggers: LoggerRow[], wide: boolean): string {
  return renderTable(
    loggers,
    [
      {header: 'LOGGER', value: (l) => l.logger},
      {header: 'LEVEL', value: (l) => l.level},
      {header: 'LAST MODIFIED', value: (l) => l.lastModified ?? ''},
    ],
    wide,
  );
}

export function renderPlugins(plugins: PluginInfo[], wide: boolean): string {
  return renderTable(
    plugins,
    [
      {header: 'CLASS', value: (p) => p.class},
      {header: 'TYPE', value: (p) => p.type},
      {header: 'VERSION', value: (p) => p.version ?? ''},
    ],
    wide,
  );
}

/** A plugin's config keys; the documentation column (wide only) keeps its first sentence unless wide. */
export function renderPluginConfig(defs: ConfigKeyInfo[], wide: boolean): string {
  return renderTable(
    defs,
    [
      {header: 'NAME', value: (d) => d.name},
      {header: 'TYPE', value: (d) => d.type},
      {header: 'REQUIRED', value: (d) => (d.required ? 'yes' : '')},
      {header: 'DEFAULT', value: (d) => d.default_value ?? ''},
      {header: 'IMPORTANCE', value: (d) => d.importance, wide: true},
      {
        header: 'DOCUMENTATION',
        value: (d) => (wide ? d.documentation : (d.documentation ?? '').split('. ')[0]),
        wide: true,
      },
    ],
    wide,
  );
}
