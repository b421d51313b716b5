import {Flags} from '@oclif/core';
import {UsageError} from '../../errors.js';
import {
  MAX_DURATION_MS,
  MAX_TIMER_MS,
  parseDate,
  parseDuration,
  parseDurationOrOff,
  parseTimerDuration,
} from '../../util/time.js';

/** Flags shared by several commands: one definition each. */

export const outputFlag = Flags.option({
  char: 'o',
  summary: 'Output format.',
  options: ['table', 'wide', 'json', 'yaml'] as const,
  default: 'table',
  helpGroup: 'OUTPUT',
})();

/** `--dry-run` alone, for mutating commands that never ask for confirmation (and so take no --yes). */
export const dryRunFlag = Flags.boolean({summary: 'Show exactly what would change, and change nothing.'});

export const mutationFlags = {
  yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation (required when stdin is not a terminal).'}),
  'dry-run': dryRunFlag,
};

/** Why a connector config changed: stored with the config version it creates. */
export const messageFlag = Flags.string({
  char: 'm',
  summary: 'Why: a message stored with the config version this change creates.',
});

export const durationFlag = Flags.custom<number>({
  parse: async (input) => parseDuration(input),
});

/** A duration something waits for with a timer (--timeout, --interval): at most MAX_TIMER_MS (24.8 days). */
export const timerFlag = Flags.custom<number>({
  parse: async (input) => parseTimerDuration(input),
});

/** A duration where 0 means off (e.g. --min-age 0 overrides a configured one), at most `maxMs`. */
const offOrDuration = (maxMs: number) =>
  Flags.custom<number>({parse: async (input) => parseDurationOrOff(input, maxMs)});
export const durationOrOffFlag = offOrDuration(MAX_DURATION_MS);
/** A timer's wait where 0 means off (--recheck-after). */
export const timerOrOffFlag = offOrDuration(MAX_TIMER_MS);

/** An ISO-8601 date or date/time (`--until`, `--from`, `--to`). */
export const dateFlag = Flags.custom<Date>({parse: async (input, _ctx, opts) => parseDate(input, `--${opts.name}`)});

/** A fraction in (0, 1] (`--sample 0.01`, `--max-diff-ratio 0.1`). */
export const fractionFlag = Flags.custom<number>({parse: async (input) => parseFraction(input, false)});
/** A fraction in [0, 1] (`--drift 0`). */
export const fractionOrZeroFlag = Flags.custom<number>({parse: async (input) => parseFraction(input, true)});

function parseFraction(input: string, zero: boolean): number {
  const n = input.trim() === '' ? Number.NaN : Number(input);
  if (zero ? n >= 0 && n <= 1 : n > 0 && n <= 1) return n;
  throw new UsageError(`must be a fraction in ${zero ? '[0, 1]' : '(0, 1]'}, got "${input}"`, {hint: 'e.g. 0.01'});
}

/**
 * oclif's integer flag, bounded by default to the integers a number holds exactly (2^53 − 1): a
 * larger one (`--limit 99999999999999999999`) is a usage error instead of a rounded value that a
 * store or a service then refuses. Use it for every integer flag.
 */
export const integerFlag = ((options: Record<string, unknown> = {}) =>
  Flags.integer({max: Number.MAX_SAFE_INTEGER, ...options})) as typeof Flags.integer;

/** `--wait` and `--wait-timeout`, shared by every state-changing verb. */
export const waitFlags = {
  wait: Flags.boolean({
    summary: 'Return only when every target reached its target state (exit 3 with the state it is stuck in).',
  }),
  'wait-timeout': Flags.string({summary: 'How long --wait waits, e.g. 90s.', default: '60s'}),
};

/** The --wait budget in ms, or undefined without --wait. */
export function waitBudget(flags: {wait?: boolean; 'wait-timeout'?: string}): number | undefined {
  return flags.wait ? parseTimerDuration(flags['wait-timeout'] ?? '60s') : undefined;
}
