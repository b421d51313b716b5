import {UsageError} from '../errors.js';

/**
 * The bounds every duration and instant cdcctl reads must stay within, so that a huge value
 * (`--since 99999999999d`, `--timeout 99999999999h`) is a usage error instead of an Invalid Date, a
 * timer that fires at once, or a timestamp the store refuses.
 */

/** The longest a timer can wait: setTimeout's limit (2^31 − 1 ms, about 24.8 days); longer fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** The earliest and latest instants accepted: years 1 to 9999 (within both JavaScript's and PostgreSQL's range). */
export const MIN_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
/** The longest duration: the whole span of accepted instants. */
export const MAX_DURATION_MS = MAX_INSTANT_MS - MIN_INSTANT_MS;

export const UNIT_MS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000} as const;
export type DurationUnit = keyof typeof UNIT_MS;

/**
 * `amount` `unit`s in milliseconds, rejected (exit 2, naming `input`) when longer than `maxMs`:
 * MAX_TIMER_MS for what a timer waits, else MAX_DURATION_MS.
 */
export function durationMs(amount: number, unit: DurationUnit, input: string, maxMs = MAX_DURATION_MS): number {
  const ms = amount * UNIT_MS[unit];
  if (!Number.isFinite(ms) || ms > maxMs) {
    throw new UsageError(`duration "${input}" is too long`, {hint: `At most ${describeMs(maxMs)}.`});
  }
  return ms;
}

/** False for "<digits><unit>" text longer than MAX_DURATION_MS (for config schemas, which check the format themselves). */
export function fitsDuration(text: string): boolean {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  return !m || Number(m[1]) * UNIT_MS[m[2] as DurationUnit] <= MAX_DURATION_MS;
}

/** The instant `ms` milliseconds from epoch as a Date; outside years 1–9999 a usage error says `what` is out of range. */
export function instantAt(ms: number, what: string): Date {
  if (!Number.isFinite(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    throw new UsageError(`${what} is out of range: dates run from year 1 to 9999`);
  }
  return new Date(ms);
}

/** `ms` before `now` (a duration "ago"), within the accepted instants. */
export function instantAgo(ms: number, what: string, now = Date.now()): Date {
  return instantAt(now - ms, what);
}

/** "24.8 days", "1 hour": the largest whole unit, for hints. */
export function describeMs(ms: number): string {
  if (ms >= 365 * UNIT_MS.d) return `${Math.floor(ms / (365.25 * UNIT_MS.d))} years`;
  if (ms >= UNIT_MS.d) return `${Math.floor((ms / UNIT_MS.d) * 10) / 10} days`;
  if (ms >= UNIT_MS.h) return `${Math.floor(ms / UNIT_MS.h)} hours`;
  return `${ms} ms`;
}
