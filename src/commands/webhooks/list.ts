import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderSubscriptions} from '../../output/webhooks.js';
import {listViews} from '../../services/webhooks/subscriptions.js';
import type {SubscriptionView} from '../../services/webhooks/types.js';

export default class WebhooksList extends BaseCommand<typeof WebhooksList> {
  static override summary = 'List the webhook subscriptions of this context.';
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];

  async run(): Promise<SubscriptionView[]> {
    const rows = await listViews(await this.runContext());
    return this.present(rows, (wide) => renderSubscriptions(rows, wide));
  }
}
