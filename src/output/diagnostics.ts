import type {CheckResult, DoctorReport} from '../services/diagnostics/types.js';
import type {Journey} from '../services/diagnostics/journey.js';
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
            {header: 'AFTER', value: (e) => JSON.stringify(e.after ?? null), wide: true},
          ],
          wide,
        ),
      );
    }
  } else out.push('  kafka: no change topic found for this table');
  if (j.dlq) out.push(`  dlq ${j.dlq.topic}: ${j.dlq.records.length ? j.dlq.records.map((r) => `@${r.offset} ${r.error ?? ''}`).join('; ') : 'nothing for this key'}`);
  if (j.sink)
    out.push(
      `  sink ${j.sink.connector} (${j.sink.state}): group ${j.sink.group} at ${j.sink.committed ?? 'nothing committed'}${j.sink.consumed ? ', consumed the last event' : ''}`,
    );
  if (j.target) out.push(`  target ${j.target.table}: ${j.target.found ? 'row found' : 'no row'}${j.target.differs?.length ? `, differs in ${j.target.differs.join(', ')}` : ''}`);
  if (wide && j.target?.row) out.push(`    ${JSON.stringify(j.target.row)}`);
  const v = j.verdict;
  const paint = v.state === 'in sync' ? c.green : v.state === 'in flight' ? c.yellow : c.red;
  out.push(`verdict: ${paint(v.state)}${v.hop ? ` at ${v.hop}` : ''}: ${v.reason}`);
  return out.join('\n');
}
