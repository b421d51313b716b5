import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderHistory} from '../../../output/history.js';
import {connectorHistory} from '../../../services/history/versions.js';
import type {ConfigVersion} from '../../../store/config-history.js';

export default class ConnectorsHistory extends BaseCommand<typeof ConnectorsHistory> {
  static override summary = "List a connector's config versions: who changed it, when, how and why.";
  static override description =
    'Every config change made through cdcctl (apply, patch, edit, rollback, delete) stores a version in the operational store, ' +
    'with secret references kept and secret values never stored. `connectors history sync` records changes made outside cdcctl.';
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink -o yaml',
  ];

  async run(): Promise<ConfigVersion[]> {
    const versions = await connectorHistory(await this.runContext(), this.args.connector);
    return this.present(versions, (wide) => renderHistory(versions, wide));
  }
}
