import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderRules} from '../../output/tune.js';
import {METRICS, RULES} from '../../services/tune/rules.js';

interface RuleView {
  id: string;
  title: string;
  appliesTo: string;
  needs: Array<{metric: string; unit: string}>;
}

export default class TuneRules extends BaseCommand<typeof TuneRules> {
  static override summary = 'List the tuning rules: what each looks for, on which connectors, from which metrics.';
  static override permission = null;
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];

  async run(): Promise<RuleView[]> {
    const views = RULES.map((r) => ({
      id: r.id,
      title: r.title,
      appliesTo: r.appliesTo.describe,
      needs: r.needs.map((m) => ({metric: m, unit: METRICS[m].unit})),
    }));
    return this.present(views, (wide) => renderRules(RULES, wide));
  }
}
