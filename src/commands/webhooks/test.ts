import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {ExitCode} from '../../errors.js';
import {renderTest} from '../../output/webhooks.js';
import {type TestResult, testSubscription} from '../../services/webhooks/subscriptions.js';

export default class WebhooksTest extends BaseCommand<typeof WebhooksTest> {
  static override summary = 'Send one signed sample delivery (webhook.test) now and show the answer.';
  static override description =
    'Sent from this process, not queued and not retried. Exit 3 when the receiver does not answer 2xx.';
  static override mutating = true;
  static override args = {name: Args.string({description: 'Subscription name.', required: true})};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-orders'];

  async run(): Promise<TestResult> {
    const r = await testSubscription(await this.runContext(), this.args.name);
    if (!r.ok) this.exitWith(ExitCode.notOk);
    return this.present(r, () => renderTest(r));
  }
}
