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
    to: Flags.custom<number | 'live'>({
      summary: 'Version to diff to, or "live" (default).',
      default: 'live',
      parse: async (input) => {
        if (input === 'live') return 'live';
        const n = Number(input);
        if (/^\d+$/.test(input) && Number.isSafeInteger(n) && n >= 1) return n;
        throw new UsageError(`expects a version number or "live", got "${input}"`);
      },
    })(),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink --from 1 --to live',
  ];

  async run(): Promise<HistoryDiff> {
    const diff = await diffHistory(await this.runContext(), this.args.connector, {
      from: this.flags.from,
      to: this.flags.to,
    });
    return this.present(diff, () => renderHistoryDiff(diff));
  }
}
