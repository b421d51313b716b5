import type {RuleGroup, Target} from '../clients/prometheus.js';
import type {CatalogEntry} from '../services/metrics/catalog.js';
import type {DashboardRow, InstantResult, NamedMetric, RangeResult} from '../services/metrics/query.js';
import {paintSeverity} from './alerts.js';
import {formatNumber, lineChart, seriesName, sparkline} from './chart.js';
import {color, paintState, renderTable} from './render.js';

/** Terminal renderings of the metrics topic. */

export function renderCatalog(entries: CatalogEntry[], wide: boolean): string {
  return renderTable(
    entries,
    [
      {header: 'NAME', value: (e) => e.name},
      {header: 'UNIT', value: (e) => e.unit ?? ''},
      {header: 'DESCRIPTION', value: (e) => e.description ?? ''},
      {header: 'SOURCE', value: (e) => e.source, wide: true},
      {header: 'QUERY', value: (e) => e.query, wide: true},
    ],
    wide,
  );
}

export function renderInstant(r: InstantResult, unit?: string): string {
  if (!r.series.length) return 'No data.';
  return renderTable(r.series, [
    {header: 'SERIES', value: (s) => seriesName(s.labels)},
    {header: 'VALUE', value: (s) => formatNumber(s.value, unit)},
  ]);
}

/** One row per timestamp, one column per series. */
export function rangeRows(r: RangeResult): {header: string[]; rows: Array<Array<string | number>>} {
  const times = [...new Set(r.series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const maps = r.series.map((s) => new Map(s.values));
  return {
    header: ['time', ...r.series.map((s) => seriesName(s.labels))],
    rows: times.map((t) => [
      new Date(t * 1000).toISOString(),
      ...maps.map((m) => (m.has(t) ? (m.get(t) as number) : '')),
    ]),
  };
}

export function renderRangeTable(r: RangeResult): string {
  if (!r.series.length) return 'No data.';
  const {header, rows} = rangeRows(r);
  return renderTable(
    rows,
    header.map((h, i) => ({
      header: i === 0 ? 'TIME' : h,
      value: (row: Array<string | number>) =>
        i === 0 ? row[0] : formatNumber(row[i] === '' ? null : (row[i] as number)),
    })),
  );
}

function csvCell(v: string | number): string {
  // NaN and the infinities as Prometheus writes them (String() would say "Infinity")
  const s = typeof v === 'number' && !Number.isFinite(v) ? formatNumber(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderRangeCsv(r: RangeResult): string {
  const {header, rows} = rangeRows(r);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n');
}

export function renderRangeChart(r: RangeResult, unit?: string): string {
  if (!r.series.length) return 'No data.';
  const {rows} = rangeRows(r);
  const series = r.series.map((_, i) => rows.map((row) => (row[i + 1] === '' ? Number.NaN : (row[i + 1] as number))));
  const legend = r.series.map((s, i) => {
    const vals = s.values.map(([, v]) => v).filter(Number.isFinite);
    const stats = vals.length
      ? `min ${formatNumber(Math.min(...vals), unit)}  max ${formatNumber(Math.max(...vals), unit)}  last ${formatNumber(vals.at(-1) ?? null, unit)}`
      : 'no values';
    return `  ${['━', '━', '━', '━', '━', '━'][i % 6]} ${seriesName(s.labels)}  ${color().dim(stats)}`;
  });
  return [`${r.query}   ${r.start} → ${r.end}  step ${r.step}s`, lineChart(series), ...legend].join('\n');
}

export function renderDashboard(d: {at: string; rows: DashboardRow[]}): string {
  const c = color();
  const rows = d.rows.map((r) => ({
    ...r,
    value: r.error
      ? c.red('error')
      : r.current.length === 0
        ? c.dim('no data')
        : r.current.length === 1
          ? formatNumber(r.current[0]?.value, r.unit)
          : `${formatNumber(
              r.current.reduce(
                (a, s) => a + (typeof s.value === 'number' && Number.isFinite(s.value) ? s.value : 0),
                0,
              ),
              r.unit,
            )} (${r.current.length} series)`,
  }));
  return [
    c.bold(`CDC dashboard  ${d.at}`),
    renderTable(rows, [
      {header: 'METRIC', value: (r) => r.name},
      {header: 'NOW', value: (r) => r.value},
      {header: 'TREND', value: (r) => sparkline(r.trend)},
      {header: 'ABOUT', value: (r) => r.error ?? r.description ?? ''},
    ]),
  ].join('\n');
}

export function renderTargets(targets: Target[], wide: boolean): string {
  if (!targets.length) return 'No targets.';
  return renderTable(
    targets,
    [
      {header: 'POOL', value: (t) => t.scrapePool},
      {header: 'URL', value: (t) => t.scrapeUrl},
      {header: 'HEALTH', value: (t) => t.health, paint: paintState},
      {header: 'LAST SCRAPE', value: (t) => t.lastScrape},
      {header: 'ERROR', value: (t) => t.lastError},
      {header: 'DURATION', value: (t) => `${(t.lastScrapeDuration * 1000).toFixed(1)}ms`, wide: true},
      {
        header: 'LABELS',
        value: (t) =>
          Object.entries(t.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        wide: true,
      },
    ],
    wide,
  );
}

export function renderRules(groups: RuleGroup[], wide: boolean): string {
  const rows = groups.flatMap((g) => g.rules.map((r) => ({group: g.name, ...r})));
  if (!rows.length) return 'No rules.';
  return renderTable(
    rows,
    [
      {header: 'GROUP', value: (r) => r.group},
      {header: 'RULE', value: (r) => r.name},
      {header: 'TYPE', value: (r) => (r.type === 'alerting' ? 'alert' : 'record')},
      {
        header: 'STATE',
        value: (r) => r.state ?? '',
        paint: (t) => (t === 'firing' ? color().red(t) : t === 'pending' ? color().yellow(t) : t),
      },
      {header: 'SEVERITY', value: (r) => r.labels?.severity ?? '', paint: paintSeverity},
      {header: 'ACTIVE', value: (r) => r.alerts?.length ?? ''},
      {header: 'HEALTH', value: (r) => r.health, paint: (t) => (t === 'ok' ? t : color().red(t))},
      {header: 'QUERY', value: (r) => r.query, wide: true},
      {header: 'ERROR', value: (r) => r.lastError ?? '', wide: true},
    ],
    wide,
  );
}

/** A range result as a chart (the default on a terminal), a table (the default otherwise) or CSV. */
export function renderRange(r: RangeResult, format: string | undefined, unit?: string): string {
  const chosen = format ?? (process.stdout.isTTY ? 'chart' : 'table');
  return chosen === 'chart' ? renderRangeChart(r, unit) : chosen === 'csv' ? renderRangeCsv(r) : renderRangeTable(r);
}

/** One named metric: what it is, its query, its value now, then its range. */
export function renderMetric(m: NamedMetric, format: string | undefined): string {
  const unit = m.entry.unit;
  const now = m.current.series.length
    ? m.current.series.map((s) => `${seriesName(s.labels)} = ${formatNumber(s.value, unit)}`).join('\n  ')
    : 'no data';
  return `${m.entry.name}: ${m.entry.description ?? ''}\n${m.entry.query}\nnow:\n  ${now}\n\n${renderRange(m.range, format, unit)}\n`;
}
