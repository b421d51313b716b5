import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {UsageError} from '../../../errors.js';
import {renderExpired} from '../../../output/alerts.js';
import {expireSilences} from '../../../services/alerts/alerts.js';

export default class AlertsSilenceExpire extends BaseCommand<typeof AlertsSilenceExpire> {
  static override summary = 'Expire silences by id (the alerts they muted notify again).';
  static override strict = false;
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 4f0c…-id',
    '<%= config.bin %> alerts silence list -q | xargs <%= config.bin %> <%= command.id %>',
  ];
  static override flags = {'dry-run': mutationFlags['dry-run']};

  async run(): Promise<Awaited<ReturnType<typeof expireSilences>>> {
    if (!this.rest.length) throw new UsageError('give one or more silence ids');
    const r = await expireSilences(await this.runContext(), this.rest, {dryRun: this.flags['dry-run']});
    return this.present(r, () => renderExpired(r));
  }
}
