import {isSecretKey} from '../../config/secrets.js';

/** A key-by-key difference between two connector configs, safe to print (secrets never shown). */
export interface ConfigChange {
  key: string;
  change: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
  secret?: boolean;
}

export function diffConfigs(before: Record<string, string> | undefined, after: Record<string, string>): ConfigChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const changes: ConfigChange[] = [];
  for (const key of keys) {
    const b = before?.[key];
    const a = after[key];
    if (b === a) continue;
    const secret = isSecretKey(key);
    const change: ConfigChange['change'] = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    changes.push(
      secret
        ? {key, change, secret: true}
        : {key, change, ...(b === undefined ? {} : {before: b}), ...(a === undefined ? {} : {after: a})},
    );
  }
  return changes;
}

export function formatChange(c: ConfigChange): string {
  const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~';
  if (c.secret) return `${sign} ${c.key}: (secret ${c.change})`;
  if (c.change === 'added') return `${sign} ${c.key}: ${c.after}`;
  if (c.change === 'removed') return `${sign} ${c.key}: ${c.before}`;
  return `${sign} ${c.key}: ${c.before} → ${c.after}`;
}
