import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {mismatchesCsv, renderRunDetails} from '../../output/reconcile.js';
import {type RunDetails, showRun} from '../../services/reconcile/results.js';

export default class ReconcileShow extends BaseCommand<typeof ReconcileShow> {
  static override summary = 'Show one reconciliation run: per-table figures and every difference, column by column.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> latest',
    '<%= config.bin %> <%= command.id %> latest --kind value -o csv > drift.csv',
    '<%= config.bin %> <%= command.id %> latest --json',
  ];
  static override args = {run: Args.string({description: 'Run id, or "latest".', required: true})};
  static override flags = {
    table: Flags.string({char: 't', summary: 'Only this table.'}),
    kind: Flags.option({summary: 'Only this kind of difference.', options: ['missing', 'extra', 'value'] as const})(),
    limit: integerFlag({summary: 'At most this many differences.', min: 1}),
    output: Flags.option({
      char: 'o',
      summary: 'Output format.',
      options: ['table', 'wide', 'json', 'yaml', 'csv'] as const,
      default: 'table',
    })(),
  };

  async run(): Promise<RunDetails> {
    const details = await showRun(await this.runContext(), this.args.run, {
      table: this.flags.table,
      kind: this.flags.kind,
      limit: this.flags.limit,
    });
    const csv = this.flags.output === 'csv';
    return this.present(details, (wide) => (csv ? mismatchesCsv(details.mismatches) : renderRunDetails(details, wide)));
  }
}
