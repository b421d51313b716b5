import type {FenceResult} from '../services/gdpr/fence.js';
import type {ErasePlan, RequestView, ResumePlan, ResumeResult, VerifyResult} from '../services/gdpr/types.js';
import {paintState, renderTable} from './render.js';

/** Renderers for `cdcctl gdpr …` (no personal data: subjects appear only as pseudonyms). */

export function renderPlan(p: ErasePlan): string {
  const rows = [
    ...p.cassandra.map((t) => ({store: 'cassandra', ...t})),
    ...p.postgres.map((t) => ({store: 'postgres', ...t})),
  ];
  const table = renderTable(rows, [
    {header: 'STORE', value: (r) => r.store},
    {header: 'TABLE', value: (r) => r.table},
    {header: 'ROWS', value: (r) => r.rows},
    {header: 'REGION', value: (r) => r.region ?? '-'},
  ]);
  const horizons = p.horizons
    .map((h) => `  ${h.topic}: ${h.note}${h.horizonAt ? ` (by ${h.horizonAt})` : ''}`)
    .join('\n');
  const unmapped = p.unmapped
    .map(
      (u) => `  ${u.store} ${u.table} has a column ${u.column} but is not in the subject map: its rows are not erased`,
    )
    .join('\n');
  return `Dry run in context "${p.context}": nothing was changed.\n\n${table}\n\nSteps:\n${p.steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}${horizons ? `\n\nKafka horizons:\n${horizons}` : ''}${unmapped ? `\n\nWarning: tables not erased that may hold the subject:\n${unmapped}` : ''}`;
}

export function renderRequest(v: RequestView, wide = false): string {
  const head = [
    `Request:     ${v.requestId}`,
    `State:       ${paintState(v.state)}`,
    `Subject:     ${v.subjectPseudonym.slice(0, 16)}… (HMAC)`,
    `Received:    ${v.receivedAt}   deadline ${v.deadlineAt}`,
    `Closed:      ${v.closedAt ?? '-'}`,
    `Delete ts:   ${v.deleteTimestampUs ?? '-'} µs`,
    v.backup
      ? `Backup:      ${v.backup.rows} row(s), sha256 ${v.backup.sha256.slice(0, 16)}…, key ${v.backup.keyId}, ${v.backup.purgedAt ? `purged ${v.backup.purgedAt}` : `purge due ${v.backup.expiresAt}`}`
      : 'Backup:      -',
    ...(v.lastError ? [`Last error:  ${v.lastError}`] : []),
    ...nodesDownLine(v),
  ].join('\n');
  const systems = renderTable(
    v.systems,
    [
      {header: 'STORE', value: (s) => s.store},
      {header: 'NAME', value: (s) => s.name},
      {header: 'LOCATED', value: (s) => s.located},
      {header: 'DELETED', value: (s) => s.deleted ?? '-'},
      {header: 'REMAINING', value: (s) => s.remaining ?? '-'},
      {header: 'VERIFIED', value: (s) => s.verifiedAt ?? '-', wide: true},
      {header: 'REGION', value: (s) => s.region ?? '-', wide: true},
    ],
    wide,
  );
  const journal = wide
    ? `\n\nJournal:\n${v.journal.map((j) => `  ${j.at}  ${j.step.padEnd(16)} ${j.phase}`).join('\n')}`
    : '';
  return `${head}\n\n${systems}${journal}`;
}

/** An erasure done while Cassandra nodes were down: which replicas may still hold the subject. */
function nodesDownLine(v: RequestView): string[] {
  const down = v.evidence.cassandraNodesDown;
  if (!Array.isArray(down) || down.length === 0) return [];
  return [
    `Warning:     Cassandra node(s) ${down.join(', ')} were down at the delete: they hold the subject until hints or a repair reach them (\`cdcctl gdpr verify ${v.requestId} --consistency ALL\` once they are back)`,
  ];
}

export function renderList(rows: RequestView[], wide: boolean): string {
  return renderTable(
    rows,
    [
      {header: 'REQUEST', value: (r) => r.requestId},
      {header: 'STATE', value: (r) => r.state, paint: (t) => paintState(t)},
      {header: 'RECEIVED', value: (r) => r.receivedAt},
      {header: 'DEADLINE', value: (r) => r.deadlineAt, wide: true},
      {header: 'CLOSED', value: (r) => r.closedAt ?? '-'},
      {header: 'ROWS', value: (r) => r.systems.reduce((n, s) => n + (s.deleted ?? 0), 0)},
      {header: 'SUBJECT', value: (r) => `${r.subjectPseudonym.slice(0, 12)}…`, wide: true},
      {header: 'ERROR', value: (r) => r.lastError ?? '', wide: true},
    ],
    wide,
  );
}

export function renderResume(r: ResumeResult): string {
  if (r.requests.length === 0 && r.needsOperator.length === 0) return 'No unfinished erasure requests.';
  const table = renderTable(r.requests, [
    {header: 'REQUEST', value: (x) => x.requestId},
    {header: 'FROM', value: (x) => x.from},
    {header: 'TO', value: (x) => x.to, paint: (t) => paintState(t)},
    {header: 'ERROR', value: (x) => x.error ?? ''},
  ]);
  return `${table}${r.needsOperator.length ? `\n\nNeeds an operator: ${r.needsOperator.join(', ')}` : ''}`;
}

/** `gdpr resume --dry-run`: each request, where it stopped and what a resume would run. */
export function renderResumePlan(p: ResumePlan): string {
  const head = `Dry run in context "${p.context}": nothing was changed.`;
  if (p.requests.length === 0) return `${head}\nNo unfinished erasure requests.`;
  const table = renderTable(p.requests, [
    {header: 'REQUEST', value: (x) => x.requestId},
    {header: 'STATE', value: (x) => x.state, paint: (t) => paintState(t)},
    {header: 'STOPPED AT', value: (x) => (x.lastJournal ? `${x.lastJournal.step} ${x.lastJournal.phase}` : '-')},
    {
      header: 'WOULD',
      value: (x) =>
        x.action === 'resume'
          ? `run ${x.steps.join(' → ')} → ${x.to}`
          : x.action === 'wait'
            ? `wait: backup kept until ${x.backupExpiresAt ?? '?'}`
            : x.action === 'finished'
              ? 'nothing (finished)'
              : 'nothing (needs an operator)',
    },
  ]);
  return `${head}\n\n${table}${p.needsOperator.length ? `\n\nNeeds an operator: ${p.needsOperator.join(', ')}` : ''}`;
}

export function renderVerify(v: VerifyResult): string {
  const lines = v.remaining.map((x) => `  ${x.store.padEnd(10)} ${x.table}: ${x.rows} row(s)`);
  return `${v.ok ? 'OK' : 'NOT OK'}: request ${v.requestId} re-checked at ${v.at} (${v.consistency})\n${lines.join('\n')}`;
}

export function renderFence(f: FenceResult): string {
  return renderTable(f.tables, [
    {header: 'TABLE', value: (t) => t.table},
    {header: 'ACTION', value: (t) => t.action},
  ]);
}
