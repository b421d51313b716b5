import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {confirmBeforeWrite} from '../../cli/confirm-write.js';
import {integerFlag, messageFlag, mutationFlags} from '../../cli/flags/common.js';
import {connectClient} from '../../clients/factory.js';
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
      // validated and diffed, then confirmed, then written
      const applied = await writeConfig(connect, write, {
        dryRun: this.flags['dry-run'],
        history,
        beforeWrite: confirmBeforeWrite(
          (q) => this.confirm(q),
          ([planned]) =>
            `roll ${plan.connector} back from version ${plan.from} to version ${plan.to} (${planned?.changes.length} change(s))?`,
        ),
      });
      this.exitWith(applyExitCode([applied]));
      return this.present({...applied, from: plan.from, to: plan.to}, () =>
        renderApply([applied], this.flags['dry-run']),
      );
    } finally {
      await connect.close();
    }
  }
}
