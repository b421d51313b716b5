import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderCancel} from '../../output/jobs.js';
import {cancelJob} from '../../services/jobs/index.js';
import type {CancelResult} from '../../services/jobs/types.js';

export default class JobsCancel extends BaseCommand<typeof JobsCancel> {
  static override mutating = true;
  static override summary = 'Ask a running job to stop at its next checkpoint (it stays resumable).';
  static override description = withExitCodes(
    `Cooperative: the request is written to the operational store; the job reads it within a second, stops at its next checkpoint (a reconcile run after its current token split, a DLQ replay after its current batch, a batch run before its next item) and records where it stopped, so that it can be resumed (\`jobs show\` names the command). The command returns once the request is stored; \`jobs show <id>\` tells when the job obeyed it.

Exit 2: the kind cannot be cancelled (Connect tasks: pause or stop the connector; GDPR erasures: they finish or compensate). Exit 3: the job is not running.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> reconcile:rc-… --yes',
    "<%= config.bin %> <%= command.id %> batch:bt-… --reason 'maintenance window over' --yes",
  ];
  static override args = {
    id: Args.string({description: 'The job id (<kind>:<id>) as `jobs list` shows it.', required: true}),
  };
  static override flags = {
    reason: Flags.string({summary: 'Why: kept with the request and shown by `jobs show`.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation (required when stdin is not a terminal).'}),
    output: outputFlag,
  };

  async run(): Promise<CancelResult> {
    const ctx = await this.runContext();
    await this.confirm(`cancel ${this.args.id}?`);
    const result = await cancelJob(ctx, this.args.id, this.flags.reason);
    return this.present(result, () => renderCancel(result));
  }
}
