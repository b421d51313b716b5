import type {TransformsTestResult} from '../services/connectors/transforms/test-chain.js';
import {color} from './render.js';

/** Rendering of `connectors transforms test`: per record, each step with what it did; -o wide adds the record after each step. */

const short = (cls: string) =>
  cls.replace(/^org\.apache\.kafka\.connect\.transforms\./, '').replace(/^io\.debezium\.transforms\./, '');

export function renderTransformsTest(r: TransformsTestResult, wide: boolean): string {
  const c = color();
  const lines: string[] = [
    `Chain of ${r.connector} (config from ${r.configSource}): ${
      r.chain.map((s) => `${s.alias}=${short(s.class)}${s.predicate ? ` [if ${s.predicate}]` : ''}`).join(' → ') ||
      '(no transforms)'
    }`,
    '',
  ];
  for (const rec of r.records) {
    lines.push(`${rec.source}  topic ${rec.input.topic}`);
    if (wide)
      lines.push(`  in:  ${JSON.stringify({key: rec.input.key, value: rec.input.value, headers: rec.input.headers})}`);
    for (const s of rec.steps) {
      const word =
        s.outcome === 'failed'
          ? c.red('FAILS')
          : s.outcome === 'dropped'
            ? c.yellow('dropped')
            : s.outcome === 'skipped'
              ? 'skipped (predicate)'
              : s.outcome;
      const detail = s.error ?? s.changes.join('; ');
      lines.push(`  ${s.alias} (${short(s.class)}): ${word}${detail ? `  ${detail}` : ''}`);
      if (wide && s.after && s.outcome === 'changed')
        lines.push(
          `    after: ${JSON.stringify({topic: s.after.topic, key: s.after.key, value: s.after.value, headers: s.after.headers})}`,
        );
    }
    lines.push(
      rec.error
        ? `  → the worker's task would fail on this record`
        : rec.output
          ? `  → ${rec.output.topic}`
          : '  → dropped',
    );
    lines.push('');
  }
  const s = r.summary;
  lines.push(
    `${s.records} record(s): ${s.records - s.dropped - s.failed} out, ${s.dropped} dropped, ${s.failed} failing the task; topics out: ${s.outputTopics.join(', ') || '-'}`,
  );
  return lines.join('\n');
}
