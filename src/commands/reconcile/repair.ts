import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderRepair} from '../../output/reconcile.js';
import {type RepairResult, repair} from '../../services/reconcile/repair.js';

export default class ReconcileRepair extends BaseCommand<typeof ReconcileRepair> {
  static override summary = 'Repair the PostgreSQL replica from Cassandra for the differences a run found.';
  static override description = withExitCodes(
    `Missing and differing rows are re-read from Cassandra (the source of truth) and upserted into
PostgreSQL. Every statement is guarded: it changes nothing when the PostgreSQL row changed since the run
(its row hash no longer matches) or is newer than Cassandra's write (updatedAt). Extra rows are deleted
only with --delete-extras, after confirmation. --dry-run prints the exact statements and changes nothing.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> latest --dry-run',
    '<%= config.bin %> <%= command.id %> latest --yes',
    '<%= config.bin %> <%= command.id %> latest --delete-extras',
  ];
  static override mutating = true;
  static override args = {run: Args.string({description: 'Run id, or "latest".', required: true})};
  static override flags = {
    ...mutationFlags,
    table: Flags.string({char: 't', summary: 'Only this table.'}),
    'delete-extras': Flags.boolean({summary: 'Also delete rows that exist only in PostgreSQL (asks first).'}),
    output: outputFlag,
  };

  async run(): Promise<RepairResult> {
    const f = this.flags;
    const ctx = await this.runContext();
    if (!f['dry-run']) {
      await this.confirm(
        `write to PostgreSQL for the differences of run ${this.args.run}${f['delete-extras'] ? ' (and delete its extra rows)' : ''}?`,
      );
    }
    const result = await repair(ctx, {
      runId: this.args.run,
      table: f.table,
      deleteExtras: f['delete-extras'],
      dryRun: f['dry-run'],
    });
    // rows left as they were (changed since the run, refused by PostgreSQL) make it partial; extra rows
    // kept by default do not, or every repair of a run with extras would exit 5
    if (!result.dryRun && result.skipped + result.failed > 0) this.exitWith(ExitCode.partial);
    return this.present(result, (wide) => renderRepair(result, wide));
  }
}
