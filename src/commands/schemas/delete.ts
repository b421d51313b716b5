import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {renderDelete} from '../../output/schemas.js';
import {type DeleteResult, executeDelete, planDelete} from '../../services/schemas/write.js';

export default class SchemasDelete extends BaseCommand<typeof SchemasDelete> {
  static override summary = 'Delete a subject or one version: soft by default, --permanent for good (soft first).';
  static override description =
    'A soft delete hides the subject/version but keeps ids resolvable; registries allow a permanent delete only ' +
    'after a soft one, so --permanent does both steps. Asks first (--yes without a terminal).';
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> old-value --dry-run',
    '<%= config.bin %> <%= command.id %> orders-value --version 3 --yes',
    '<%= config.bin %> <%= command.id %> old-value --permanent --yes',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    version: Flags.string({char: 'V', summary: 'Only this version (number or "latest").'}),
    permanent: Flags.boolean({summary: 'Delete for good (after the soft delete); ids may stop resolving.'}),
    ...mutationFlags,
  };

  async run(): Promise<DeleteResult> {
    const ctx = await this.runContext();
    const plan = await planDelete(ctx, this.args.subject, {
      version: this.flags.version,
      permanent: this.flags.permanent,
    });
    let result: DeleteResult;
    if (this.flags['dry-run']) result = {...plan, dryRun: true, softDeletedNow: [], permanentlyDeleted: []};
    else {
      const what =
        plan.version === undefined ? `subject ${plan.subject}` : `${plan.subject} version ${plan.versions[0]}`;
      await this.confirm(
        `${plan.permanent ? 'PERMANENTLY delete' : 'soft-delete'} ${what} (versions ${plan.versions.join(', ')})?`,
      );
      result = await executeDelete(ctx, plan);
    }
    return this.present(result, () => `${renderDelete(result)}\n`);
  }
}
