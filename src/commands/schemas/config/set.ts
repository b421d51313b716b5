import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {COMPATIBILITY_LEVELS, type CompatibilityLevel} from '../../../clients/schema-registry.js';
import {renderSettingChange} from '../../../output/schemas.js';
import {setCompatibilityConfig} from '../../../services/schemas/write.js';

export default class SchemasConfigSet extends BaseCommand<typeof SchemasConfigSet> {
  static override summary = 'Set the compatibility level, globally or for one subject.';
  static override description =
    'It asks first (--yes answers, and is required without a terminal); changing the global level affects every subject without its own level.';
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> BACKWARD --subject orders-value --yes',
    '<%= config.bin %> <%= command.id %> FULL_TRANSITIVE --yes',
  ];
  static override args = {
    level: Args.string({required: true, options: [...COMPATIBILITY_LEVELS], description: 'Compatibility level.'}),
  };
  static override flags = {
    subject: Flags.string({char: 's', summary: 'Subject (default: the global level).'}),
    ...mutationFlags,
  };

  async run(): Promise<Awaited<ReturnType<typeof setCompatibilityConfig>>> {
    const ctx = await this.runContext();
    const level = this.args.level as CompatibilityLevel;
    if (!this.flags['dry-run'])
      await this.confirm(
        this.flags.subject
          ? `set the compatibility level of ${this.flags.subject} to ${level}?`
          : `set the GLOBAL compatibility level to ${level}?`,
      );
    const r = await setCompatibilityConfig(ctx, level, {subject: this.flags.subject, dryRun: this.flags['dry-run']});
    return this.present(r, () => `${renderSettingChange(r.subject ?? 'global', r.level ?? level, r)}\n`);
  }
}
