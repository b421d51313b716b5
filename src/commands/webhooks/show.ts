import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderSubscription} from '../../output/webhooks.js';
import {showSubscription} from '../../services/webhooks/subscriptions.js';
import type {SubscriptionView} from '../../services/webhooks/types.js';

export default class WebhooksShow extends BaseCommand<typeof WebhooksShow> {
  static override summary = 'Show one webhook subscription (never its secret).';
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-orders'];

  async run(): Promise<SubscriptionView> {
    const view = await showSubscription(await this.runContext(), this.args.name);
    return this.present(view, () => renderSubscription(view));
  }
}
