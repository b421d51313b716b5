import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {rangeOutputFlag, windowFlags} from '../../cli/flags/metrics.js';
import {formatNumber, seriesName} from '../../output/chart.js';
import {printRange} from '../../output/metrics.js';
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
    if (this.jsonEnabled() || this.flags.output === 'yaml') return this.present(m, () => '');
    const unit = m.entry.unit;
    const now = m.current.series.length
      ? m.current.series.map((s) => `${seriesName(s.labels)} = ${formatNumber(s.value, unit)}`).join('\n  ')
      : 'no data';
    process.stdout.write(`${m.entry.name}: ${m.entry.description ?? ''}\n${m.entry.query}\nnow:\n  ${now}\n\n`);
    printRange(m.range, this.flags.output, unit);
    return m;
  }
}
