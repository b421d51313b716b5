import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import type {ConfigKeyInfo} from '../../../clients/connect.js';
import {renderPluginConfig} from '../../../output/connectors.js';
import {describePlugin} from '../../../services/connectors/plugins.js';

export default class ConnectorsPluginsDescribe extends BaseCommand<typeof ConnectorsPluginsDescribe> {
  static override summary = "A plugin's config definitions: name, type, default, importance, documentation.";
  static override args = {class: Args.string({required: true, description: 'Plugin class or alias.'})};
  static override flags = {
    output: outputFlag,
    search: Flags.string({summary: 'Only keys whose name or documentation matches this regex.'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> io.debezium.connector.jdbc.JdbcSinkConnector --search "^insert|batch"',
  ];

  async run(): Promise<ConfigKeyInfo[]> {
    const defs = await describePlugin(await this.runContext(), this.args.class, this.flags.search);
    return this.present(defs, (wide) => renderPluginConfig(defs, wide));
  }
}
