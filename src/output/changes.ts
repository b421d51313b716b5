import type {ConfigChange} from '../services/connectors/diff.js';

/** One config change as a line: `+ key: value`, `- key: value`, `~ key: before → after` (secrets never shown). */
export function formatChange(c: ConfigChange): string {
  const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~';
  if (c.secret) return `${sign} ${c.key}: (secret ${c.change})`;
  if (c.change === 'added') return `${sign} ${c.key}: ${c.after}`;
  if (c.change === 'removed') return `${sign} ${c.key}: ${c.before}`;
  return `${sign} ${c.key}: ${c.before} → ${c.after}`;
}

/** The changes one per line, indented (the preview shown before asking to write them). */
export function renderChangeList(changes: ConfigChange[]): string {
  return `${changes.map((c) => `  ${formatChange(c)}`).join('\n')}\n`;
}
