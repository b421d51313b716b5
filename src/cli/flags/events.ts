import {Flags} from '@oclif/core';
import type {ConsumeStart} from '../../clients/kafka.js';
import {parseInstant} from '../../util/time.js';

/** Flags shared by `events tail` and `events sse`: what to follow and where to start. */

export const eventSourceFlags = {
  connector: Flags.string({summary: "Follow the connector's topics instead of naming one."}),
  'from-beginning': Flags.boolean({summary: 'Start at the oldest retained event.', exclusive: ['since']}),
  since: Flags.string({summary: 'Start at events written since: a duration (10m, 2h, 3d) or an ISO date.'}),
};

export function startOf(flags: {'from-beginning'?: boolean; since?: string}): ConsumeStart {
  if (flags['from-beginning']) return 'beginning';
  if (flags.since) return {timestamp: parseInstant(flags.since, 'since').getTime()};
  return 'end';
}
