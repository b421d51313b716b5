import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag} from '../../cli/flags/dlq.js';
import {renderList} from '../../output/dlq.js';
import {type ListResult, listRecords} from '../../services/dlq/browse.js';

export default class DlqList extends BaseCommand<typeof DlqList> {
  static override summary = 'List dead-letter records (filters, paging).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --connector orders-sink --status new',
    '<%= config.bin %> <%= command.id %> --stage VALUE_CONVERTER --since 2h -o wide',
    '<%= config.bin %> <%= command.id %> --limit 100 --offset 100 --json',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders --limit 100 --after 0:20',
  ];
  static override flags = {
    output: outputFlag,
    ...dlqFilterFlags,
    ...fromTopicFlag,
    limit: integerFlag({summary: 'Records per page.', default: 50, min: 1, max: 10_000}),
    offset: integerFlag({summary: 'Skip this many records (next page).', default: 0, min: 0}),
    after: Flags.string({
      summary:
        'With --from-topic: the records after this one (partition:offset), in (partition, offset) order — the next page, stable while the topic grows.',
      dependsOn: ['from-topic'],
      exclusive: ['offset'],
    }),
  };

  async run(): Promise<ListResult> {
    const result = await listRecords(
      await this.runContext(),
      {fromTopic: this.flags['from-topic']},
      dlqFilterOf(this.flags),
      {limit: this.flags.limit, offset: this.flags.offset, after: this.flags.after},
    );
    return this.present(result, (wide) => renderList(result, wide));
  }
}
