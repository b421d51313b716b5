import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {dryRunFlag, outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderResume, renderResumePlan} from '../../output/gdpr.js';
import {planResume, resume} from '../../services/gdpr/requests.js';
import type {ResumePlan, ResumeResult} from '../../services/gdpr/types.js';

export default class GdprResume extends BaseCommand<typeof GdprResume> {
  static override mutating = true;
  static override permission = 'gdpr:erase';
  static override summary = 'Finish or compensate every erasure left unfinished (crash, failure, backup grace period).';
  static override description = withExitCodes(
    'Re-runs each unfinished request of the context from its last journalled step (every step is idempotent), and ' +
      'purges backups whose grace period is over. Safe to run from cron. Requests in needs_operator are listed, not touched. ' +
      '--dry-run lists the requests it would pick, the journal entry each stopped at and the steps it would run; it changes nothing.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --request DSR-2026-117 --json',
  ];
  static override flags = {
    output: outputFlag,
    request: Flags.string({summary: 'Only this request.'}),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<ResumeResult | ResumePlan> {
    if (this.flags['dry-run']) {
      const plan = await planResume(await this.runContext(), {requestId: this.flags.request});
      if (plan.needsOperator.length) this.exitWith(ExitCode.notOk);
      return this.present(plan, () => renderResumePlan(plan));
    }
    const result = await resume(await this.runContext(), {requestId: this.flags.request});
    if (result.requests.some((r) => r.error)) this.exitWith(ExitCode.partial);
    else if (result.needsOperator.length) this.exitWith(ExitCode.notOk);
    return this.present(result, () => renderResume(result));
  }
}
