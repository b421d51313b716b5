import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {renderYaml} from '../../../output/render.js';
import {connectorConfig} from '../../../services/connectors/inspect.js';

export default class ConnectorsConfigGet extends BaseCommand<typeof ConnectorsConfigGet> {
  static override summary = "Print a connector's live config (secrets redacted), or one key of it.";
  static override args = {
    connector: Args.string({required: true, description: 'Connector name.'}),
    key: Args.string({description: 'Only this key (prints the bare value).'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink insert.mode',
  ];

  async run(): Promise<Record<string, string>> {
    const config = await connectorConfig(await this.runContext(), this.args.connector, this.args.key);
    const {key} = this.args;
    return this.present(config, () => (key ? `${config[key]}\n` : renderYaml(config)));
  }
}
