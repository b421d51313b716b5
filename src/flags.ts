import {Flags} from '@oclif/core';
import {UsageError} from './errors.js';

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

/** Parses "500ms", "30s", "2m", "1h" or a bare number of seconds into milliseconds. */
export function parseDuration(input: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(input.trim());
  if (!m) throw new UsageError(`invalid duration "${input}"`, {hint: 'Use e.g. 500ms, 30s, 2m or 1h.'});
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0) throw new UsageError(`duration must be positive: "${input}"`);
  return Math.round(ms);
}

export const durationFlag = Flags.custom<number>({
  parse: async (input) => parseDuration(input),
});

/** A duration where 0 (in any unit) means off: 0, else parseDuration's milliseconds. */
export function parseDurationOrOff(input: string): number {
  return /^0+(ms|s|m|h)?$/.test(input.trim()) ? 0 : parseDuration(input);
}

/** A duration where 0 means off (e.g. --min-age 0 overrides a configured one). */
export const durationOrOffFlag = Flags.custom<number>({
  parse: async (input) => parseDurationOrOff(input),
});

/** `--wait` and `--wait-timeout`, shared by every state-changing verb. */
export const waitFlags = {
  wait: Flags.boolean({
    summary: 'Return only when every target reached its target state (exit 3 with the state it is stuck in).',
  }),
  'wait-timeout': Flags.string({summary: 'How long --wait waits, e.g. 90s.', default: '60s'}),
};

/** The --wait budget in ms, or undefined without --wait. */
export function waitBudget(flags: {wait?: boolean; 'wait-timeout'?: string}): number | undefined {
  return flags.wait ? parseDuration(flags['wait-timeout'] ?? '60s') : undefined;
}
