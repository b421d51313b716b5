import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {renderBatch} from '../../output/batch.js';
import {batchExitCode, resumeBatch} from '../../services/batch/runner.js';
import type {BatchResult} from '../../services/batch/types.js';

export default class BatchResume extends BaseCommand<typeof BatchResume> {
  static override mutating = true;
  static override summary =
    'Run again the items of a batch that did not succeed (failed, skipped, not run, interrupted).';
  static override description = withExitCodes(
    `The plan is the one stored with the run; a CSV it reads must be unchanged (its sha256 is compared). Items that succeeded are left alone; an erasure runs again under its own request id (so a saga half-way goes on), a replay under its own run id. Options not given are the run's own. Exit 5 when any item still failed.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> bt-… --dry-run',
    '<%= config.bin %> <%= command.id %> bt-… --continue-on-error --yes',
  ];
  static override args = {
    id: Args.string({description: 'The batch id (bt-…), as `batch` or `jobs list` shows it.', required: true}),
  };
  static override flags = {
    concurrency: integerFlag({summary: "Items in flight at once (default: the run's).", min: 1, max: 64}),
    'continue-on-error': Flags.boolean({summary: 'Run every item whatever fails.', allowNo: true}),
    ...mutationFlags,
    output: outputFlag,
  };

  async run(): Promise<BatchResult> {
    const f = this.flags;
    const ctx = await this.runContext();
    const id = this.args.id.replace(/^batch:/, '');
    if (!f['dry-run']) await this.confirm(`resume batch ${id} in context "${ctx.contextName}"?`);
    const result = await resumeBatch(ctx, id, {
      concurrency: f.concurrency,
      continueOnError: f['continue-on-error'],
      dryRun: Boolean(f['dry-run']),
    });
    this.exitWith(batchExitCode(result));
    return this.present(result, (wide) => renderBatch(result, wide));
  }
}
