import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {messageFlag, mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {windowFlag} from '../../cli/flags/tune.js';
import {renderTuneReport} from '../../output/tune.js';
import {recommend, recommendExitCode} from '../../services/tune/index.js';
import type {TuneReport} from '../../services/tune/types.js';

export default class Tune extends BaseCommand<typeof Tune> {
  static override summary = "Recommend connector settings from each connector's config and live metrics.";
  static override description = withExitCodes(
    "Reads each connector's config and, over the window, its metrics in Prometheus (Kafka Connect's task, consumer " +
      "and producer metrics and Debezium's streaming metrics, through a JMX exporter on the worker) and, for a " +
      "PostgreSQL source, its replication slot's lag; then runs the rules (`cdcctl tune rules`) and shows each " +
      'recommended change with the observation that justifies it and the effect to expect. Exit 3 when something is ' +
      'recommended, 0 when no rule fires. `--apply <rule>` is `cdcctl tune apply <rule>` (writes the change).',
  );
  static override strict = false;
  static override args = {connector: Args.string({description: 'Connectors: names, globs or /regex/ (default: all).'})};
  static override flags = {
    window: windowFlag({default: 300, defaultHelp: async () => '5m'}),
    apply: Flags.string({summary: 'Apply what this rule recommends now (same as `tune apply <rule>`).'}),
    message: messageFlag,
    ...mutationFlags,
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> inventory-sink --window 1m -o wide',
    "<%= config.bin %> <%= command.id %> 'inventory-*' --json",
    '<%= config.bin %> <%= command.id %> --apply sink-batch-size inventory-sink --window 1m --dry-run',
  ];

  async run(): Promise<TuneReport | undefined> {
    if (this.flags.apply !== undefined) {
      // the mutating command runs with its own access check, confirmation and audit record, and prints its result
      await this.config.runCommand('tune:apply', forwardApply(this.argv, this.flags.apply));
      return undefined;
    }
    if (this.flags.yes || this.flags['dry-run'] || this.flags.message)
      this.log$.warn('--yes, --dry-run and --message matter only with --apply');
    const report = await recommend(await this.runContext(), this.rest, this.flags.window);
    for (const w of report.warnings) this.log$.warn(w);
    this.exitWith(recommendExitCode(report));
    return this.present(report, (wide) => renderTuneReport({...report, warnings: []}, wide));
  }
}

/** The argv of `tune apply <rule> …`: this run's, without --apply and its value. */
export function forwardApply(argv: string[], rule: string): string[] {
  const out: string[] = [rule];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--apply') {
      i++;
      continue;
    }
    if (a.startsWith('--apply=')) continue;
    out.push(a);
  }
  return out;
}
