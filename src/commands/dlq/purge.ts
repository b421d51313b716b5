import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag} from '../../cli/flags/dlq.js';
import {renderPurge} from '../../output/dlq.js';
import {type PurgeResult, purgeRecords} from '../../services/dlq/browse.js';
import {parseInstant} from '../../util/time.js';

export default class DlqPurge extends BaseCommand<typeof DlqPurge> {
  static override summary = 'Delete discarded records discarded before a date (asks first).';
  static override description =
    'On the store, only records marked discarded are deleted. With --from-topic, Kafka deletes every record written before the date in each partition (DeleteRecords: a topic cannot lose single records).';
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --before 30d --yes',
    '<%= config.bin %> <%= command.id %> --before 2026-11-01 --connector orders-sink --dry-run',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders --before 7d',
  ];
  static override flags = {
    output: outputFlag,
    before: Flags.string({summary: 'A date (ISO-8601) or an age (30d, 12h).', required: true}),
    connector: dlqFilterFlags.connector,
    topic: dlqFilterFlags.topic,
    stage: dlqFilterFlags.stage,
    ...fromTopicFlag,
    ...mutationFlags,
  };

  async run(): Promise<PurgeResult> {
    const ctx = await this.runContext();
    const before = parseInstant(this.flags.before, 'before');
    const src = {fromTopic: this.flags['from-topic']};
    const filter = dlqFilterOf(this.flags);
    const plan = await purgeRecords(ctx, src, before, filter, true);
    if (this.flags['dry-run'] || plan.count === 0) return this.present(plan, () => renderPurge(plan));
    await this.confirm(
      src.fromTopic
        ? `Delete ${plan.count} record(s) from topic ${src.fromTopic}?`
        : `Delete ${plan.count} discarded record(s) from the store?`,
    );
    const result = await purgeRecords(ctx, src, before, filter, false);
    return this.present(result, () => renderPurge(result));
  }
}
