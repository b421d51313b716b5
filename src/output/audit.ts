import type {VerifyResult} from '../services/audit/verify.js';
import type {AuditRecord} from '../store/audit-record.js';
import {color, paintState, renderTable} from './render.js';

export function renderAuditList(records: AuditRecord[], wide: boolean): string {
  if (records.length === 0) return 'No audit record matched.';
  return renderTable(
    records,
    [
      {header: 'SEQ', value: (r) => r.seq},
      {header: 'TIME', value: (r) => r.time},
      {header: 'ACTOR', value: (r) => r.actor},
      {header: 'ROLE', value: (r) => r.role, wide: true},
      {header: 'CONTEXT', value: (r) => r.context, wide: true},
      {header: 'COMMAND', value: (r) => r.command.replace(/:/g, ' ')},
      {header: 'TARGETS', value: (r) => abbreviate(r.targets)},
      {header: 'RESULT', value: (r) => r.result, paint: paintState},
      {header: 'MS', value: (r) => r.durationMs, wide: true},
      {header: 'ID', value: (r) => r.id, wide: true},
    ],
    wide,
  );
}

function abbreviate(targets: string[]): string {
  return targets.length <= 3 ? targets.join(', ') : `${targets.slice(0, 3).join(', ')} +${targets.length - 3}`;
}

export function renderAuditRecord(r: AuditRecord): string {
  const rows: Array<[string, string]> = [
    ['id', r.id],
    ['seq', String(r.seq)],
    ['time', r.time],
    ['actor', r.actor],
    ['role', r.role],
    ['context', r.context],
    ['command', r.command.replace(/:/g, ' ')],
    ['arguments', r.args.join(' ')],
    ['targets', r.targets.join(', ')],
    ['result', r.result],
    ['error', r.error ? `${r.error.code}: ${r.error.message}` : ''],
    ['duration', `${r.durationMs} ms`],
    ['version', r.version],
    ['host', r.host],
    ['prev hash', r.prevHash],
    ['hash', r.hash],
  ];
  return `${rows.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`).join('\n')}\n`;
}

export const CSV_COLUMNS = [
  'seq',
  'id',
  'time',
  'actor',
  'role',
  'context',
  'command',
  'args',
  'targets',
  'result',
  'error',
  'durationMs',
  'version',
  'host',
  'prevHash',
  'hash',
] as const;

function csvCell(v: unknown): string {
  const s =
    v === null || v === undefined
      ? ''
      : Array.isArray(v)
        ? v.join(' ')
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvRows(records: AuditRecord[]): string {
  return records
    .map(
      (r) =>
        `${CSV_COLUMNS.map((c) => csvCell(c === 'error' && r.error ? `${r.error.code}: ${r.error.message}` : r[c])).join(',')}\n`,
    )
    .join('');
}

export function renderVerify(v: VerifyResult): string {
  const c = color();
  if (v.ok)
    return `${c.green('OK')}: ${v.records} record(s), chain intact up to seq ${v.head.seq} (${v.durationMs} ms)\n`;
  const lines = [
    `${c.red('TAMPERED')}: ${v.problems.length + v.moreProblems} problem(s) in ${v.records} record(s)`,
    ...v.problems.map((p) => `  ${p.kind.padEnd(10)} ${p.message}`),
  ];
  if (v.moreProblems) lines.push(`  … and ${v.moreProblems} more`);
  return `${lines.join('\n')}\n`;
}
