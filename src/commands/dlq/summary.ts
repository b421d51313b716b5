import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag} from '../../cli/flags/dlq.js';
import {renderSummary} from '../../output/dlq.js';
import {type SummaryResult, summarizeRecords} from '../../services/dlq/browse.js';

export default class DlqSummary extends BaseCommand<typeof DlqSummary> {
  static override summary = 'Count dead-letter records by connector × stage × exception, with the oldest and newest.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 1d -o wide',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders --json',
  ];
  static override flags = {output: outputFlag, ...dlqFilterFlags, ...fromTopicFlag};

  async run(): Promise<SummaryResult> {
    const result = await summarizeRecords(
      await this.runContext(),
      {fromTopic: this.flags['from-topic']},
      dlqFilterOf(this.flags),
    );
    return this.present(result, (wide) => renderSummary(result, wide));
  }
}
