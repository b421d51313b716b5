import {BaseCommand} from '../../cli/base-command.js';
import {renderStatus} from '../../output/alerts.js';
import {type AlertmanagerOverview, alertmanagerStatus} from '../../services/alerts/alerts.js';

export default class AlertsStatus extends BaseCommand<typeof AlertsStatus> {
  static override summary = 'Alertmanager version, uptime, cluster, receivers, alert and silence counts.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<AlertmanagerOverview> {
    const s = await alertmanagerStatus(await this.runContext());
    return this.present(s, () => `${renderStatus(s)}\n`);
  }
}
