import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {rangeOutputFlag, windowFlags} from '../../cli/flags/metrics.js';
import {renderRange} from '../../output/metrics.js';
import {type RangeResult, rangeQuery, rangeWindow} from '../../services/metrics/query.js';

export default class MetricsRange extends BaseCommand<typeof MetricsRange> {
  static override summary = 'Run a PromQL range query: a line chart in the terminal, or the data as table/csv/json.';
  static override examples = [
    `<%= config.bin %> <%= command.id %> 'sum(rate(cdc_events_processed_total[1m]))' --since 6h`,
    `<%= config.bin %> <%= command.id %> 'cdc_replication_lag_seconds' --since 30m --step 30s -o csv > lag.csv`,
    `<%= config.bin %> <%= command.id %> 'up' --start 2026-11-27T00:00:00Z --end 2026-11-27T01:00:00Z --json`,
  ];
  static override args = {promql: Args.string({required: true, description: 'PromQL expression.'})};
  static override flags = {output: rangeOutputFlag, ...windowFlags};

  async run(): Promise<RangeResult> {
    const r = await rangeQuery(await this.runContext(), this.args.promql, rangeWindow(this.flags));
    for (const w of r.warnings) this.log$.warn(w);
    return this.present(r, () => `${renderRange(r, this.flags.output)}\n`);
  }
}
