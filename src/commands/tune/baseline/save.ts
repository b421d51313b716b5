import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {windowFlag} from '../../../cli/flags/tune.js';
import {renderBaselineSaved} from '../../../output/tune.js';
import {saveTuneBaseline} from '../../../services/tune/index.js';
import type {BaselineSummary} from '../../../services/tune/types.js';

export default class TuneBaselineSave extends BaseCommand<typeof TuneBaselineSave> {
  static override summary = "Store the pipeline's throughput, latency and lag per connector under a name.";
  static override description =
    'Measured over the window ending now, from the same metrics `cdcctl tune` reads (throughput: records/s written ' +
    "by a source, put by a sink; latency: a source's time behind the database, a sink's lag ÷ throughput; lag: a " +
    "sink's consumer lag, a PostgreSQL source's slot lag). Kept in the operational store; compare later with " +
    '`cdcctl tune baseline compare <name>`.';
  static override strict = false;
  static override mutating = true;
  static override args = {
    name: Args.string({required: true, description: 'Baseline name (letters, digits, ".", "_", "-").'}),
    connector: Args.string({description: 'Connectors: names, globs or /regex/ (default: all).'}),
  };
  static override flags = {
    window: windowFlag({default: 900, defaultHelp: async () => '15m'}),
    force: Flags.boolean({summary: 'Replace a baseline of that name.'}),
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> demo-before --window 1m --force',
    "<%= config.bin %> <%= command.id %> nightly 'inventory-*' --window 15m --force --json",
  ];

  async run(): Promise<BaselineSummary> {
    const [name, ...selector] = this.rest;
    const saved = await saveTuneBaseline(await this.runContext(), name!, selector, {
      windowSeconds: this.flags.window,
      replace: this.flags.force,
    });
    for (const w of saved.warnings) this.log$.warn(w);
    return this.present(saved, () => renderBaselineSaved({...saved, warnings: []}));
  }
}
