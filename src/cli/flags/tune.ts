import {Flags} from '@oclif/core';
import {UsageError} from '../../errors.js';
import {parseDuration} from '../../util/time.js';

/** Flags of `cdcctl tune`: one definition each. */

/** A measuring window or duration, in seconds: at least 5 s (two 1 s scrapes per rate, some margin), at most a day. */
export function windowSeconds(input: string, flag: string): number {
  const ms = parseDuration(input);
  if (ms < 5000 || ms > 86_400_000)
    throw new UsageError(`${flag} must be between 5s and 24h, got "${input}"`, {hint: 'e.g. 5m, 90s, 1h'});
  return Math.round(ms / 1000);
}

export const windowFlag = Flags.custom<number>({
  summary: 'How far back to look at the metrics (5s–24h).',
  parse: async (input) => windowSeconds(input, '--window'),
});
