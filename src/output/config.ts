import type {ValidationReport} from '../services/config/contexts.js';

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
