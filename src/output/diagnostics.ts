import type {Journey} from '../services/diagnostics/journey.js';
import type {FoundTraces, SpanRow, TraceView} from '../services/diagnostics/traces.js';
import type {CheckResult, DoctorReport} from '../services/diagnostics/types.js';
import type {WhyReport} from '../services/diagnostics/why.js';
import {color, renderTable} from './render.js';

function paintCheck(status: string): string {
  const c = color();
  return status === 'ok' ? c.green(status) : status === 'warn' ? c.yellow(status) : c.red(status);
}

/** One row per check, the hint under a failing or warning one; a summary line last. */
export function renderDoctor(r: DoctorReport, wide: boolean): string {
  const order = new Map<string, number>();
  r.checks.forEach((c) => {
    if (!order.has(c.target)) order.set(c.target, order.size);
  });
  const rows = [...r.checks].sort((a, b) => (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0));
  const table = renderTable<CheckResult>(
    rows,
    [
      {header: 'TARGET', value: (c) => c.target},
      {header: 'CHECK', value: (c) => c.check},
      {header: 'STATUS', value: (c) => c.status, paint: paintCheck},
      {header: 'DETAIL', value: (c) => (c.hint && c.status !== 'ok' ? `${c.detail}\n→ ${c.hint}` : c.detail)},
      {header: 'MS', value: (c) => c.ms, wide: true},
    ],
    wide,
  );
  const s = r.summary;
  return `${table}\n\n${s.ok} ok, ${s.warn} warn, ${s.fail} fail (context ${r.context}, ${r.wallMs} ms)`;
}

export function renderWhy(r: WhyReport, wide: boolean): string {
  const c = color();
  if (r.failures.length === 0) return `${r.connector} (${r.state}): no failed task.`;
  const parts = r.failures.map((f) =>
    [
      `${c.bold(`${r.connector} ${f.where === 'connector' ? 'connector' : `task ${f.where}`}`)} on ${f.workerId}: ${c.red(f.kind)}`,
      `  root cause: ${f.rootCause}`,
      `  fix:        ${f.fix}`,
      `  more detail: cdcctl connectors loggers set ${f.logger} DEBUG`,
      ...(wide ? ['  chain:', ...f.chain.map((l) => `    ${l}`)] : []),
    ].join('\n'),
  );
  return parts.join('\n\n');
}

export function renderJourney(j: Journey, wide: boolean): string {
  const c = color();
  const out: string[] = [];
  const key = Object.entries(j.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  out.push(`${c.bold(j.table)} (${key})`);
  out.push(
    `  source ${j.source.kind}: ${j.source.found ? 'row found' : 'no row'}${j.source.writeTime ? `, written ${j.source.writeTime}` : ''}`,
  );
  if (wide && j.source.row) out.push(`    ${JSON.stringify(j.source.row)}`);
  if (j.kafka) {
    const k = j.kafka;
    out.push(
      `  kafka ${k.topic} partition ${k.partition}/${k.partitions} (murmur2 of ${k.keyBytes.length > 60 ? `${k.keyBytes.slice(0, 57)}...` : k.keyBytes}), offsets ${k.from}..${k.to} (since ${k.since}): ${k.events.length} event(s)`,
    );
    if (k.events.length) {
      out.push(
        renderTable(
          k.events,
          [
            {header: '    OFFSET', value: (e) => `    ${e.offset}`},
            {header: 'OP', value: (e) => e.op},
            {header: 'TIMESTAMP', value: (e) => new Date(Number(e.timestamp)).toISOString()},
            {header: 'SOURCE→KAFKA', value: (e) => (e.sourceToKafkaMs === undefined ? '-' : `${e.sourceToKafkaMs} ms`)},
            {header: 'TRACE', value: (e) => e.traceId ?? '-', wide: true},
            {header: 'AFTER', value: (e) => JSON.stringify(e.after ?? null), wide: true},
          ],
          wide,
        ),
      );
    }
  } else out.push('  kafka: no change topic found for this table');
  if (j.dlq)
    out.push(
      `  dlq ${j.dlq.topic}: ${j.dlq.records.length ? j.dlq.records.map((r) => `@${r.offset} ${r.error ?? ''}`).join('; ') : 'nothing for this key'}`,
    );
  if (j.sink)
    out.push(
      `  sink ${j.sink.connector} (${j.sink.state}): group ${j.sink.group} at ${j.sink.committed ?? 'nothing committed'}${j.sink.consumed ? ', consumed the last event' : ''}`,
    );
  if (j.target)
    out.push(
      `  target ${j.target.table}: ${j.target.found ? 'row found' : 'no row'}${j.target.differs?.length ? `, differs in ${j.target.differs.join(', ')}` : ''}`,
    );
  if (wide && j.target?.row) out.push(`    ${JSON.stringify(j.target.row)}`);
  const v = j.verdict;
  const paint = v.state === 'in sync' ? c.green : v.state === 'in flight' ? c.yellow : c.red;
  out.push(`verdict: ${paint(v.state)}${v.hop ? ` at ${v.hop}` : ''}: ${v.reason}`);
  return out.join('\n');
}

/** A terminal waterfall: one line per span, indented by depth, a bar placed on the trace's time axis. */
export function renderWaterfall(t: TraceView, width = 40): string {
  const c = color();
  const total = Math.max(t.durationUs, 1);
  const label = (s: SpanRow) => `${'  '.repeat(s.depth)}${s.service ? `${s.service}: ` : ''}${s.name}`;
  const labelWidth = Math.min(60, Math.max(...t.spans.map((s) => label(s).length)));
  const lines = [
    `trace ${t.traceId} (${t.backend}): ${t.spans.length} span(s), ${ms(t.durationUs)}, started ${new Date(t.startUs / 1000).toISOString()}`,
  ];
  for (const s of t.spans) {
    const from = Math.floor((s.offsetUs / total) * width);
    const len = Math.max(1, Math.round((s.durationUs / total) * width));
    const bar =
      ' '.repeat(Math.min(from, width - 1)) + c.cyan('█'.repeat(Math.min(len, width - Math.min(from, width - 1))));
    const name = label(s);
    lines.push(
      `${(name.length > labelWidth ? `${name.slice(0, labelWidth - 1)}…` : name).padEnd(labelWidth)}  |${bar}${' '.repeat(Math.max(0, width - Math.min(from, width - 1) - Math.min(len, width - Math.min(from, width - 1))))}|  ${ms(s.durationUs)} +${ms(s.offsetUs)}`,
    );
  }
  return lines.join('\n');
}

function ms(us: number): string {
  return us >= 1_000_000 ? `${(us / 1_000_000).toFixed(2)} s` : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

export function renderFound(f: FoundTraces): string {
  if (f.traces.length === 0) {
    const events = f.journey.kafka?.events.length ?? 0;
    return `no trace found for ${f.journey.table} (${Object.values(f.journey.key).join(', ')}): ${events} event(s) in Kafka, none of them in a trace (is the OpenTelemetry agent on the worker, and tracing on?)`;
  }
  return f.traces.map((t) => renderWaterfall(t)).join('\n\n');
}
