import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderList} from '../../output/backfill.js';
import {listRecorded} from '../../services/backfill/records.js';
import type {BackfillRecord} from '../../services/backfill/types.js';

export default class BackfillList extends BaseCommand<typeof BackfillList> {
  static override summary = 'List recorded backfills, newest first.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --source inventory-source -o wide',
    '<%= config.bin %> <%= command.id %> --status interrupted -o json',
  ];
  static override flags = {
    source: Flags.string({summary: 'Only backfills of this connector or table pair.'}),
    status: Flags.string({
      summary: 'Only backfills in this status.',
      options: [
        'requested',
        'running',
        'paused',
        'completed',
        'stopped',
        'aborted',
        'skipped',
        'failed',
        'interrupted',
      ],
    }),
    limit: integerFlag({summary: 'At most this many.', default: 20, min: 1}),
    output: outputFlag,
  };

  async run(): Promise<BackfillRecord[]> {
    const rows = await listRecorded(await this.runContext(), {
      source: this.flags.source,
      status: this.flags.status,
      limit: this.flags.limit,
    });
    return this.present(rows, (wide) => renderList(rows, wide));
  }
}
