import type {
  DiscardResult,
  DlqListItem,
  ExportRow,
  ListResult,
  PurgeResult,
  RecordDetail,
  SummaryResult,
} from '../services/dlq/browse.js';
import type {ReplayPlan, ReplayResult} from '../services/dlq/replay.js';
import type {SyncPlan, SyncResult} from '../services/dlq/sync.js';
import {color, renderTable} from './render.js';

/** Renderers for `dlq *`: tables, the record view, CSV/NDJSON export lines and progress. */

const short = (s: string | null | undefined, n: number) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : (s ?? ''));
const simpleClass = (c: string | null) => (c ? (c.split('.').at(-1) ?? c) : '');
const src = (r: DlqListItem) => (r.srcTopic ? `${r.srcTopic}[${r.srcPartition ?? '?'}]@${r.srcOffset ?? '?'}` : '');

export function renderList(result: ListResult, wide: boolean): string {
  const table = renderTable(
    result.records,
    [
      {header: 'ID', value: (r) => r.id},
      {header: 'CONNECTOR', value: (r) => r.connector ?? ''},
      {header: 'STAGE', value: (r) => r.stage ?? ''},
      {header: 'EXCEPTION', value: (r) => (wide ? (r.exceptionClass ?? '') : simpleClass(r.exceptionClass))},
      {header: 'MESSAGE', value: (r) => short(r.exceptionMessage?.split('\n')[0], wide ? 200 : 60)},
      {header: 'SOURCE', value: src},
      {header: 'TIME', value: (r) => r.dlqTimestamp ?? r.firstSeen},
      {header: 'STATUS', value: (r) => r.status, paint: paintStatus},
      {header: 'RUN', value: (r) => r.replayRun ?? '', wide: true},
      {header: 'DLQ', value: (r) => `${r.dlqTopic}[${r.dlqPartition}]@${r.dlqOffset}`, wide: true},
      {header: 'BYTES', value: (r) => `${r.keyBytes ?? '-'}/${r.valueBytes ?? '-'}`, wide: true},
    ],
    wide,
  );
  const end = Math.min(result.offset + result.records.length, result.total);
  const next = result.next
    ? ` (next page: ${result.next.after ? `--after ${result.next.after}` : `--offset ${result.next.offset}`})`
    : '';
  const foot =
    result.total === 0
      ? 'No dead-letter records match.'
      : result.records.length === 0
        ? `no records on this page (${result.total} in all)`
        : `${result.offset + 1}–${end} of ${result.total}${next}`;
  return result.records.length ? `${table}\n${foot}` : foot;
}

export function paintStatus(s: string): string {
  const c = color();
  return s === 'new' ? c.yellow(s) : s === 'replayed' ? c.green(s) : s === 'replaying' ? c.red(s) : c.gray(s);
}

export function renderSummary(result: SummaryResult, wide: boolean): string {
  if (!result.groups.length) return 'No dead-letter records match.';
  const table = renderTable(
    result.groups,
    [
      {header: 'CONNECTOR', value: (g) => g.connector ?? '(none)'},
      {header: 'STAGE', value: (g) => g.stage ?? ''},
      {header: 'EXCEPTION', value: (g) => (wide ? (g.exceptionClass ?? '') : simpleClass(g.exceptionClass))},
      {header: 'COUNT', value: (g) => g.count},
      {header: 'NEW', value: (g) => g.byStatus.new},
      {header: 'REPLAYED', value: (g) => g.byStatus.replayed},
      {header: 'DISCARDED', value: (g) => g.byStatus.discarded},
      {header: 'IN DOUBT', value: (g) => g.byStatus.replaying, wide: true},
      {header: 'OLDEST', value: (g) => g.oldest ?? ''},
      {header: 'NEWEST', value: (g) => g.newest ?? ''},
    ],
    wide,
  );
  return `${table}\n${result.total} record(s) from the ${result.source}`;
}

export function renderDetail(d: RecordDetail): string {
  const c = color();
  const lines: string[] = [];
  const kv = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '') lines.push(`${c.bold(`${k}:`.padEnd(18))}${v}`);
  };
  kv('Id', d.id);
  kv('Status', d.status + (d.replayRun ? ` (run ${d.replayRun}${d.replayedAt ? ` at ${d.replayedAt}` : ''})` : ''));
  kv('Discarded', d.discardReason ? `${d.discardedAt}: ${d.discardReason}` : '');
  kv('Connector', d.connector === null ? '' : `${d.connector} task ${d.taskId ?? '?'}`);
  kv('Stage', d.stage);
  kv('Failing class', d.className);
  kv('Exception', d.exceptionClass);
  kv('Message', d.exceptionMessage);
  kv(
    'Original record',
    d.srcTopic
      ? `${d.srcTopic} partition ${d.srcPartition} offset ${d.srcOffset}`
      : '(unknown: context headers disabled)',
  );
  kv(
    'DLQ record',
    `${d.dlqTopic} partition ${d.dlqPartition} offset ${d.dlqOffset}${d.dlqTimestamp ? ` at ${d.dlqTimestamp}` : ''}`,
  );
  kv('First seen', d.source === 'store' ? d.firstSeen : '');
  for (const [name, v] of [
    ['Key', d.key],
    ['Value', d.value],
  ] as const) {
    const head = `${name} (${v.format}${v.schemaId !== undefined ? `, schema id ${v.schemaId}` : ''}${v.note ? `; ${v.note}` : ''})`;
    lines.push('', c.bold(`${head}:`));
    lines.push(indent(typeof v.value === 'string' ? v.value : JSON.stringify(v.value, null, 2)));
  }
  const own = d.headers.filter((h) => !h.error);
  lines.push('', c.bold('Headers:'));
  if (!own.length) lines.push('  (none besides the Connect error headers)');
  for (const h of own) lines.push(`  ${h.key}: ${h.value ?? '(null)'}${h.encoding === 'base64' ? ' (base64)' : ''}`);
  if (d.stacktrace) lines.push('', c.bold('Trace:'), indent(d.stacktrace.trimEnd()));
  return lines.join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function renderSync(r: SyncResult): string {
  if (!r.topics.length) return NO_DLQ_TOPIC;
  const table = renderTable(r.topics, [
    {header: 'TOPIC', value: (t) => t.topic},
    {header: 'CONNECTORS', value: (t) => t.connectors.join(',')},
    {header: 'READ', value: (t) => (t.exists ? t.read : 'not created yet')},
    {header: 'NEW', value: (t) => t.inserted},
  ]);
  const secs = (r.durationMs / 1000).toFixed(1);
  return `${table}\n${r.read} read, ${r.inserted} new in ${secs}s (group ${r.group})`;
}

const NO_DLQ_TOPIC = 'No connector names a dead-letter topic (errors.deadletterqueue.topic.name).';

/** `dlq sync --dry-run`: one row per partition (one per topic not created yet), then the totals. */
export function renderSyncPlan(p: SyncPlan): string {
  if (!p.topics.length) return `${NO_DLQ_TOPIC}\nDry run: nothing was changed.`;
  const rows = p.topics.flatMap((t) =>
    t.exists && t.partitions.length
      ? t.partitions.map((x) => ({t, x}))
      : [{t, x: undefined as SyncPlan['topics'][number]['partitions'][number] | undefined}],
  );
  const table = renderTable(rows, [
    {header: 'TOPIC', value: (r) => r.t.topic},
    {header: 'CONNECTORS', value: (r) => r.t.connectors.join(',')},
    {header: 'PARTITION', value: (r) => (r.x ? r.x.partition : r.t.exists ? '-' : 'not created yet')},
    {header: 'COMMITTED', value: (r) => (r.x ? (r.x.committed ?? 'none') : '')},
    {header: 'FROM', value: (r) => r.x?.start ?? ''},
    {header: 'END', value: (r) => r.x?.high ?? ''},
    {header: 'TO READ', value: (r) => r.x?.pending ?? 0},
  ]);
  return `${table}\nDry run: would read ${p.pending} record(s) into the store with group ${p.group}${p.fromBeginning ? ' (from the beginning)' : ''}; nothing was changed.`;
}

export function renderPlan(p: ReplayPlan, dryRun: boolean): string {
  const lines: string[] = [];
  lines.push(
    `${dryRun ? 'Would replay' : 'Replaying'} ${p.eligible} record(s)${p.resume ? ` (resuming run ${p.runId}${p.inDoubt ? `, ${p.inDoubt} in doubt to check first` : ''})` : ` as run ${p.runId}`} from the ${p.source}:`,
  );
  for (const t of p.byTarget) lines.push(`  → ${t.topic}: ${t.count}`);
  const skipped = Object.entries(p.skipped).filter(([, n]) => n);
  if (skipped.length) {
    lines.push(
      `  skipped: ${skipped.map(([s, n]) => `${n} ${s}`).join(', ')}${p.skipped.replayed ? ' (--force replays again)' : ''}`,
    );
  }
  if (p.withoutTopic) lines.push(`  skipped: ${p.withoutTopic} without an original topic (use --to-topic)`);
  for (const r of p.otherRunsInDoubt) {
    lines.push(
      `  note: run ${r.runId} was interrupted with ${r.count} record(s) in doubt; resume it with --run-id ${r.runId}`,
    );
  }
  if (p.source === 'topic')
    lines.push('  note: without the store nothing records this replay; running it again sends again');
  if (p.notFound.length) lines.push(`  ${notFoundLine(p.notFound)}`);
  return lines.join('\n');
}

export function renderReplay(r: ReplayResult): string {
  const parts = [`Run ${r.runId} ${r.state}: ${r.produced} produced`];
  if (r.recovered) parts.push(`${r.recovered} found already written (not re-sent)`);
  if (r.resent) parts.push(`${r.resent} in doubt re-sent`);
  let line = `${parts.join(', ')} in ${(r.durationMs / 1000).toFixed(1)}s (${r.recordsPerSecond}/s)`;
  if (r.account) {
    line += `\nAccount of the run: ${
      Object.entries(r.account)
        .filter(([, n]) => n)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'no records'
    }`;
  }
  if (r.state === 'interrupted') line += `\nResume with: cdcctl dlq replay --run-id ${r.runId}`;
  if (r.notFound.length) line += `\n${notFoundLine(r.notFound)}`;
  return line;
}

export function renderDiscard(r: DiscardResult): string {
  const ids = r.ids.length > 20 ? `${r.ids.slice(0, 20).join(', ')} …` : r.ids.join(', ');
  const lines = [
    r.count === 0
      ? 'No record to discard (new or replayed) matches.'
      : `${r.dryRun ? 'Would discard' : 'Discarded'} ${r.count} record(s)${ids ? `: ${ids}` : ''}`,
  ];
  if (r.notFound.length) lines.push(notFoundLine(r.notFound));
  return lines.join('\n');
}

function notFoundLine(ids: string[]): string {
  return `Not found: ${ids.length > 20 ? `${ids.slice(0, 20).join(', ')} …` : ids.join(', ')} (no such record)`;
}

export function renderPurge(r: PurgeResult): string {
  if (r.source === 'topic') {
    const rows = renderTable(r.partitions ?? [], [
      {header: 'PARTITION', value: (p) => p.partition},
      {header: 'DELETE BEFORE OFFSET', value: (p) => p.deleteBefore},
      {header: 'RECORDS', value: (p) => p.records},
    ]);
    return `${rows}\n${r.dryRun ? 'Would delete' : 'Deleted'} ${r.count} record(s) written before ${r.before}`;
  }
  return `${r.dryRun ? 'Would delete' : 'Deleted'} ${r.count} discarded record(s) discarded before ${r.before}`;
}

export const CSV_COLUMNS: Array<[string, (r: ExportRow) => unknown]> = [
  ['id', (r) => r.id],
  ['status', (r) => r.status],
  ['connector', (r) => r.connector],
  ['task_id', (r) => r.taskId],
  ['stage', (r) => r.stage],
  ['exception_class', (r) => r.exceptionClass],
  ['exception_message', (r) => r.exceptionMessage],
  ['src_topic', (r) => r.srcTopic],
  ['src_partition', (r) => r.srcPartition],
  ['src_offset', (r) => r.srcOffset],
  ['dlq_topic', (r) => r.dlqTopic],
  ['dlq_partition', (r) => r.dlqPartition],
  ['dlq_offset', (r) => r.dlqOffset],
  ['dlq_timestamp', (r) => r.dlqTimestamp],
  ['first_seen', (r) => r.firstSeen],
  ['replay_run', (r) => r.replayRun],
  ['replayed_at', (r) => r.replayedAt],
  ['discard_reason', (r) => r.discardReason],
  ['key_base64', (r) => r.keyBase64],
  ['value_base64', (r) => r.valueBase64],
  ['key_text', (r) => r.keyText],
  ['value_text', (r) => r.valueText],
  ['headers_json', (r) => JSON.stringify(r.headers)],
];

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.map(([h]) => h).join(',')}\r\n`;
}

export function csvLine(r: ExportRow): string {
  return `${CSV_COLUMNS.map(([, f]) => csvCell(f(r))).join(',')}\r\n`;
}

export function ndjsonLine(r: unknown): string {
  return `${JSON.stringify(r)}\n`;
}

/** A one-line progress bar for stderr on a TTY. */
export function progressLine(label: string, done: number, total: number, startedAt: number): string {
  const width = 30;
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const secs = (Date.now() - startedAt) / 1000;
  const rate = secs > 0 ? Math.round(done / secs) : 0;
  return `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate}/s `;
}
