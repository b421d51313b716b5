import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import type {RuleGroup} from '../../clients/prometheus.js';
import {renderRules} from '../../output/metrics.js';
import {listRules} from '../../services/metrics/query.js';

export default class MetricsRules extends BaseCommand<typeof MetricsRules> {
  static override summary = 'Prometheus alerting and recording rules with their state.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --type alert -o wide',
  ];
  static override flags = {
    output: outputFlag,
    type: Flags.option({summary: 'Only alerting or recording rules.', options: ['alert', 'record'] as const})(),
    firing: Flags.boolean({summary: 'Only rules that are pending or firing.'}),
  };

  async run(): Promise<RuleGroup[]> {
    let groups = await listRules(await this.runContext(), this.flags.type);
    if (this.flags.firing)
      groups = groups
        .map((g) => ({...g, rules: g.rules.filter((r) => r.state === 'firing' || r.state === 'pending')}))
        .filter((g) => g.rules.length);
    return this.present(groups, (wide) => renderRules(groups, wide));
  }
}
