import {isSecretKey, redactValue} from '../../config/secrets.js';

/** A key-by-key difference between two connector configs, safe to print (secrets never shown). */
export interface ConfigChange {
  key: string;
  change: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
  secret?: boolean;
}

/**
 * The forms of the two configs to show, key by key: the configs as written, with `${env:…}` and
 * `${file:…}` references unresolved (default: the compared configs themselves).
 */
export interface ShownForms {
  before?: Record<string, string>;
  after?: Record<string, string>;
}

/**
 * Compares `before` and `after` (the values that are, or will be, live) and describes each change in
 * its shown form, through the one value redactor: a secret key shows only that it changed; any
 * other value shows as written, with URL passwords and secrets resolved in this process removed.
 */
export function diffConfigs(
  before: Record<string, string> | undefined,
  after: Record<string, string>,
  shown: ShownForms = {},
): ConfigChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const changes: ConfigChange[] = [];
  for (const key of keys) {
    const b = before?.[key];
    const a = after[key];
    if (b === a) continue;
    const change: ConfigChange['change'] = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    if (isSecretKey(key)) {
      changes.push({key, change, secret: true});
      continue;
    }
    const sb = b === undefined ? undefined : redactValue(key, shown.before?.[key] ?? b);
    const sa = a === undefined ? undefined : redactValue(key, shown.after?.[key] ?? a);
    changes.push({key, change, ...(sb === undefined ? {} : {before: sb}), ...(sa === undefined ? {} : {after: sa})});
  }
  return changes;
}
