import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderDeliveries} from '../../output/webhooks.js';
import {deliveriesOf} from '../../services/webhooks/subscriptions.js';
import type {DeliveryRow} from '../../store/webhooks.js';
import {parseInstant} from '../../util/time.js';

export default class WebhooksDeliveries extends BaseCommand<typeof WebhooksDeliveries> {
  static override summary = 'Delivery history of a subscription: status, attempts, latency, response code and body.';
  static override description =
    'Newest first: finished deliveries (delivered or failed) and, unless --failed, the messages still queued (pending, with their last error). The body is the first 512 bytes of the answer.';
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override flags = {
    failed: Flags.boolean({summary: 'Only failed deliveries.'}),
    since: Flags.string({summary: 'Only since: a duration (1h, 2d) or an ISO date.'}),
    limit: integerFlag({summary: 'At most this many rows.', default: 50, min: 1, max: 100_000}),
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> demo-orders',
    '<%= config.bin %> <%= command.id %> demo-orders --failed --since 1h -o wide',
  ];

  async run(): Promise<{subscription: string; deliveries: DeliveryRow[]}> {
    const r = await deliveriesOf(await this.runContext(), this.args.name, {
      failedOnly: this.flags.failed,
      since: this.flags.since ? parseInstant(this.flags.since, 'since') : undefined,
      limit: this.flags.limit,
    });
    return this.present(r, (wide) => renderDeliveries(r, wide));
  }
}
