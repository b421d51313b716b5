import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {REGISTRY_MODES, type RegistryMode} from '../../clients/schema-registry.js';
import {renderMode, renderSettingChange} from '../../output/schemas.js';
import {getMode, setMode} from '../../services/schemas/write.js';

export default class SchemasMode extends BaseCommand<typeof SchemasMode> {
  static override summary = 'Show or set the registry mode (READWRITE, READONLY, READONLY_OVERRIDE, IMPORT).';
  static override description = 'Without a mode: shows it. With one: sets it (asks first).';
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --subject orders-value',
    '<%= config.bin %> <%= command.id %> READONLY --subject orders-value --yes',
  ];
  static override args = {mode: Args.string({options: [...REGISTRY_MODES], description: 'Mode to set.'})};
  static override flags = {
    subject: Flags.string({char: 's', summary: 'Subject (default: global).'}),
    force: Flags.boolean({summary: 'Enter IMPORT mode even when subjects exist (?force=true).'}),
    ...mutationFlags,
  };

  async run(): Promise<{subject?: string; mode?: RegistryMode; before?: RegistryMode; changed?: boolean}> {
    const ctx = await this.runContext();
    const who = this.flags.subject ?? 'global';
    if (!this.args.mode) {
      const r = await getMode(ctx, this.flags.subject);
      return this.present(r, () => renderMode(who, r.mode));
    }
    const mode = this.args.mode as RegistryMode;
    if (!this.flags['dry-run']) await this.confirm(`set the ${who} mode to ${mode}?`);
    const r = await setMode(ctx, mode, {
      subject: this.flags.subject,
      force: this.flags.force,
      dryRun: this.flags['dry-run'],
    });
    return this.present(r, () => `${renderSettingChange(who, r.mode, r)}\n`);
  }
}
