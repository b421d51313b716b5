import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {channelFlag} from '../../cli/flags/backfill.js';
import {dryRunFlag, integerFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {cassandraProgressPrinter, renderCassandra, renderControl} from '../../output/backfill.js';
import {resumeCassandraBackfill} from '../../services/backfill/cassandra.js';
import {isBackfillId} from '../../services/backfill/records.js';
import {controlSignalBackfill} from '../../services/backfill/signals.js';
import type {CassandraBackfillResult, ControlResult} from '../../services/backfill/types.js';

export default class BackfillResume extends BaseCommand<typeof BackfillResume> {
  static override summary = 'Resume a paused snapshot (a connector) or an interrupted Cassandra backfill (its id).';
  static override description = withExitCodes(
    `With a connector: sends resume-snapshot through its signal channel (the paused incremental snapshot
continues). With a backfill id (bf-…): runs that Cassandra backfill again with the options it was
started with, skipping every token split it already wrote (checkpointed with the rows, so none is
written twice); --rate may be changed.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source',
    '<%= config.bin %> <%= command.id %> bf-20261207-031500-… --rate 5000',
  ];
  static override mutating = true;
  static override args = {target: Args.string({description: 'A connector, or a backfill id (bf-…).', required: true})};
  static override flags = {
    'dry-run': dryRunFlag,
    channel: channelFlag,
    rate: integerFlag({summary: 'Backfill id: at most this many rows read per second.', min: 1}),
  };

  async run(): Promise<ControlResult | CassandraBackfillResult> {
    const f = this.flags;
    const ctx = await this.runContext();
    if (isBackfillId(this.args.target)) {
      const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
      const stop = this.stopSignal(() => process.stderr.write('\nStopping after the splits in flight…\n'));
      const progress = cassandraProgressPrinter(tty, (line) => this.log$.info(line));
      const result = await resumeCassandraBackfill(ctx, this.args.target, {
        signal: stop,
        rate: f.rate,
        onProgress: (p) => progress.update(p),
      }).finally(() => progress.done());
      if (result.status === 'interrupted') this.exitWith(ExitCode.interrupted);
      return this.present(result, () => renderCassandra(result));
    }
    const result = await controlSignalBackfill(ctx, this.args.target, 'resume', {
      tables: [],
      channel: f.channel,
      dryRun: f['dry-run'],
    });
    return this.present(result, () => renderControl(result));
  }
}
