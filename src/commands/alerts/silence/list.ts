import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderSilences} from '../../../output/alerts.js';
import {listSilences, type SilenceView} from '../../../services/alerts/alerts.js';
import {parseMatchers} from '../../../services/alerts/matchers.js';

export default class AlertsSilenceList extends BaseCommand<typeof AlertsSilenceList> {
  static override summary = 'List silences (active and pending; --expired or --all for the rest).';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> alertname=ConnectorDown --all -o wide',
    '<%= config.bin %> <%= command.id %> -q',
  ];
  static override flags = {
    output: outputFlag,
    expired: Flags.boolean({summary: 'Only expired silences.', exclusive: ['all']}),
    all: Flags.boolean({summary: 'Expired ones too.'}),
    quiet: Flags.boolean({char: 'q', summary: 'Only ids.'}),
  };

  async run(): Promise<SilenceView[]> {
    const list = await listSilences(await this.runContext(), {
      matchers: parseMatchers(this.rest),
      expired: this.flags.expired,
      all: this.flags.all,
    });
    if (this.flags.quiet && !this.jsonEnabled()) {
      if (list.length) process.stdout.write(`${list.map((s) => s.id).join('\n')}\n`);
      return list;
    }
    return this.present(list, (wide) => renderSilences(list, wide));
  }
}
