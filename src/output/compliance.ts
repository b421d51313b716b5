import type {ReportPayload, ReportVerification} from '../services/compliance/report.js';
import type {ResidencyRow} from '../services/compliance/residency.js';
import {renderTable} from './render.js';

/** Renderers for compliance reports: CSV (one line per request × system/table) and a one-page HTML. */

const CSV_COLUMNS = [
  'request_id',
  'subject_pseudonym',
  'state',
  'received_at',
  'deadline_at',
  'closed_at',
  'store',
  'system',
  'region',
  'jurisdiction',
  'located',
  'deleted',
  'deleted_at',
  'delete_timestamp_us',
  'consistency',
  'verified_at',
  'remaining',
  'verification_hash',
  'backup_purged_at',
  'failures',
  'compensations',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote always when needed; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function renderCsv(p: ReportPayload): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of p.requests) {
    const systems = r.systems.length ? r.systems : [null];
    for (const s of systems) {
      lines.push(
        [
          r.requestId,
          r.subjectPseudonym,
          r.state,
          r.receivedAt,
          r.deadlineAt,
          r.closedAt,
          s?.store,
          s?.name,
          s?.region,
          s?.jurisdiction,
          s?.located,
          s?.deleted,
          s?.deletedAt,
          s?.deleteTimestampUs,
          s?.consistency,
          s?.verifiedAt,
          s?.remaining,
          r.verification?.hash,
          r.backup?.purgedAt,
          r.failures.length,
          r.compensations.filter((c) => c.phase === 'done').length,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const esc = (v: unknown) =>
  String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

const STATE_COLOURS: Record<string, string> = {
  closed: '#2e7d32',
  verified: '#66bb6a',
  restored: '#1565c0',
  needs_operator: '#c62828',
};

/** A small horizontal bar chart of requests per state, as inline SVG. */
export function summarySvg(byState: Record<string, number>): string {
  const entries = Object.entries(byState).sort(([a], [b]) => a.localeCompare(b));
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const bar = 22;
  const height = Math.max(1, entries.length) * (bar + 6) + 6;
  const rows = entries
    .map(([state, n], i) => {
      const y = 6 + i * (bar + 6);
      const w = Math.round((n / max) * 300);
      return `<text x="0" y="${y + 15}" font-size="12">${esc(state)}</text><rect x="130" y="${y}" width="${w}" height="${bar}" fill="${STATE_COLOURS[state] ?? '#f9a825'}"/><text x="${136 + w}" y="${y + 15}" font-size="12">${n}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="${height}" role="img" aria-label="Erasure requests by state">${rows}</svg>`;
}

export function renderHtml(p: ReportPayload): string {
  const rows = p.requests
    .map(
      (
        r,
      ) => `<tr><td>${esc(r.requestId)}</td><td><code>${esc(r.subjectPseudonym.slice(0, 16))}…</code></td><td>${esc(r.state)}</td>
<td>${esc(r.receivedAt)}</td><td>${esc(r.deadlineAt)}</td><td>${esc(r.closedAt ?? '—')}</td>
<td>${r.systems.map((s) => `${esc(s.store)} ${esc(s.name)}: ${esc(s.deleted ?? 0)}/${esc(s.located)}${s.region ? ` (${esc(s.region)})` : ''}`).join('<br>')}</td>
<td><code>${esc(r.verification?.hash.slice(0, 16) ?? '—')}</code></td><td>${esc(r.backup?.purgedAt ?? (r.backup ? `due ${r.backup.expiresAt}` : '—'))}</td>
<td>${r.failures.length ? r.failures.map((f) => `${esc(f.step)}: ${esc(f.error)}`).join('<br>') : '—'}</td></tr>`,
    )
    .join('\n');
  const horizons = [
    ...new Set(
      p.requests.flatMap((r) =>
        (r.residualHorizons as Array<{topic: string; note: string}>).map((h) => `${h.topic}: ${h.note}`),
      ),
    ),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GDPR erasure report — ${esc(p.context)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}th{background:#f3f3f3}code{font-size:12px}.meta{color:#555}</style>
</head><body>
<h1>GDPR erasure report</h1>
<p class="meta">Context <b>${esc(p.context)}</b> · period ${esc(p.period.from ?? 'start')} → ${esc(p.period.to ?? 'now')} · generated ${esc(p.generatedAt)} by ${esc(p.generatedBy)}</p>
<p>${p.summary.requests} request(s); ${p.summary.closedWithinDeadline} closed within the Art. 12(3) deadline; ${p.summary.overdue} overdue; ${p.summary.failures} failed step attempt(s).</p>
${summarySvg(p.summary.byState)}
<h2>Requests</h2>
<table><thead><tr><th>Request</th><th>Subject (HMAC)</th><th>State</th><th>Received</th><th>Deadline</th><th>Closed</th><th>Rows deleted / located</th><th>Verification</th><th>Backup purged</th><th>Failures</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Residual horizons</h2>
<ul>${horizons.length ? horizons.map((h) => `<li>${esc(h)}</li>`).join('') : '<li>No Kafka topics configured.</li>'}</ul>
<p class="meta">Subjects are pseudonymised (HMAC-SHA256 with the report key). The signed JSON report is the source of truth; this page is derived from it.</p>
</body></html>
`;
}

export function renderReportSummary(p: ReportPayload, written?: string): string {
  return `${p.summary.requests} erasure request(s) in context "${p.context}"${written ? `, written to ${written}` : ''}.`;
}

export function renderReportVerification(v: ReportVerification): string {
  return v.valid
    ? `OK: ${v.file} is signed (${v.alg}, key ${v.keyId}) and unchanged; ${v.requests ?? 0} request(s), generated ${v.generatedAt}.`
    : `NOT OK: ${v.file}: ${v.reason}`;
}

export function renderResidency(rows: ResidencyRow[], wide: boolean): string {
  return renderTable(
    rows,
    [
      {header: 'STORE', value: (r) => r.store},
      {header: 'NAME', value: (r) => r.name},
      {header: 'REGION', value: (r) => r.region ?? '-'},
      {header: 'JURISDICTION', value: (r) => r.jurisdiction ?? '-'},
      {header: 'SUBJECT KEY', value: (r) => r.subjectKey, wide: true},
    ],
    wide,
  );
}
