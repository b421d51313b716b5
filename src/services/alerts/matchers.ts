import type {Matcher} from '../../clients/alertmanager.js';
import {UsageError} from '../../errors.js';

/**
 * Label matchers in amtool syntax: `name=value`, `name="value"`, `name!=value`, `name=~regex`,
 * `name!~regex`, and a first bare word meaning `alertname=<word>`.
 */

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m)
    throw new UsageError(`bad matcher "${text}"`, {hint: 'Use name=value, name!=value, name=~regex or name!~regex.'});
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  let value = raw;
  if (/^".*"$/.test(value)) {
    try {
      value = JSON.parse(value) as string;
    } catch {
      throw new UsageError(`bad quoted value in matcher "${text}"`);
    }
  }
  const isRegex = op === '=~' || op === '!~';
  if (isRegex) {
    try {
      new RegExp(value);
    } catch (err) {
      throw new UsageError(`bad regex in matcher "${text}": ${(err as Error).message}`);
    }
  }
  return {name, value, isRegex, isEqual: op === '=' || op === '=~'};
}

/** Matchers from the command line; a first argument without an operator is an alert name (amtool). */
export function parseMatchers(args: string[]): Matcher[] {
  return args.map((a, i) =>
    i === 0 && /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(a)
      ? {name: 'alertname', value: a, isRegex: false, isEqual: true}
      : parseMatcher(a),
  );
}

/** The Alertmanager API's `filter` form: `name="value"` with the value JSON-quoted. */
export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** Does a label set satisfy the matcher? (Alertmanager semantics: regexes are anchored; missing = "".) */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
  return m.isEqual ? hit : !hit;
}
