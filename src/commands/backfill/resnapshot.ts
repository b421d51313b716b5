import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {renderResnapshot} from '../../output/backfill.js';
import {resnapshot} from '../../services/backfill/resnapshot.js';
import type {ResnapshotResult} from '../../services/backfill/types.js';
import {parseTimerDuration} from '../../util/time.js';

export default class BackfillResnapshot extends BaseCommand<typeof BackfillResnapshot> {
  static override summary = 'The heavy hammer: make a source connector snapshot everything again (offsets reset).';
  static override description = withExitCodes(
    `Resets the connector's offsets with the guarded offsets workflow (backup file, stop, reset, verify, back
to its previous state). A source whose snapshot.mode snapshots when it has no offsets (initial, always,
when_needed) then reads every captured table again and sends every row a second time. Prefer
\`backfill start\` (a table, a condition, no stop). Prints the warnings first and always asks (or needs --yes).`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source --dry-run',
    '<%= config.bin %> <%= command.id %> inventory-source --yes',
  ];
  static override mutating = true;
  static override args = {connector: Args.string({description: 'The connector.', required: true})};
  static override flags = {
    ...mutationFlags,
    backup: Flags.string({
      summary: 'Where to save the current offsets first (default ./<connector>-offsets-<time>.json).',
    }),
    'wait-timeout': Flags.string({summary: 'How long to wait for each state change.', default: '60s'}),
  };

  async run(): Promise<ResnapshotResult> {
    const f = this.flags;
    const ctx = await this.runContext();
    const connector = this.args.connector;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const opts = {
      dryRun: f['dry-run'],
      backupFile: f.backup ?? `${connector}-offsets-${stamp}.json`,
      waitMs: parseTimerDuration(f['wait-timeout']),
    };
    if (!opts.dryRun) {
      const preview = await resnapshot(ctx, connector, {...opts, dryRun: true});
      for (const w of preview.warnings) this.log$.warn(w);
      await this.confirm(`reset the offsets of ${connector} so that it snapshots everything again?`);
    }
    const result = await resnapshot(ctx, connector, opts);
    return this.present(result, () => renderResnapshot(result));
  }
}
