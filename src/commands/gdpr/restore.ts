import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {renderRequest} from '../../output/gdpr.js';
import {restore, status} from '../../services/gdpr/requests.js';
import type {RequestView} from '../../services/gdpr/types.js';

export default class GdprRestore extends BaseCommand<typeof GdprRestore> {
  static override mutating = true;
  static override permission = 'gdpr:erase';
  static override summary = "Undo an erasure from its backup (explicit compensation): re-creates the subject's rows.";
  static override description = withExitCodes(
    "Writes the Cassandra rows back with timestamps later than the delete's (keeping their writetime order), " +
      're-inserts missing PostgreSQL rows, lifts the fence, then checks everything matches the backup. Only while ' +
      'the backup exists (gdpr.backupRetention). A failed restore leaves the request in needs_operator and alerts.',
  );
  static override examples = ["<%= config.bin %> <%= command.id %> DSR-2026-117 --reason 'request withdrawn' --yes"];
  static override args = {request: Args.string({required: true, description: 'Request id.'})};
  static override flags = {reason: Flags.string({summary: 'Why (kept in the journal).'}), ...mutationFlags};

  async run(): Promise<RequestView> {
    const ctx = await this.runContext();
    if (this.flags['dry-run']) {
      const v = await status(ctx, this.args.request);
      return this.present(
        v,
        () => `Dry run: would restore ${v.backup?.rows ?? 0} backed-up row(s) of ${v.requestId} (state ${v.state}).`,
      );
    }
    await this.confirm(`restore the erased rows of request ${this.args.request}?`);
    const v = await restore(ctx, this.args.request, {reason: this.flags.reason});
    return this.present(v, (wide) => renderRequest(v, wide));
  }
}
