import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderHealth} from '../../output/webhooks.js';
import {type HealthResult, webhookHealth} from '../../services/webhooks/subscriptions.js';
import {parseInstant} from '../../util/time.js';

export default class WebhooksHealth extends BaseCommand<typeof WebhooksHealth> {
  static override summary = 'Per subscription: success rate, p95 latency, queued, last error, disabled state.';
  static override description = withExitCodes(
    'Over deliveries finished since --since (default 24h). Exit 3 when a subscription is disabled.',
  );
  static override flags = {
    since: Flags.string({summary: 'Window: a duration (1h, 7d) or an ISO date.', default: '24h'}),
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 1h -o json',
  ];

  async run(): Promise<HealthResult> {
    const r = await webhookHealth(await this.runContext(), parseInstant(this.flags.since, 'since'));
    if (!r.healthy) this.exitWith(ExitCode.notOk);
    return this.present(r, (wide) => renderHealth(r, wide));
  }
}
