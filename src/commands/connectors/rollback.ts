import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, messageFlag, mutationFlags} from '../../cli/flags/common.js';
import {connectClient} from '../../clients/factory.js';
import {renderChangeList} from '../../output/changes.js';
import {renderApply} from '../../output/connectors.js';
import {type ApplyResult, applyExitCode, writeConfig} from '../../services/connectors/apply.js';
import {configHistory} from '../../services/connectors/config-history.js';
import {planRollback} from '../../services/history/versions.js';

export default class ConnectorsRollback extends BaseCommand<typeof ConnectorsRollback> {
  static override summary =
    "Roll a connector's config back to an earlier version (validated, diffed, confirmed, audited).";
  static override description = withExitCodes(
    'Default: the version before the latest. The stored config is resolved (secret references from the environment; ' +
      'masked secrets keep their live value), validated by the plugin, diffed against the live config and — after ' +
      'confirmation (--yes without a terminal) — written. The rollback is itself a new version.',
  );
  static override mutating = true;
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {
    to: integerFlag({summary: 'Version to roll back to (default: the one before the latest).', min: 1}),
    message: messageFlag,
    ...mutationFlags,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink --to 1 -m "batch.size 5000 overloaded the sink" --yes',
    '<%= config.bin %> <%= command.id %> inventory-sink --to 1 --dry-run',
  ];

  async run(): Promise<ApplyResult & {from: number; to: number}> {
    const ctx = await this.runContext();
    const plan = await planRollback(ctx, this.args.connector, this.flags.to);
    const connect = connectClient(ctx);
    try {
      const write = {
        name: plan.connector,
        source: `version ${plan.to}`,
        desired: plan.desired,
        unresolved: plan.unresolved,
        live: plan.live,
      };
      const history = configHistory(ctx, {
        message: this.flags.message ?? `rollback to version ${plan.to}`,
        action: 'rollback',
      });
      // Validate and diff first; confirm; then write (which validates again against the same worker).
      let result = await writeConfig(connect, write, {dryRun: true, history});
      const planned = result.action === 'create' || result.action === 'update';
      if (planned && !this.flags['dry-run']) {
        process.stderr.write(renderChangeList(result.changes));
        await this.confirm(
          `roll ${plan.connector} back from version ${plan.from} to version ${plan.to} (${result.changes.length} change(s))?`,
        );
        result = await writeConfig(connect, write, {dryRun: false, history});
      }
      this.exitWith(applyExitCode([result]));
      const applied = result;
      return this.present({...applied, from: plan.from, to: plan.to}, () =>
        renderApply([applied], this.flags['dry-run']),
      );
    } finally {
      await connect.close();
    }
  }
}
