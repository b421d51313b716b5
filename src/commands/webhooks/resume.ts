import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {renderSubscription} from '../../output/webhooks.js';
import {setState} from '../../services/webhooks/subscriptions.js';
import type {SubscriptionView} from '../../services/webhooks/types.js';

export default class WebhooksResume extends BaseCommand<typeof WebhooksResume> {
  static override summary = 'Resume a paused or disabled subscription (its failure streak starts again at 0).';
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-orders'];

  async run(): Promise<SubscriptionView> {
    const view = await setState(await this.runContext(), this.args.name, 'active');
    return this.present(view, () => renderSubscription(view));
  }
}
