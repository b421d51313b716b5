import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {renderSetup} from '../../output/backfill.js';
import {setupSignals} from '../../services/backfill/signals.js';
import type {SetupResult} from '../../services/backfill/types.js';

export default class BackfillSetup extends BaseCommand<typeof BackfillSetup> {
  static override summary = 'Check and prepare a Debezium PostgreSQL source for signal backfills.';
  static override description = withExitCodes(
    `Checks what \`backfill start\` needs on the connector and its database: the signal table
(signal.data.collection, created if missing and added to a filtered publication), the signal
channels (signal.enabled.channels with "source", and "kafka" with --kafka-channel), and the
notification channel the progress is read from (notification.enabled.channels=sink,
notification.sink.topic.name). Shows the exact config diff and SQL first; --dry-run changes nothing,
otherwise it asks (or needs --yes). Nothing to change: exit 0 without asking.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source --dry-run',
    '<%= config.bin %> <%= command.id %> inventory-source --yes',
  ];
  static override mutating = true;
  static override args = {connector: Args.string({description: 'The source connector.', required: true})};
  static override flags = {
    ...mutationFlags,
    'kafka-channel': Flags.boolean({summary: 'Also enable the Kafka signal channel (signal.kafka.topic).'}),
    'signal-table': Flags.string({summary: 'The signal table to use when none is configured (schema.table).'}),
  };

  async run(): Promise<SetupResult> {
    const ctx = await this.runContext();
    const options = {kafkaChannel: this.flags['kafka-channel'], signalTable: this.flags['signal-table']};
    const plan = await setupSignals(ctx, this.args.connector, {...options, dryRun: true});
    if (this.flags['dry-run'] || plan.ready) return this.present(plan, () => renderSetup(plan));
    if (!this.jsonEnabled()) process.stderr.write(`${renderSetup(plan).replace(/\n[^\n]*$/, '')}\n`);
    await this.confirm(`apply these changes to ${this.args.connector}?`);
    const done = await setupSignals(ctx, this.args.connector, {...options, dryRun: false});
    return this.present(done, () => renderSetup(done));
  }
}
