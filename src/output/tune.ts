import type {RuleDef} from '../services/tune/rules.js';
import type {
  BaselineComparison,
  BaselineSummary,
  ExperimentResult,
  Measure,
  MeasureDelta,
  TuneApplyResult,
  TuneReport,
} from '../services/tune/types.js';
import {renderApply} from './connectors.js';
import {color, renderTable} from './render.js';

/** Rendering of `cdcctl tune`: recommendations, measures, baseline comparisons, experiments. */

export function figure(n: number | null | undefined, unit = ''): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toLocaleString('en-US', {maximumFractionDigits: digits})}${unit}`;
}

function lagText(m: Pick<Measure, 'lag' | 'lagUnit'>): string {
  if (m.lag === null) return '-';
  return m.lagUnit === 'bytes' ? `${figure(m.lag / 1048576)} MiB` : `${figure(m.lag)} rec`;
}

const paintDirection = (d: string) => {
  const c = color();
  if (d.startsWith('better')) return c.green(d);
  if (d.startsWith('worse')) return c.red(d);
  return d;
};

export function renderMeasures(measures: Measure[]): string {
  return renderTable<Measure>(measures, [
    {header: 'CONNECTOR', value: (m) => m.connector},
    {header: 'KIND', value: (m) => m.kind},
    {header: 'THROUGHPUT', value: (m) => figure(m.throughput, '/s')},
    {header: 'LATENCY', value: (m) => figure(m.latencyMs, ' ms')},
    {header: 'LAG', value: (m) => lagText(m)},
  ]);
}

export function renderTuneReport(r: TuneReport, wide: boolean): string {
  const out: string[] = [`Window: ${r.windowSeconds} s ending ${r.at.replace(/\.\d+Z$/, 'Z')}`, ''];
  out.push(
    renderMeasures([...r.connectors.map((c) => c.measure), ...(r.cassandraCdc ? [r.cassandraCdc.measure] : [])]),
  );
  if (r.cassandraCdc)
    out.push(`cassandra-cdc (Debezium Server, not a Connect connector: no rule changes it): ${r.cassandraCdc.detail}`);
  out.push('');
  if (r.recommendations.length === 0) out.push('No recommendation: no rule fires on what was observed.');
  else {
    out.push(`${r.recommendations.length} recommendation(s):`);
    for (const rec of r.recommendations) {
      const change = Object.entries(rec.change)
        .map(([k, v]) => `${k}: ${rec.current[k] ?? '(default)'} → ${v}`)
        .join(', ');
      out.push(
        '',
        `  ${color().bold(rec.rule)}  ${rec.connector}: ${rec.title}`,
        `    change:   ${change}`,
        `    because:  ${rec.observation}`,
        `    expect:   ${rec.expectedEffect}`,
        `    apply:    cdcctl tune apply ${rec.rule} ${rec.connector}`,
      );
    }
  }
  if (wide) {
    out.push('', 'Observed:');
    for (const c of r.connectors) {
      const metrics = Object.entries(c.metrics).map(([k, v]) => `${k}=${figure(v)}`);
      if (c.slotLagBytes !== undefined) metrics.push(`slotLagBytes=${c.slotLagBytes}`);
      out.push(`  ${c.connector}: ${metrics.join(' ') || '(nothing)'}`);
    }
  }
  for (const w of r.warnings) out.push(`Warning: ${w}`);
  return out.join('\n');
}

export function renderTuneApply(r: TuneApplyResult): string {
  const out: string[] = [];
  for (const a of r.applied) {
    out.push(`${a.recommendation.connector}: ${a.recommendation.observation}`);
    out.push(renderApply([a.result], r.dryRun));
  }
  return out.join('\n');
}

export function renderRules(rules: RuleDef[], wide: boolean): string {
  return renderTable<RuleDef>(
    rules,
    [
      {header: 'RULE', value: (r) => r.id},
      {header: 'APPLIES TO', value: (r) => r.appliesTo.describe},
      {header: 'WHAT IT LOOKS FOR', value: (r) => r.title},
      {header: 'NEEDS', value: (r) => r.needs.join(','), wide: true},
    ],
    wide,
  );
}

const deltaText = (d: MeasureDelta) => {
  if (d.direction === 'unknown') return '-';
  const pct =
    d.change === null || d.direction === 'same' ? '' : ` (${d.change >= 0 ? '+' : ''}${Math.round(d.change * 100)} %)`;
  return `${d.direction}${pct}`;
};

function comparisonRows(
  connectors: BaselineComparison['connectors'],
  heads = {before: 'BEFORE', after: 'NOW'},
): string {
  const rows = connectors.flatMap((c) =>
    c.deltas.map((d, i) => ({
      connector: i === 0 ? c.connector : '',
      kind: c.kind,
      verdict: i === 0 ? c.verdict : '',
      d,
    })),
  );
  const unit = (d: MeasureDelta) => (d.metric === 'throughput' ? '/s' : d.metric === 'latencyMs' ? ' ms' : ' rec');
  const shown = (r: (typeof rows)[number], v: number | null) =>
    r.d.metric === 'lag' && r.kind === 'source' ? lagText({lag: v, lagUnit: 'bytes'}) : figure(v, unit(r.d));
  return renderTable(rows, [
    {header: 'CONNECTOR', value: (r) => r.connector},
    {header: 'METRIC', value: (r) => (r.d.metric === 'latencyMs' ? 'latency' : r.d.metric)},
    {header: heads.before, value: (r) => shown(r, r.d.before)},
    {header: heads.after, value: (r) => shown(r, r.d.after)},
    {header: 'CHANGE', value: (r) => deltaText(r.d), paint: paintDirection},
    {header: 'VERDICT', value: (r) => r.verdict, paint: paintDirection},
  ]);
}

export function renderBaselineSaved(b: BaselineSummary): string {
  const out = [
    `Baseline ${b.name} saved (window ${b.windowSeconds} s ending ${b.measuredAt.replace(/\.\d+Z$/, 'Z')}):`,
  ];
  out.push(renderMeasures(b.measures));
  for (const w of b.warnings) out.push(`Warning: ${w}`);
  return out.join('\n');
}

export function renderBaselineComparison(c: BaselineComparison): string {
  const out = [
    `Baseline ${c.name} (${c.baseline.windowSeconds} s ending ${c.baseline.measuredAt.replace(/\.\d+Z$/, 'Z')}) against now (${c.now.windowSeconds} s ending ${c.now.measuredAt.replace(/\.\d+Z$/, 'Z')}):`,
    comparisonRows(c.connectors),
  ];
  for (const w of c.warnings) out.push(`Warning: ${w}`);
  return out.join('\n');
}

export function renderBaselines(list: BaselineSummary[], wide: boolean): string {
  if (list.length === 0) return 'No baselines.';
  return renderTable<BaselineSummary>(
    list,
    [
      {header: 'NAME', value: (b) => b.name},
      {header: 'MEASURED', value: (b) => b.measuredAt.replace(/\.\d+Z$/, 'Z')},
      {header: 'WINDOW', value: (b) => `${b.windowSeconds}s`},
      {header: 'CONNECTORS', value: (b) => b.measures.map((m) => m.connector).join(',')},
      {header: 'ACTOR', value: (b) => b.actor, wide: true},
    ],
    wide,
  );
}

export function renderExperiment(r: ExperimentResult): string {
  const changes = Object.entries(r.changes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (r.outcome === 'planned')
    return [`Experiment on ${r.connector} (${changes}): ${r.reason}.`, renderApply([r.plan], true)].join('\n');
  const out = [
    `Experiment ${r.experimentId} on ${r.connector} (${changes}), ${r.durationSeconds} s per side:`,
    r.comparison ? comparisonRows([r.comparison], {before: 'A', after: 'B'}) : '',
    `${r.outcome === 'kept' ? color().green('kept') : color().red('rolled back')}: ${r.reason}` +
      ` (versions: A ${r.versions.a ?? '-'}, B ${r.versions.b ?? '-'}${r.versions.rollback ? `, rollback ${r.versions.rollback}` : ''})`,
  ];
  return out.join('\n');
}
