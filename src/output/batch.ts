import type {BatchItemView, BatchResult} from '../services/batch/types.js';
import {color, renderTable} from './render.js';

/** Rendering of `cdcctl batch`: the steps with their counts, then one line per item (failures first). */

const paint = (s: string) => {
  const c = color();
  if (s === 'succeeded') return c.green(s);
  if (s === 'failed') return c.red(s);
  if (s === 'skipped' || s === 'pending' || s === 'partial' || s === 'cancelled' || s === 'interrupted')
    return c.yellow(s);
  return s;
};

export function renderBatch(r: BatchResult, wide: boolean): string {
  const c = r.counts;
  const head = r.dryRun
    ? `Batch ${r.batchId} (dry run${r.resumed ? ' of a resume' : ''}): ${c.pending} item(s) would run${c.succeeded ? `, ${c.succeeded} already done` : ''}.`
    : `Batch ${r.batchId}${r.resumed ? ' (resumed)' : ''}: ${paint(r.state)} — ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped, ${c.pending} not run; ${r.ran} run now in ${(r.durationMs / 1000).toFixed(1)} s.`;
  const steps = renderTable(
    r.steps,
    [
      {header: 'STEP', value: (s) => s.id},
      {header: 'OP', value: (s) => s.op},
      {header: 'AFTER', value: (s) => s.dependsOn.join(',') || '-'},
      {header: 'SUCCEEDED', value: (s) => s.counts.succeeded},
      {header: 'FAILED', value: (s) => s.counts.failed},
      {header: 'SKIPPED', value: (s) => s.counts.skipped},
      {header: 'PENDING', value: (s) => s.counts.pending + s.counts.running},
    ],
    wide,
  );
  // without -o wide: the items that need attention (all of them in a dry run)
  const shown = r.dryRun || wide ? r.items : r.items.filter((i) => i.state !== 'succeeded');
  const order = (i: BatchItemView) => (i.state === 'failed' ? 0 : i.state === 'skipped' ? 1 : 2);
  const items = shown.length
    ? renderTable(
        [...shown].sort((a, b) => order(a) - order(b) || a.step.localeCompare(b.step) || a.item - b.item),
        [
          {header: 'STEP', value: (i) => i.step},
          {header: '#', value: (i) => i.item},
          {header: 'ITEM', value: (i) => i.label},
          {header: 'STATE', value: (i) => i.state, paint},
          {header: 'TRIES', value: (i) => i.attempts, wide: true},
          {header: r.dryRun ? 'WOULD' : 'ERROR', value: (i) => (r.dryRun ? (i.action ?? '') : (i.error ?? ''))},
        ],
        wide,
      )
    : '';
  const tail =
    !r.dryRun && r.state !== 'succeeded'
      ? `\nResume with: cdcctl batch resume ${r.batchId}${r.counts.failed ? ' (failed items run again; succeeded ones are left alone)' : ''}`
      : '';
  return [head, '', steps, ...(items ? ['', items] : []), tail].join('\n').trimEnd();
}
