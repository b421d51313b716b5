import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {renderCompatibilityConfig} from '../../../output/schemas.js';
import {type CompatibilityConfig, getCompatibilityConfig} from '../../../services/schemas/write.js';

export default class SchemasConfigGet extends BaseCommand<typeof SchemasConfigGet> {
  static override summary = "Show the compatibility level: global, or a subject's own and the effective one.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --subject orders-value --json',
  ];
  static override flags = {subject: Flags.string({char: 's', summary: 'Subject (default: the global level).'})};

  async run(): Promise<CompatibilityConfig> {
    const c = await getCompatibilityConfig(await this.runContext(), this.flags.subject);
    return this.present(c, () => renderCompatibilityConfig(c));
  }
}
