import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderDescriptions} from '../../output/connectors.js';
import {type ConnectorDescription, describeConnectors} from '../../services/connectors/inspect.js';

export default class ConnectorsDescribe extends BaseCommand<typeof ConnectorsDescribe> {
  static override summary =
    'Everything about connectors: config (secrets redacted), state, tasks, topics, offsets, plugin.';
  static override strict = false;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    "<%= config.bin %> <%= command.id %> 'inventory-*' -o yaml",
  ];

  async run(): Promise<ConnectorDescription[]> {
    if (this.rest.length === 0) throw new UsageError('name the connector(s) to describe');
    const list = await describeConnectors(await this.runContext(), this.rest);
    return this.present(list, () => renderDescriptions(list));
  }
}
