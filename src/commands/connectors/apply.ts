import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../base-command.js';
import {mutationFlags} from '../../flags.js';
import {color, paintState} from '../../output/render.js';
import {type ApplyResult, applyConnectors, applyExitCode} from '../../services/connectors/apply.js';
import {loadDefinitions} from '../../services/connectors/definitions.js';
import {formatChange} from '../../services/connectors/diff.js';

export default class ConnectorsApply extends BaseCommand<typeof ConnectorsApply> {
  static override summary = 'Create or update connectors from JSON or YAML files.';
  static override description = withExitCodes(
    'Each definition ({name, config}, a list of them, or YAML documents) is validated by the worker’s plugin, ' +
      'diffed against the live config (secrets never shown) and applied. ${env:NAME} and ${file:/path} references ' +
      'in values are resolved in memory only; write $${…} to pass a Kafka Connect config-provider reference through. ' +
      '--dry-run stops after the diff.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> -f examples/connectors/',
    '<%= config.bin %> <%= command.id %> -f inventory-sink.yaml --dry-run',
    "<%= config.bin %> <%= command.id %> -f 'connectors/*.json' --json",
    'cat sink.json | <%= config.bin %> <%= command.id %> -f -',
  ];
  static override mutating = true;
  static override flags = {
    file: Flags.string({
      char: 'f',
      summary: 'File, directory, glob or - (stdin); repeatable.',
      required: true,
      multiple: true,
    }),
    concurrency: Flags.integer({summary: 'Connectors applied at once.', default: 4, min: 1, max: 64}),
    'dry-run': mutationFlags['dry-run'],
  };

  async run(): Promise<ApplyResult[]> {
    const definitions = loadDefinitions(this.flags.file);
    const results = await applyConnectors(await this.runContext(), definitions, {
      dryRun: this.flags['dry-run'],
      concurrency: this.flags.concurrency,
    });
    if (!this.jsonEnabled()) process.stdout.write(renderApply(results, this.flags['dry-run']));
    this.exitWith(applyExitCode(results));
    return results;
  }
}

const done: Record<string, string> = {create: 'created', update: 'updated'};

function renderApply(results: ApplyResult[], dryRun: boolean): string {
  const c = color();
  const lines: string[] = [];
  for (const r of results) {
    const verb = r.applied
      ? done[r.action]!
      : dryRun && (r.action === 'create' || r.action === 'update')
        ? `${r.action} (dry run)`
        : r.action;
    lines.push(`${c.bold(r.name)}: ${paintState(verb)}${r.source === 'stdin' ? '' : c.dim(`  (${r.source})`)}`);
    if (r.action !== 'unchanged') for (const ch of r.changes) lines.push(`    ${formatChange(ch)}`);
    for (const e of r.errors) lines.push(c.red(`    ! ${e.key}: ${e.messages.join('; ')}`));
    if (r.error) lines.push(c.red(`    ! ${r.error.message}`));
  }
  const count = (a: string) => results.filter((r) => r.action === a).length;
  lines.push(
    `${results.length} connector(s): ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged, ` +
      `${count('invalid')} invalid, ${count('failed')} failed${dryRun ? ' — dry run, nothing changed' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
