import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {rangeOutputFlag, windowFlags} from '../../cli/flags/metrics.js';
import {renderMetric} from '../../output/metrics.js';
import {type NamedMetric, rangeWindow, showMetric} from '../../services/metrics/query.js';

export default class MetricsShow extends BaseCommand<typeof MetricsShow> {
  static override summary = 'Show a named CDC metric from the catalog: its current value and its history.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> latency-p95',
    '<%= config.bin %> <%= command.id %> consumer-lag --since 6h --step 5m',
    '<%= config.bin %> <%= command.id %> throughput --since 1d -o csv',
  ];
  static override args = {name: Args.string({required: true, description: 'Catalog name (see `metrics list`).'})};
  static override flags = {output: rangeOutputFlag, ...windowFlags};

  async run(): Promise<NamedMetric> {
    const m = await showMetric(await this.runContext(), this.args.name, rangeWindow(this.flags));
    return this.present(m, () => renderMetric(m, this.flags.output));
  }
}
