import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderInstant} from '../../output/metrics.js';
import {type InstantResult, instantQuery} from '../../services/metrics/query.js';
import {parsePromTime} from '../../util/time.js';

export default class MetricsQuery extends BaseCommand<typeof MetricsQuery> {
  static override summary = 'Run an instant PromQL query.';
  static override examples = [
    `<%= config.bin %> <%= command.id %> 'cdc_connector_up == 0'`,
    `<%= config.bin %> <%= command.id %> 'sum by (topic) (kafka_consumer_lag)' --json`,
    `<%= config.bin %> <%= command.id %> 'cdc_fixed' --time 1700003540`,
  ];
  static override args = {promql: Args.string({required: true, description: 'PromQL expression.'})};
  static override flags = {
    output: outputFlag,
    time: Flags.string({summary: 'Evaluation time: unix seconds, ISO-8601 or now (default now).'}),
  };

  async run(): Promise<InstantResult> {
    const r = await instantQuery(
      await this.runContext(),
      this.args.promql,
      this.flags.time ? parsePromTime(this.flags.time) : undefined,
    );
    for (const w of r.warnings) this.log$.warn(w);
    return this.present(r, () => renderInstant(r));
  }
}
