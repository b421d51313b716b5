import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../base-command.js';
import {COMPATIBILITY_LEVELS, type CompatibilityLevel} from '../../../clients/schema-registry.js';
import {mutationFlags} from '../../../flags.js';
import {renderSettingChange} from '../../../output/schemas.js';
import {setCompatibilityConfig} from '../../../services/schemas/write.js';

export default class SchemasConfigSet extends BaseCommand<typeof SchemasConfigSet> {
  static override summary = 'Set the compatibility level, globally or for one subject.';
  static override description = 'Changing the global level affects every subject without its own level: it asks first.';
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> BACKWARD --subject orders-value',
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
    if (!this.flags.subject && !this.flags['dry-run'])
      await this.confirm(`set the GLOBAL compatibility level to ${level}?`);
    const r = await setCompatibilityConfig(ctx, level, {subject: this.flags.subject, dryRun: this.flags['dry-run']});
    if (!this.jsonEnabled())
      process.stdout.write(`${renderSettingChange(r.subject ?? 'global', r.level ?? level, r)}\n`);
    return r;
  }
}
