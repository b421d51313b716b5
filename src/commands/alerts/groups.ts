import {BaseCommand} from '../../cli/base-command.js';
import {selectionFlags} from '../../cli/flags/alerts.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderGroups} from '../../output/alerts.js';
import {type AlertState, type GroupRow, listGroups} from '../../services/alerts/alerts.js';
import {parseMatchers} from '../../services/alerts/matchers.js';

export default class AlertsGroups extends BaseCommand<typeof AlertsGroups> {
  static override summary = 'Alert groups as Alertmanager routes them (group labels, receiver, counts by state).';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all -o wide',
  ];
  static override flags = {output: outputFlag, ...selectionFlags};

  async run(): Promise<GroupRow[]> {
    const groups = await listGroups(await this.runContext(), {
      matchers: parseMatchers(this.rest),
      all: this.flags.all,
      states: this.flags.state as AlertState[] | undefined,
      receiver: this.flags.receiver,
    });
    return this.present(groups, (wide) => renderGroups(groups, wide));
  }
}
