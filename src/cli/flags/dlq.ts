import {Flags} from '@oclif/core';
import {DLQ_STATUSES, type DlqFilter, type DlqStatus} from '../../store/dlq-records.js';
import {parseInstant} from '../../util/time.js';

/**
 * Flags shared by the `dlq` commands: the record filter (same meaning on the store and on a topic)
 * and --from-topic. One definition each.
 */

export const dlqFilterFlags = {
  connector: Flags.string({summary: 'Only records of this connector.', helpGroup: 'FILTER'}),
  topic: Flags.string({summary: 'Only records that came from this (original) topic.', helpGroup: 'FILTER'}),
  stage: Flags.string({
    summary: 'Only this Connect stage (VALUE_CONVERTER, TASK_PUT, TRANSFORMATION …).',
    helpGroup: 'FILTER',
  }),
  exception: Flags.string({
    summary: 'Only exception classes containing this text (case-insensitive).',
    helpGroup: 'FILTER',
  }),
  since: Flags.string({
    summary: 'Only records written since: a duration (10m, 2h, 3d) or an ISO date.',
    helpGroup: 'FILTER',
  }),
  until: Flags.string({summary: 'Only records written before: a duration ago or an ISO date.', helpGroup: 'FILTER'}),
  status: Flags.option({
    summary: 'Only records in this state (repeatable). Store only.',
    options: DLQ_STATUSES,
    multiple: true,
    helpGroup: 'FILTER',
  })(),
  run: Flags.string({summary: 'Only records of this replay run. Store only.', helpGroup: 'FILTER'}),
};

export const fromTopicFlag = {
  'from-topic': Flags.string({
    summary: 'Read this dead-letter topic directly instead of the store (record ids are partition:offset).',
  }),
};

export function dlqFilterOf(
  flags: {
    connector?: string;
    topic?: string;
    stage?: string;
    exception?: string;
    since?: string;
    until?: string;
    status?: string[];
    run?: string;
  },
  ids: string[] = [],
): DlqFilter {
  return {
    ids: ids.length ? ids : undefined,
    connector: flags.connector,
    topic: flags.topic,
    stage: flags.stage,
    exception: flags.exception,
    since: flags.since ? parseInstant(flags.since, 'since') : undefined,
    until: flags.until ? parseInstant(flags.until, 'until') : undefined,
    status: flags.status?.length ? (flags.status as DlqStatus[]) : undefined,
    run: flags.run,
  };
}

/** True when the filter selects something narrower than "everything". */
export function isNarrowed(f: DlqFilter): boolean {
  return Boolean(
    f.ids?.length ||
      f.connector ||
      f.topic ||
      f.stage ||
      f.exception ||
      f.since ||
      f.until ||
      f.status?.length ||
      f.run,
  );
}
