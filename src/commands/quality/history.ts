import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderHistory} from '../../output/quality.js';
import {type QualityHistory, qualityHistory} from '../../services/quality/history.js';

export default class QualityHistoryCommand extends BaseCommand<typeof QualityHistoryCommand> {
  static override summary = 'Stored quality results: a sparkline per check over the last runs, and the runs.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --table demo.accounts --check row_count --runs 50 -o wide',
  ];
  static override flags = {
    table: Flags.string({char: 't', summary: 'Only this table.'}),
    check: Flags.string({char: 'c', summary: 'Only this check.'}),
    runs: integerFlag({summary: 'The last this many runs.', default: 30, min: 1, max: 10_000}),
    output: outputFlag,
  };

  async run(): Promise<QualityHistory> {
    const h = await qualityHistory(await this.runContext(), {
      table: this.flags.table,
      check: this.flags.check,
      runs: this.flags.runs,
    });
    return this.present(h, (wide) => renderHistory(h, wide));
  }
}
