import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {UsageError} from '../../errors.js';
import {redeliver} from '../../services/webhooks/subscriptions.js';
import {parseInstant} from '../../util/time.js';

export default class WebhooksRedeliver extends BaseCommand<typeof WebhooksRedeliver> {
  static override summary = 'Queue finished deliveries again, with their webhook-id and payload.';
  static override description =
    'Name delivery ids (the ID column of `webhooks deliveries`), or --failed --since 1h [--subscription name] for every failed one (none failed: nothing to do, exit 0). A running `webhooks serve` delivers them; the receiver sees the same webhook-id as before.';
  static override strict = false;
  static override mutating = true;
  static override flags = {
    failed: Flags.boolean({summary: 'Every failed delivery (with --since).'}),
    since: Flags.string({summary: 'With --failed: failed since (duration or ISO date).'}),
    subscription: Flags.string({summary: 'With --failed: only this subscription.'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> 1042 …',
    '<%= config.bin %> <%= command.id %> --failed --since 1h --subscription demo-orders',
  ];

  async run(): Promise<{queued: Array<{subscription: string; webhookId: string}>}> {
    const ids = this.rest;
    if (ids.length === 0 && !this.flags.failed) throw new UsageError('name delivery ids, or --failed --since <time>');
    if (ids.length > 0 && this.flags.failed) throw new UsageError('name delivery ids or --failed, not both');
    if (this.flags.failed && !this.flags.since) throw new UsageError('--failed needs --since (e.g. --since 1h)');
    const r = await redeliver(await this.runContext(), {
      deliveryIds: ids.length ? ids : undefined,
      subscription: this.flags.subscription,
      failedSince: this.flags.since ? parseInstant(this.flags.since, 'since') : undefined,
    });
    return this.present(r, () => `queued ${r.queued.length} delivery(ies) again\n`);
  }
}
