import type {ContextSummary, ValidationReport} from '../services/config/contexts.js';
import {renderTable} from './render.js';

export function renderCurrentContext(current: {name: string}): string {
  return `${current.name}\n`;
}

/** One line per problem, for stderr. */
export function renderValidationIssues(report: ValidationReport): string {
  return report.issues.map((i) => `${i.file}: ${i.path}: ${i.message}\n`).join('');
}

export function renderValidation(report: ValidationReport): string {
  const files = report.files.length ? report.files.join(', ') : 'no file (built-in defaults)';
  return report.valid ? `OK: ${files}\n` : `${report.issues.length} problem(s) in ${files}\n`;
}

export function renderContexts(contexts: ContextSummary[], wide: boolean): string {
  return renderTable(
    contexts,
    [
      {header: 'CURRENT', value: (c) => (c.current ? '*' : '')},
      {header: 'NAME', value: (c) => c.name},
      {header: 'CONNECT', value: (c) => c.connect},
      {header: 'KAFKA', value: (c) => c.kafka},
      {header: 'POSTGRES', value: (c) => c.postgres, wide: true},
      {header: 'SOURCE', value: (c) => c.source, wide: true},
    ],
    wide,
  );
}
