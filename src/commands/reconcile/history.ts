import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderHistory} from '../../output/reconcile.js';
import {history} from '../../services/reconcile/results.js';
import type {RunRecord} from '../../store/reconcile.js';

export default class ReconcileHistory extends BaseCommand<typeof ReconcileHistory> {
  static override summary = 'List reconciliation runs, newest first.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --table demo.accounts --limit 5 -o wide',
  ];
  static override flags = {
    table: Flags.string({char: 't', summary: 'Only runs that checked this table.'}),
    limit: integerFlag({summary: 'At most this many runs.', default: 20, min: 1}),
    'all-contexts': Flags.boolean({summary: 'Runs of every context stored in this database.'}),
    output: outputFlag,
  };

  async run(): Promise<RunRecord[]> {
    const runs = await history(await this.runContext(), {
      table: this.flags.table,
      limit: this.flags.limit,
      all: this.flags['all-contexts'],
    });
    return this.present(runs, (wide) => (runs.length ? renderHistory(runs, wide) : 'No reconcile runs yet.'));
  }
}
