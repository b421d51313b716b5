import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {windowFlag} from '../../../cli/flags/tune.js';
import {renderBaselineComparison} from '../../../output/tune.js';
import {compareExitCode, compareTuneBaseline} from '../../../services/tune/index.js';
import type {BaselineComparison} from '../../../services/tune/types.js';

export default class TuneBaselineCompare extends BaseCommand<typeof TuneBaselineCompare> {
  static override summary = 'Compare a stored baseline with now: each metric with its direction (better/worse/same).';
  static override description = withExitCodes(
    "Measures the baseline's connectors now over the baseline's window (or --window). A change within ±5 % is " +
      '"same". A connector\'s verdict: throughput decides when it moved; otherwise latency and lag. Exit 3 when some ' +
      'connector is worse than its baseline.',
  );
  static override args = {name: Args.string({required: true, description: 'Baseline name.'})};
  static override flags = {window: windowFlag(), output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %> demo-before --window 1m',
    '<%= config.bin %> <%= command.id %> demo-before --window 1m --json',
  ];

  async run(): Promise<BaselineComparison> {
    const c = await compareTuneBaseline(await this.runContext(), this.args.name, {windowSeconds: this.flags.window});
    for (const w of c.warnings) this.log$.warn(w);
    this.exitWith(compareExitCode(c));
    return this.present(c, () => renderBaselineComparison({...c, warnings: []}));
  }
}
