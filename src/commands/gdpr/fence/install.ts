import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {renderFence} from '../../../output/gdpr.js';
import {type FenceResult, installFence} from '../../../services/gdpr/fence.js';

export default class GdprFenceInstall extends BaseCommand<typeof GdprFenceInstall> {
  static override mutating = true;
  static override summary = 'Install the erasure fence trigger on every PostgreSQL subject table (idempotent).';
  static override description =
    'A BEFORE INSERT OR UPDATE trigger that drops writes of erased subjects, so that late CDC upserts cannot bring ' +
    'them back. Turn on gdpr.fence so that erasures write fence entries. Needs PostgreSQL 14+.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --yes',
  ];
  static override flags = {...mutationFlags};

  async run(): Promise<FenceResult> {
    const ctx = await this.runContext();
    if (!this.flags['dry-run'])
      await this.confirm(`install the erasure fence trigger in context "${ctx.contextName}"?`);
    const r = await installFence(ctx, {dryRun: this.flags['dry-run']});
    return this.present(r, () => renderFence(r));
  }
}
