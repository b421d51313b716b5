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
