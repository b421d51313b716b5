import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {renderSilences} from '../../../output/alerts.js';
import {type SilenceView, showSilence} from '../../../services/alerts/alerts.js';

export default class AlertsSilenceShow extends BaseCommand<typeof AlertsSilenceShow> {
  static override summary = 'Show one silence.';
  static override examples = ['<%= config.bin %> <%= command.id %> 4f0c…-id --json'];
  static override args = {id: Args.string({required: true, description: 'Silence id.'})};

  async run(): Promise<SilenceView> {
    const s = await showSilence(await this.runContext(), this.args.id);
    return this.present(s, () => `${renderSilences([s], true)}\n`);
  }
}
