import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import type {Target} from '../../clients/prometheus.js';
import {ExitCode} from '../../errors.js';
import {renderTargets} from '../../output/metrics.js';
import {listTargets} from '../../services/metrics/query.js';

export default class MetricsTargets extends BaseCommand<typeof MetricsTargets> {
  static override summary = 'Prometheus scrape targets and their health (exit 3 when one is down).';
  static override description = withExitCodes(
    'Exit 3 when any target is down (its last scrape failed), so that it can gate a script.',
  );
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];
  static override flags = {output: outputFlag};

  async run(): Promise<Target[]> {
    const targets = await listTargets(await this.runContext());
    if (targets.some((t) => t.health === 'down')) this.exitWith(ExitCode.notOk);
    return this.present(targets, (wide) => renderTargets(targets, wide));
  }
}
