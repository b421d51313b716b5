import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderHistoryDiff} from '../../output/history.js';
import {diffHistory, type HistoryDiff} from '../../services/history/versions.js';

export default class ConnectorsDiff extends BaseCommand<typeof ConnectorsDiff> {
  static override summary = 'Diff two config versions of a connector, or a version against the live config.';
  static override description =
    'Defaults: --from the latest version, --to live. Secret values are never shown; references such as ${env:NAME} are resolved only to compare.';
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {
    from: integerFlag({summary: 'Version to diff from (default: the latest).', min: 1}),
    to: Flags.string({summary: 'Version to diff to, or "live" (default).', default: 'live'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink --from 1 --to live',
  ];

  async run(): Promise<HistoryDiff> {
    const to = this.flags.to === 'live' ? 'live' : Number(this.flags.to);
    if (to !== 'live' && (!Number.isInteger(to) || to < 1))
      throw new UsageError(`--to expects a version number or "live", got "${this.flags.to}"`);
    const diff = await diffHistory(await this.runContext(), this.args.connector, {from: this.flags.from, to});
    return this.present(diff, () => renderHistoryDiff(diff));
  }
}
