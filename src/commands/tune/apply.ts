import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {confirmBeforeWrite} from '../../cli/confirm-write.js';
import {messageFlag, mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {windowFlag} from '../../cli/flags/tune.js';
import {renderTuneApply} from '../../output/tune.js';
import {applyExitCode} from '../../services/connectors/apply.js';
import {applyRecommendation} from '../../services/tune/index.js';
import type {TuneApplyResult} from '../../services/tune/types.js';

export default class TuneApply extends BaseCommand<typeof TuneApply> {
  static override summary = 'Write the change a tuning rule recommends now (validated, diffed, confirmed, versioned).';
  static override description = withExitCodes(
    'Observes again over the window, and for each connector (within the selection) on which the rule fires writes ' +
      'its change through the connector config path: the plugin validates it, the diff is shown, you confirm (--yes ' +
      'without a terminal), and the write is a new config version (`cdcctl connectors history`, `connectors rollback`) ' +
      'and an audit record. Exit 3 when the rule recommends nothing now.',
  );
  static override strict = false;
  static override mutating = true;
  static override permission = 'connectors:write';
  static override args = {
    rule: Args.string({required: true, description: 'Rule id (`cdcctl tune rules`).'}),
    connector: Args.string({description: 'Connectors: names, globs or /regex/ (default: all the rule fires on).'}),
  };
  static override flags = {
    window: windowFlag({default: 300, defaultHelp: async () => '5m'}),
    message: messageFlag,
    ...mutationFlags,
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> sink-batch-size inventory-sink --window 1m --dry-run',
    '<%= config.bin %> <%= command.id %> sink-tasks-partitions inventory-sink --window 10m --yes -m "lagging since the import"',
  ];

  async run(): Promise<TuneApplyResult> {
    const [rule, ...selector] = this.rest;
    this.auditTargets(selector);
    const ctx = await this.runContext();
    const result = await applyRecommendation(ctx, rule!, selector, {
      windowSeconds: this.flags.window,
      dryRun: this.flags['dry-run'],
      message: this.flags.message,
      beforeWrite: confirmBeforeWrite(
        (q) => this.confirm(q),
        ([planned]) => `apply tune rule ${rule} to ${planned?.name} (${planned?.changes.length} change(s))?`,
      ),
    });
    this.auditTargets(result.applied.map((a) => a.recommendation.connector));
    this.exitWith(applyExitCode(result.applied.map((a) => a.result)));
    return this.present(result, () => renderTuneApply(result));
  }
}
