import {Flags} from '@oclif/core';

/** Flags shared by `metrics range` and `metrics show`: the time window and the output form of a range. */

export const windowFlags = {
  since: Flags.string({summary: 'How far back, e.g. 15m, 1h, 2d (default 1h).', exclusive: ['start']}),
  start: Flags.string({summary: 'Start time: unix seconds or ISO-8601.'}),
  end: Flags.string({summary: 'End time: unix seconds, ISO-8601 or now (default now).'}),
  step: Flags.string({summary: 'Resolution, e.g. 15s, 1m (default: about 60 points).'}),
};

export const rangeOutputFlag = Flags.option({
  char: 'o',
  summary: 'Output: a chart (default on a terminal), table (default otherwise), csv, json, yaml.',
  options: ['chart', 'table', 'wide', 'csv', 'json', 'yaml'] as const,
  helpGroup: 'OUTPUT',
})();
