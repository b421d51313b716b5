import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, messageFlag, mutationFlags} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderApply} from '../../output/connectors.js';
import {type ApplyResult, applyExitCode} from '../../services/connectors/apply.js';
import {configHistory} from '../../services/connectors/config-history.js';
import {parsePatch, patchConnectors} from '../../services/connectors/patch.js';

export default class ConnectorsPatch extends BaseCommand<typeof ConnectorsPatch> {
  static override summary = 'Change some keys of live connector configs.';
  static override description = withExitCodes(
    'The new config is validated by the plugin and diffed before it is written — with PATCH where the worker ' +
      'supports it (Kafka Connect ≥ 3.8), otherwise GET + PUT. Values may be ${env:…}/${file:…}/${vault:…} references.',
  );
  static override strict = false;
  static override mutating = true;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {
    set: Flags.string({summary: 'key=value to set (repeatable).', multiple: true}),
    unset: Flags.string({summary: 'Key to remove (repeatable).', multiple: true}),
    concurrency: integerFlag({summary: 'Connectors patched at once.', default: 4, min: 1, max: 64}),
    message: messageFlag,
    'dry-run': mutationFlags['dry-run'],
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --set batch.size=1000',
    "<%= config.bin %> <%= command.id %> '*-sink' --set errors.tolerance=all --unset errors.log.enable --dry-run",
  ];

  async run(): Promise<ApplyResult[]> {
    if (this.rest.length === 0) throw new UsageError('name the connector(s) to patch');
    const patch = parsePatch(this.flags.set ?? [], this.flags.unset ?? []);
    const ctx = await this.runContext();
    const results = await patchConnectors(ctx, this.rest, patch, {
      dryRun: this.flags['dry-run'],
      concurrency: this.flags.concurrency,
      history: configHistory(ctx, {message: this.flags.message}),
    });
    this.exitWith(applyExitCode(results));
    return this.present(results, () => renderApply(results, this.flags['dry-run']));
  }
}
