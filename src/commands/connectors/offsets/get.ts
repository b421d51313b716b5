import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import type {ConnectorOffsets} from '../../../clients/connect.js';
import {getOffsets} from '../../../services/connectors/offsets.js';

export default class ConnectorsOffsetsGet extends BaseCommand<typeof ConnectorsOffsetsGet> {
  static override summary = "Print a connector's offsets (the document `offsets set` accepts).";
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override examples = ['<%= config.bin %> <%= command.id %> inventory-sink > offsets.json'];

  async run(): Promise<ConnectorOffsets> {
    const offsets = await getOffsets(await this.runContext(), this.args.connector);
    return this.present(offsets, () => `${JSON.stringify(offsets, null, 2)}\n`);
  }
}
