import {Flags} from '@oclif/core';

/** Flags shared by the backfill commands. */

export const channelFlag = Flags.option({
  summary:
    'Signal channel: the source signal table or the Kafka signal topic (default: the source table if configured).',
  options: ['source', 'kafka'] as const,
})();

export const waitTimeoutFlag = Flags.string({
  summary: 'How long --wait waits for the snapshot to end, e.g. 30m.',
  default: '30m',
});
