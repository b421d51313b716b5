import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import type {PluginInfo} from '../../../clients/connect.js';
import {renderPlugins} from '../../../output/connectors.js';
import {listPlugins} from '../../../services/connectors/plugins.js';

export default class ConnectorsPluginsList extends BaseCommand<typeof ConnectorsPluginsList> {
  static override summary = 'List the plugins installed on the worker.';
  static override flags = {
    output: outputFlag,
    type: Flags.string({
      summary: 'Only this type.',
      options: ['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'],
    }),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --type transformation',
  ];

  async run(): Promise<PluginInfo[]> {
    const plugins = await listPlugins(await this.runContext(), this.flags.type);
    return this.present(plugins, (wide) => renderPlugins(plugins, wide));
  }
}
