import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderSilenceIds, renderSilences} from '../../../output/alerts.js';
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
    // -q: the ids alone, one a line, in place of the table (amtool's -q); -o json|yaml still print the document
    return this.present(list, (wide) => (this.flags.quiet ? renderSilenceIds(list) : renderSilences(list, wide)));
  }
}
