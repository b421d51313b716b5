import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {waitTimeoutFlag} from '../../cli/flags/backfill.js';
import {outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderDetails, signalProgressPrinter} from '../../output/backfill.js';
import {findBackfill, recorded} from '../../services/backfill/records.js';
import {waitForSignalBackfill} from '../../services/backfill/signals.js';
import type {BackfillDetails} from '../../services/backfill/types.js';
import {parseTimerDuration} from '../../util/time.js';

export default class BackfillStatus extends BaseCommand<typeof BackfillStatus> {
  static override summary = 'Show one backfill: who, what, conditions, progress, outcome.';
  static override description = withExitCodes(
    `From the operational store. "latest" is the newest backfill of the context. With --wait, a signal
backfill is followed on the connector's notification topic until it ends (exit 0 completed, 3 skipped or
aborted). Without --wait the exit code is 0 for a backfill that completed or is under way, 3 for one that
failed, was aborted, skipped, stopped or interrupted.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> latest',
    '<%= config.bin %> <%= command.id %> latest --wait --wait-timeout 10m -o json',
  ];
  static override args = {id: Args.string({description: 'Backfill id, or "latest".', required: true})};
  static override flags = {
    wait: Flags.boolean({summary: 'Signal backfill: follow it until it ends.'}),
    'wait-timeout': waitTimeoutFlag,
    output: outputFlag,
  };

  async run(): Promise<BackfillDetails> {
    const ctx = await this.runContext();
    const b = await findBackfill(ctx, this.args.id);
    if (this.flags.wait && b.kind === 'signal' && !['completed', 'skipped', 'aborted', 'stopped'].includes(b.status)) {
      const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
      const progress = signalProgressPrinter(tty, (line) => this.log$.info(line));
      await waitForSignalBackfill(ctx, b, {
        waitMs: parseTimerDuration(this.flags['wait-timeout']),
        signal: this.stopSignal(),
        onProgress: (p) => progress.update(p),
      }).finally(() => progress.done());
    }
    const details = await recorded(ctx, b.id);
    const s = details.backfill.status;
    if (['failed', 'aborted', 'skipped', 'stopped', 'interrupted'].includes(s)) this.exitWith(ExitCode.notOk);
    return this.present(details, () => renderDetails(details));
  }
}
