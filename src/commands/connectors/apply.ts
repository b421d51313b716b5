import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {confirmBeforeWrite} from '../../cli/confirm-write.js';
import {integerFlag, messageFlag, mutationFlags} from '../../cli/flags/common.js';
import {renderApply} from '../../output/connectors.js';
import {type ApplyResult, applyConnectors, applyExitCode, pruneCandidates} from '../../services/connectors/apply.js';
import {configHistory} from '../../services/connectors/config-history.js';
import {loadDefinitions} from '../../services/connectors/definitions.js';

export default class ConnectorsApply extends BaseCommand<typeof ConnectorsApply> {
  static override summary = 'Create or update connectors from JSON or YAML files.';
  static override description = withExitCodes(
    'Each definition ({name, config}, a list of them, or YAML documents) is validated by the worker’s plugin ' +
      'and diffed against the live config (secrets never shown); only when every one is valid are they applied — ' +
      'one invalid file (an unknown connector.class included) writes nothing, and each file gets its result. ' +
      '${env:NAME}, ${file:/path} and ${vault:<mount>/data/<path>#<key>} ' +
      'references in values are resolved in memory only; write $${…} to pass a Kafka Connect config-provider reference through. ' +
      '--dry-run stops after the diff. --prune also deletes live connectors the files do not declare (limit it with ' +
      '--selector; it asks first, and needs --yes without a terminal).',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> -f examples/connectors/',
    '<%= config.bin %> <%= command.id %> -f examples/connectors/inventory-sink.json --dry-run',
    "<%= config.bin %> <%= command.id %> -f 'examples/connectors/*.json' --json",
    'cat examples/connectors/inventory-sink.json | <%= config.bin %> <%= command.id %> -f -',
    "<%= config.bin %> <%= command.id %> -f examples/connectors/ --prune --selector 'inventory-*' --dry-run",
  ];
  static override mutating = true;
  static override flags = {
    file: Flags.string({
      char: 'f',
      summary: 'File, directory, glob or - (stdin); repeatable.',
      required: true,
      multiple: true,
    }),
    concurrency: integerFlag({summary: 'Connectors applied at once.', default: 4, min: 1, max: 64}),
    prune: Flags.boolean({summary: 'Delete live connectors that the definitions do not declare (asks first).'}),
    selector: Flags.string({
      char: 's',
      summary: 'With --prune: only connectors matching these names, globs or /regex/ may be deleted (repeatable).',
      multiple: true,
      dependsOn: ['prune'],
    }),
    message: messageFlag,
    ...mutationFlags,
  };

  async run(): Promise<ApplyResult[]> {
    const definitions = loadDefinitions(this.flags.file);
    const ctx = await this.runContext();
    this.auditTargets(definitions.map((d) => d.name));
    const prune = this.flags.prune ? await pruneCandidates(ctx, definitions, this.flags.selector ?? []) : [];
    const results = await applyConnectors(ctx, definitions, {
      dryRun: this.flags['dry-run'],
      concurrency: this.flags.concurrency,
      prune,
      history: configHistory(ctx, {message: this.flags.message}),
      // asked once every definition is known valid, before anything is written (only --prune asks)
      beforeWrite: confirmBeforeWrite(
        (q) => this.confirm(q),
        () =>
          prune.length > 0
            ? `--prune deletes ${prune.length} connector(s) not declared in the files: ${prune.join(', ')}?`
            : undefined,
        {showChanges: false},
      ),
    });
    this.exitWith(applyExitCode(results));
    return this.present(results, () => renderApply(results, this.flags['dry-run']));
  }
}
