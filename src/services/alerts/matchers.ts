import type {Matcher} from '../../clients/alertmanager.js';
import {UsageError} from '../../errors.js';
import {checkRe2, Re2SyntaxError} from './re2.js';

/**
 * Label matchers in amtool syntax: `name=value`, `name="value"`, `name!=value`, `name=~regex`,
 * `name!~regex`, and a first bare word meaning `alertname=<word>`. Regexes are RE2 (Go) as
 * Alertmanager compiles them (re2.ts), never JavaScript's.
 */

/** Alertmanager's (Prometheus model's) label name rule; the installed 0.25 has no UTF-8 names. */
export const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  if (isRegex) checkRegex(value, `matcher "${text}"`);
  return {name, value, isRegex, isEqual: op === '=' || op === '=~'};
}

/** Throws a usage error, in Go's words, for a regex Alertmanager would not compile (`where`: what holds it). */
export function checkRegex(value: string, where: string): {matchesEmpty: boolean} {
  try {
    return checkRe2(value);
  } catch (err) {
    if (!(err instanceof Re2SyntaxError)) throw err;
    throw new UsageError(`bad regex in ${where}: ${err.message}`, {
      hint: 'Alertmanager uses RE2 (Go) syntax: no lookarounds or backreferences; flags as (?i), classes as \\pL.',
    });
  }
}

/**
 * Alertmanager's test of a silence's matcher (0.25 `matchesEmpty`): does `=` / `=~` match the empty
 * string? A negative matcher (`!=`, `!~`) never counts, whatever it would match — the server's rule,
 * checked against it (test/integration/alerts.test.ts).
 */
export function silenceMatcherMatchesEmpty(m: Matcher): boolean {
  if (!m.isEqual) return false;
  return m.isRegex ? checkRegex(m.value, `matcher ${formatMatcher(m)}`).matchesEmpty : m.value === '';
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
