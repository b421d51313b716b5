import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {subscriptionFlags, subscriptionInput} from '../../cli/flags/webhooks.js';
import {renderAdded} from '../../output/webhooks.js';
import {type AddResult, addSubscription} from '../../services/webhooks/subscriptions.js';

export default class WebhooksAdd extends BaseCommand<typeof WebhooksAdd> {
  static override summary = 'Subscribe a URL to change events or cdcctl events (signed per Standard Webhooks).';
  static override description =
    `Stored in the operational store and delivered by \`cdcctl webhooks serve\`. Event types: change (Kafka change events of --topic, selected by --op and --filter in the events filter language), reconcile.drift_found, reconcile.drift_resolved, gdpr.erasure_completed, gdpr.erasure_failed, dlq.growth, connector.state_changed, task.state_changed, alert.firing, alert.resolved, webhook.disabled; a family (reconcile.*) or * selects several.

The signing secret is a reference resolved when used (\${env:…}, \${file:…}, \${vault:…}) or "generated": a whsec_ secret printed this once. --timeout sets the delivery timeout of the subscription (default 10s).

Receivers on loopback or private addresses are refused unless the context allows them (webhooks.allowPrivateTargets; local contexts do by default).`;
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override flags = subscriptionFlags;
  static override examples = [
    `<%= config.bin %> <%= command.id %> demo-orders --url http://127.0.0.1:8099/hook --events change --topic inventory.public.orders --op c,u --filter 'after.quantity > 10' --secret-ref generated`,
    `<%= config.bin %> <%= command.id %> demo-ops --url http://127.0.0.1:8099/ops --events 'reconcile.*,gdpr.*,alert.firing' --secret-ref '\${env:HOME}'`,
  ];

  async run(): Promise<AddResult> {
    const ctx = await this.runContext();
    const result = await addSubscription(ctx, this.args.name, subscriptionInput(this.flags, this.flags.timeout));
    return this.present(result, () => renderAdded(result, 'added'));
  }
}
