import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {renderSubscription} from '../../output/webhooks.js';
import {setState} from '../../services/webhooks/subscriptions.js';
import type {SubscriptionView} from '../../services/webhooks/types.js';

export default class WebhooksPause extends BaseCommand<typeof WebhooksPause> {
  static override summary = 'Pause a subscription: its messages wait in the queue.';
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-orders'];

  async run(): Promise<SubscriptionView> {
    const view = await setState(await this.runContext(), this.args.name, 'paused');
    return this.present(view, () => renderSubscription(view));
  }
}
