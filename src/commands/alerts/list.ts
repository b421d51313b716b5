import {BaseCommand} from '../../cli/base-command.js';
import {selectionFlags} from '../../cli/flags/alerts.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderAlerts} from '../../output/alerts.js';
import {type AlertRow, type AlertState, listAlerts} from '../../services/alerts/alerts.js';
import {parseMatchers} from '../../services/alerts/matchers.js';

export default class AlertsList extends BaseCommand<typeof AlertsList> {
  static override summary = 'List alerts: by default the active CDC alerts of this context.';
  static override description =
    'Matchers use amtool syntax (name=value, name!=value, name=~regex, name!~regex; a first bare word is the ' +
    'alert name); regexes, --receiver included, are RE2 as Alertmanager compiles them. "CDC alerts" are those matching the context\'s alerts.matchers (default: alert names of ' +
    'connectors, tasks, replication, reconciliation, Debezium, DLQ, schemas); --all drops that filter.';
  static override strict = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ConnectorDown connector=~"inventory-.*"',
    '<%= config.bin %> <%= command.id %> --all --state active --state silenced -o wide',
    '<%= config.bin %> <%= command.id %> severity=critical --receiver pager --json',
  ];
  static override flags = {output: outputFlag, ...selectionFlags};

  async run(): Promise<AlertRow[]> {
    const rows = await listAlerts(await this.runContext(), {
      matchers: parseMatchers(this.rest),
      all: this.flags.all,
      states: this.flags.state as AlertState[] | undefined,
      receiver: this.flags.receiver,
    });
    return this.present(rows, (wide) => renderAlerts(rows, wide));
  }
}
