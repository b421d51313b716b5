import {UsageError} from '../errors.js';

/**
 * Durations and instants: the one home of their parsers (below), and the bounds every duration and
 * instant cdcctl reads must stay within, so that a huge value (`--since 99999999999d`, `--timeout
 * 99999999999h`) is a usage error instead of an Invalid Date, a timer that fires at once, or a
 * timestamp the store refuses. Pure: no oclif here (the flag wrappers live in src/cli/flags/).
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

/*
 * The parsers of what cdcctl reads as a duration or an instant: the one home of each syntax. Where two
 * commands accept different syntaxes (audit's --since wants a unit; the DLQ's takes bare seconds too),
 * each syntax keeps its own function, so that moving them here changed nothing a command accepts.
 */

/**
 * Parses "500ms", "30s", "2m", "1h" or a bare number of seconds into milliseconds; longer than
 * `maxMs` (default: the span of dates cdcctl accepts; MAX_TIMER_MS for what a timer waits) is a usage error.
 */
export function parseDuration(input: string, maxMs = MAX_DURATION_MS): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(input.trim());
  if (!m) throw new UsageError(`invalid duration "${input}"`, {hint: 'Use e.g. 500ms, 30s, 2m or 1h.'});
  const ms = durationMs(Number(m[1]), (m[2] ?? 's') as DurationUnit, input, maxMs);
  if (ms <= 0) throw new UsageError(`duration must be positive: "${input}"`);
  return Math.round(ms);
}

/** A duration a timer waits (--wait-timeout, --interval, --keep-alive): at most MAX_TIMER_MS (24.8 days). */
export function parseTimerDuration(input: string): number {
  return parseDuration(input, MAX_TIMER_MS);
}

/** A duration where 0 (in any unit) means off: 0, else parseDuration's milliseconds (at most `maxMs`). */
export function parseDurationOrOff(input: string, maxMs = MAX_DURATION_MS): number {
  return /^0+(ms|s|m|h)?$/.test(input.trim()) ? 0 : parseDuration(input, maxMs);
}

/** "1h", "30m", "2d" (days too, and parseDuration's forms) into seconds: a Prometheus range or step. */
export function parseSpan(input: string): number {
  const d = /^(\d+(?:\.\d+)?)d$/.exec(input.trim());
  return (d ? durationMs(Number(d[1]), 'd', input) : parseDuration(input)) / 1000;
}

/** "30s", "12h", "30d": a whole number and a unit (required), into milliseconds (the gdpr config's durations). */
export function parseGdprDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration "${text}"`, {hint: 'Use e.g. 30s, 15m, 12h or 30d.'});
  return durationMs(Number(m[1]), m[2] as DurationUnit, text);
}

/** `--<flag>` as "10m", "2h", "3d" or bare seconds → that long ago; otherwise an ISO-8601 date (dlq, events). */
export function parseInstant(input: string, flag: string): Date {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(input.trim());
  if (days) return instantAgo(durationMs(Number(days[1]), 'd', input), `--${flag} ${input}`);
  if (/^\d+(\.\d+)?(ms|s|m|h)?$/.test(input.trim())) return instantAgo(parseDuration(input), `--${flag} ${input}`);
  const t = Date.parse(input);
  if (Number.isNaN(t)) {
    throw new UsageError(`invalid --${flag} "${input}"`, {
      hint: 'Use a duration (10m, 2h, 3d) or a date (2026-11-27T03:00:00Z).',
    });
  }
  return instantAt(t, `--${flag} ${input}`);
}

/**
 * An ISO-8601 date or date/time only (`--until`, compliance `--from`/`--to`); `flag` ("--until") names
 * it in range errors (a flag's parse error is prefixed with the flag's name by the parser).
 */
export function parseDate(input: string, flag: string): Date {
  const t = Date.parse(input);
  if (Number.isNaN(t)) throw new UsageError(`"${input}" is not a date`, {hint: 'Use ISO 8601, e.g. 2026-01-01.'});
  return instantAt(t, `${flag} ${input}`);
}

/**
 * The audit log's `--since 24h` (that long ago: a unit is required, days whole) or an ISO-8601
 * date/time; `flag` ("--since") names the input in errors.
 */
export function parseAuditTime(input: string, flag: string): Date {
  if (/^\d+(\.\d+)?(ms|s|m|h)$/.test(input.trim())) return instantAgo(parseDuration(input), `${flag} ${input}`);
  if (/^\d+d$/.test(input.trim()))
    return instantAgo(durationMs(Number.parseInt(input, 10), 'd', input), `${flag} ${input}`);
  const t = Date.parse(input);
  if (Number.isNaN(t)) {
    throw new UsageError(`${flag}: "${input}" is neither a duration nor a date`, {
      hint: 'Use e.g. 90m, 24h, 7d or 2025-01-31T12:00:00Z.',
    });
  }
  return instantAt(t, `${flag} ${input}`);
}

/** A Prometheus time given as unix seconds, ISO-8601, or "now", in (fractional) unix seconds. */
export function parsePromTime(input: string): number {
  if (input === 'now') return Date.now() / 1000;
  if (/^\d+(\.\d+)?$/.test(input)) return instantAt(Number(input) * 1000, `time ${input}`).getTime() / 1000;
  const t = Date.parse(input);
  if (Number.isNaN(t)) throw new UsageError(`bad time "${input}"`, {hint: 'Use unix seconds, ISO-8601 or "now".'});
  return instantAt(t, `time ${input}`).getTime() / 1000;
}
