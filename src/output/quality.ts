import type {CheckSeries, QualityHistory} from '../services/quality/history.js';
import type {QualityRunResult, ResolvedTable} from '../services/quality/types.js';
import type {ValidateEventsResult} from '../services/quality/validate-events.js';
import {formatNumber, sparkline} from './chart.js';
import {color, jsonText, renderTable} from './render.js';

/** Rendering of data-quality results: tables, sparklines, CSV and a self-contained HTML report. */

export function paintStatus(s: string): string {
  const c = color();
  if (s === 'pass') return c.green(s);
  if (s === 'warn') return c.yellow(s);
  if (s === 'fail' || s === 'error') return c.red(s);
  return s;
}

const metricText = (m: number | null, unit: string) =>
  m === null ? '—' : `${formatNumber(m)}${unit ? ` ${unit}` : ''}`;

export function renderRun(r: QualityRunResult, wide: boolean): string {
  const rows = r.tables.flatMap((t) => t.checks);
  const table = renderTable(
    rows,
    [
      {header: 'TABLE', value: (c) => c.table},
      {header: 'CHECK', value: (c) => c.check},
      {header: 'TYPE', value: (c) => c.type, wide: true},
      {header: 'STATUS', value: (c) => c.status, paint: paintStatus},
      {header: 'METRIC', value: (c) => metricText(c.metric, c.unit)},
      {
        header: 'CHANGE',
        value: (c) =>
          c.changePercent === undefined
            ? '—'
            : `${c.changePercent > 0 ? '+' : ''}${Number.isFinite(c.changePercent) ? c.changePercent.toFixed(1) : '∞'}%`,
        wide: true,
      },
      {header: 'WHY', value: (c) => c.reasons.join('; ')},
      {header: 'TIME', value: (c) => `${c.durationMs} ms`, wide: true},
    ],
    wide,
  );
  const lines = [
    `Quality run ${r.runId}: ${paintStatus(r.status)}${r.strict ? ' (strict: warnings fail)' : ''}`,
    '',
    table,
  ];
  for (const c of rows)
    if (c.samples.length) {
      lines.push('', `${c.table} ${c.check}: ${c.samples.length} sample(s)`);
      for (const s of c.samples) lines.push(`  ${jsonText(s, 0)}`);
    }
  return lines.join('\n');
}

function checkDetail(c: ResolvedTable['checks'][number]): string {
  const {type, name, description, warn, fail, change, anomaly, ...rest} = c.config as Record<string, unknown>;
  void type;
  void name;
  void description;
  void warn;
  void fail;
  void change;
  void anomaly;
  return Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

const boundsText = (b?: {min?: number; max?: number}) =>
  !b ? '' : [b.min !== undefined ? `≥${b.min}` : '', b.max !== undefined ? `≤${b.max}` : ''].filter(Boolean).join(' ');

export function renderRules(tables: ResolvedTable[], wide: boolean): string {
  const rows = tables.flatMap((t) => t.checks.map((c) => ({t, c})));
  return renderTable(
    rows,
    [
      {header: 'TABLE', value: (r) => r.t.name},
      {header: 'CHECK', value: (r) => r.c.name},
      {header: 'TYPE', value: (r) => r.c.type},
      {header: 'WHAT', value: (r) => checkDetail(r.c)},
      {header: 'WARN', value: (r) => boundsText(r.c.warn)},
      {header: 'FAIL', value: (r) => boundsText(r.c.fail)},
      {
        header: 'CHANGE/ANOMALY',
        value: (r) =>
          [
            r.c.config.change ? `Δ warn ${r.c.config.change.warn ?? '-'}% fail ${r.c.config.change.fail ?? '-'}%` : '',
            r.c.config.anomaly ? `σ warn ${r.c.config.anomaly.warn ?? '-'} fail ${r.c.config.anomaly.fail ?? '-'}` : '',
          ]
            .filter(Boolean)
            .join(', '),
        wide: true,
      },
      {header: 'DESCRIPTION', value: (r) => r.c.config.description ?? '', wide: true},
    ],
    wide,
  );
}

export function renderHistory(h: QualityHistory, wide: boolean): string {
  if (h.series.length === 0) return 'No quality runs yet.';
  const series = renderTable(
    h.series,
    [
      {header: 'TABLE', value: (s) => s.table},
      {header: 'CHECK', value: (s) => s.check},
      {header: 'RUNS', value: (s) => s.points.length},
      {header: 'TREND', value: (s) => sparkline(s.points.map((p) => p.metric))},
      {header: 'MIN', value: (s) => formatNumber(minOf(s)), wide: true},
      {header: 'MAX', value: (s) => formatNumber(maxOf(s)), wide: true},
      {header: 'LAST', value: (s) => formatNumber(s.latest.metric)},
      {header: 'STATUS', value: (s) => s.latest.status, paint: paintStatus},
      {header: 'STATUSES', value: (s) => s.points.map((p) => p.status[0]).join(''), wide: true},
    ],
    wide,
  );
  const runs = renderTable(
    h.runs,
    [
      {header: 'RUN', value: (r) => r.runId},
      {header: 'STARTED', value: (r) => r.startedAt},
      {header: 'STATUS', value: (r) => r.status, paint: paintStatus},
      {header: 'PASS', value: (r) => r.counts.pass},
      {header: 'WARN', value: (r) => r.counts.warn},
      {header: 'FAIL', value: (r) => r.counts.fail},
      {header: 'ERROR', value: (r) => r.counts.error},
      {header: 'ACTOR', value: (r) => r.actor, wide: true},
    ],
    wide,
  );
  return `${series}\n\n${runs}`;
}

function minOf(s: CheckSeries): number | null {
  const v = s.points.map((p) => p.metric).filter((x): x is number => x !== null);
  return v.length ? Math.min(...v) : null;
}
function maxOf(s: CheckSeries): number | null {
  const v = s.points.map((p) => p.metric).filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** One CSV line per stored result (run, table, check, status, metric, reasons). */
export function reportCsv(h: QualityHistory): string {
  const lines = ['run_id,checked_at,table,check,type,status,metric,reasons'];
  for (const s of h.series)
    for (const p of s.points)
      lines.push(
        [
          p.runId,
          p.at,
          s.table,
          s.check,
          s.type,
          p.status,
          p.metric,
          p.runId === s.latest.runId ? s.latest.reasons.join('; ') : '',
        ]
          .map(csvCell)
          .join(','),
      );
  return `${lines.join('\n')}\n`;
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const STATUS_COLOR: Record<string, string> = {pass: '#1a7f37', warn: '#b08800', fail: '#cf222e', error: '#8250df'};

/** An inline SVG trend chart of a check's metric: line, points coloured by status, min/max labels. */
export function trendSvg(s: CheckSeries, width = 320, height = 90): string {
  const pts = s.points.filter((p) => p.metric !== null);
  if (pts.length === 0)
    return `<svg class="trend" width="${width}" height="${height}" role="img"><text x="8" y="48" fill="#666">no values</text></svg>`;
  const vals = pts.map((p) => p.metric as number);
  const min = Math.min(...vals);
  const max = Math.max(...vals);
  const pad = 14;
  const x = (i: number) => (pts.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (pts.length - 1));
  const y = (v: number) => (max === min ? height / 2 : height - pad - ((v - min) * (height - 2 * pad)) / (max - min));
  const line = pts.map((p, i) => `${x(i).toFixed(1)},${y(p.metric as number).toFixed(1)}`).join(' ');
  const dots = pts
    .map(
      (p, i) =>
        `<circle cx="${x(i).toFixed(1)}" cy="${y(p.metric as number).toFixed(1)}" r="3.5" fill="${STATUS_COLOR[p.status] ?? '#555'}"><title>${esc(`${p.at} ${p.status}: ${p.metric}`)}</title></circle>`,
    )
    .join('');
  return `<svg class="trend" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(`${s.table} ${s.check} trend`)}">
<polyline fill="none" stroke="#0969da" stroke-width="2" points="${line}"/>${dots}
<text x="2" y="11" font-size="10" fill="#666">${esc(formatNumber(max))}</text><text x="2" y="${height - 2}" font-size="10" fill="#666">${esc(formatNumber(min))}</text></svg>`;
}

/** A self-contained HTML page (no external resources): summary, then per table, per check, trend charts. */
export function reportHtml(h: QualityHistory, generatedAt: string): string {
  const tables = [...new Set(h.series.map((s) => s.table))];
  const count = (st: string) => h.series.filter((s) => s.latest.status === st).length;
  const badge = (st: string) =>
    `<span class="badge" style="background:${STATUS_COLOR[st] ?? '#555'}">${esc(st)}</span>`;
  const sections = tables
    .map((t) => {
      const rows = h.series.filter((s) => s.table === t);
      const cards = rows
        .map(
          (s) => `<div class="card" data-check="${esc(s.check)}" data-status="${esc(s.latest.status)}">
<div class="head"><b>${esc(s.check)}</b> <small>${esc(s.type)}</small> ${badge(s.latest.status)}</div>
<div class="metric">${esc(formatNumber(s.latest.metric))}</div>
${trendSvg(s)}
<ul>${s.latest.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>
${s.latest.samples.length ? `<details><summary>${s.latest.samples.length} failing row(s)</summary><pre>${esc(s.latest.samples.map((x) => JSON.stringify(x)).join('\n'))}</pre></details>` : ''}
</div>`,
        )
        .join('\n');
      return `<section><h2>${esc(t)}</h2><div class="grid">${cards}</div></section>`;
    })
    .join('\n');
  const runRows = h.runs
    .map(
      (r) =>
        `<tr><td>${esc(r.runId)}</td><td>${esc(r.startedAt)}</td><td>${badge(r.status)}</td><td>${r.counts.pass}</td><td>${r.counts.warn}</td><td>${r.counts.fail}</td><td>${r.counts.error}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality – ${esc(h.context)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328;background:#f6f8fa}
h1{margin:0 0 4px}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px}
.summary span{margin-right:16px;font-size:18px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px}
.head small{color:#57606a}.metric{font-size:24px;margin:4px 0}
.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px}
ul{margin:4px 0;padding-left:18px;font-size:12px;color:#57606a}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d0d7de;padding:4px 8px;font-size:13px}
pre{font-size:11px;overflow:auto}
</style></head>
<body>
<h1>Data quality</h1>
<div>context <b>${esc(h.context)}</b> · ${h.runs.length} run(s) · generated ${esc(generatedAt)}</div>
<p class="summary"><span>${badge('pass')} ${count('pass')}</span><span>${badge('warn')} ${count('warn')}</span><span>${badge('fail')} ${count('fail')}</span><span>${badge('error')} ${count('error')}</span></p>
${sections || '<p>No quality runs yet.</p>'}
<h2>Runs</h2>
<table><tr><th>run</th><th>started</th><th>status</th><th>pass</th><th>warn</th><th>fail</th><th>error</th></tr>${runRows}</table>
</body></html>
`;
}

export function renderReportTable(h: QualityHistory, wide: boolean): string {
  return renderHistory(h, wide);
}

export function renderValidateEvents(r: ValidateEventsResult, wide: boolean): string {
  const head = `${r.topics.join(', ')}: ${r.scanned} event(s) checked, ${r.violations.length} violation(s)`;
  if (r.violations.length === 0) return head;
  return `${head}\n\n${renderTable(
    r.violations,
    [
      {header: 'TOPIC', value: (v) => v.topic, wide: true},
      {header: 'PARTITION', value: (v) => v.partition},
      {header: 'OFFSET', value: (v) => v.offset},
      {header: 'OP', value: (v) => v.op ?? ''},
      {header: 'CHECK', value: (v) => v.check},
      {header: 'COLUMN', value: (v) => v.column},
      {header: 'VALUE', value: (v) => (v.value === undefined ? '' : JSON.stringify(v.value))},
      {header: 'WHY', value: (v) => v.reason},
      {header: 'KEY', value: (v) => JSON.stringify(v.key), wide: true},
    ],
    wide,
  )}`;
}
