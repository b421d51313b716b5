import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderJob} from '../../output/jobs.js';
import {showJob} from '../../services/jobs/index.js';
import type {JobDetail} from '../../services/jobs/types.js';

export default class JobsShow extends BaseCommand<typeof JobsShow> {
  static override summary =
    'One job: state, progress, who started it, whether it can be cancelled or resumed, and its own record.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> connect-task:inventory-source/0',
    '<%= config.bin %> <%= command.id %> connect-task:inventory-sink/0 -o yaml',
  ];
  static override args = {
    id: Args.string({
      description: 'The job id as `jobs list` shows it (<kind>:<id>; a bare id is looked up in every kind).',
      required: true,
    }),
  };
  static override flags = {output: outputFlag};

  async run(): Promise<JobDetail> {
    const job = await showJob(await this.runContext(), this.args.id);
    return this.present(job, () => renderJob(job));
  }
}
