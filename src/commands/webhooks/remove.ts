import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {mustGet, removeSubscription} from '../../services/webhooks/subscriptions.js';

export default class WebhooksRemove extends BaseCommand<typeof WebhooksRemove> {
  static override summary = 'Remove a subscription, its queued messages and its delivery history.';
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override flags = {yes: mutationFlags.yes, 'dry-run': mutationFlags['dry-run']};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-ops --yes'];

  async run(): Promise<{removed: string; dryRun?: boolean}> {
    const ctx = await this.runContext();
    const sub = await mustGet(ctx, this.args.name);
    if (this.flags['dry-run']) {
      const r = {removed: sub.name, dryRun: true};
      return this.present(r, () => `would remove webhook subscription ${sub.name} (${sub.url})\n`);
    }
    await this.confirm(`remove webhook subscription ${sub.name} (${sub.url})?`);
    const r = await removeSubscription(ctx, this.args.name);
    return this.present(r, () => `removed webhook subscription ${r.removed}\n`);
  }
}
