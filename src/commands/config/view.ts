import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {renderYaml} from '../../output/render.js';
import {type ConfigView as ConfigViewResult, viewConfig} from '../../services/config/contexts.js';

export default class ConfigView extends BaseCommand<typeof ConfigView> {
  static override summary = 'Show the merged configuration, with secrets redacted.';
  static override description =
    'Prints every context from every configuration file (CDCCTL_CONFIG, or the user file and the project file). ' +
    'Literal secrets are masked; secret references such as ${env:NAME} are shown as written, never resolved.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --minify --json',
  ];
  static override flags = {
    minify: Flags.boolean({summary: 'Show only the selected context (--context or current-context).'}),
  };

  async run(): Promise<ConfigViewResult> {
    const config = await this.cdcConfig();
    const view = viewConfig(
      config,
      this.flags.minify ? (this.flags.context ?? config.currentContext ?? '') : undefined,
    );
    return this.present(view, () => renderYaml(view));
  }
}
