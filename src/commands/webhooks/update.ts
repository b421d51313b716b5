import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {subscriptionFlags, subscriptionInput} from '../../cli/flags/webhooks.js';
import {renderAdded} from '../../output/webhooks.js';
import {type AddResult, updateExisting} from '../../services/webhooks/subscriptions.js';

export default class WebhooksUpdate extends BaseCommand<typeof WebhooksUpdate> {
  static override summary = 'Change a webhook subscription (only the flags given change).';
  static override description =
    'Takes the flags of `webhooks add`. --secret-ref generated makes a new secret (shown once); --timeout sets the delivery timeout.';
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override flags = subscriptionFlags;
  static override examples = [
    `<%= config.bin %> <%= command.id %> demo-orders --filter 'after.quantity > 100' --rate 50`,
    '<%= config.bin %> <%= command.id %> demo-orders --secret-ref generated',
  ];

  async run(): Promise<AddResult> {
    const ctx = await this.runContext();
    const result = await updateExisting(ctx, this.args.name, subscriptionInput(this.flags, this.flags.timeout));
    return this.present(result, () => renderAdded(result, 'updated'));
  }
}
