import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {dryRunFlag, outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {progressLine, renderSync, renderSyncPlan} from '../../output/dlq.js';
import {planDlqSync, type SyncPlan, type SyncResult, syncDlq} from '../../services/dlq/sync.js';

export default class DlqSync extends BaseCommand<typeof DlqSync> {
  static override summary = "Copy dead-letter records from the connectors' DLQ topics into the store.";
  static override description =
    `Discovers the DLQ topics from the connectors' configs (errors.deadletterqueue.topic.name) and reads them with cdcctl's own consumer group, committing offsets only after each batch is stored. Re-running continues where the last run stopped; records are stored once per topic/partition/offset, with key, value and headers kept byte for byte. --dry-run lists the topics found (and the connectors naming them) and, per partition, the group's committed offset, the end offset and the records in between; it reads, stores and commits nothing.`;
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --connector orders-sink --json',
    '<%= config.bin %> <%= command.id %> --topic dlq-orders --from-beginning',
  ];
  static override flags = {
    output: outputFlag,
    connector: Flags.string({summary: 'Only the DLQ topic of this connector.'}),
    topic: Flags.string({summary: 'Read these DLQ topics (repeatable) instead of discovering them.', multiple: true}),
    group: Flags.string({summary: 'Consumer group (default cdcctl-dlq-sync.<opsSchema>).'}),
    'from-beginning': Flags.boolean({summary: 'Re-read the topics from the start (nothing is stored twice).'}),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<SyncResult | SyncPlan> {
    const ctx = await this.runContext();
    const selection = {
      topics: this.flags.topic,
      connector: this.flags.connector,
      group: this.flags.group,
      fromBeginning: this.flags['from-beginning'],
    };
    if (this.flags['dry-run']) {
      const plan = await planDlqSync(ctx, selection);
      return this.present(plan, () => renderSyncPlan(plan));
    }
    const signal = this.stopSignal();
    const tty = Boolean(process.stderr.isTTY);
    const t0 = Date.now();
    const result = await syncDlq(ctx, {
      ...selection,
      signal,
      onProgress: tty
        ? (read, inserted) => process.stderr.write(`${progressLine('sync', read, read, t0)}(${inserted} new)`)
        : undefined,
    });
    if (tty && result.read) process.stderr.write('\n');
    if (result.stoppedBy === 'signal') this.exitWith(ExitCode.interrupted);
    return this.present(result, () => renderSync(result));
  }
}
