import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderBaselines} from '../../../output/tune.js';
import {listTuneBaselines} from '../../../services/tune/index.js';
import type {BaselineSummary} from '../../../services/tune/types.js';

export default class TuneBaselineList extends BaseCommand<typeof TuneBaselineList> {
  static override summary = 'List the stored tune baselines of the context.';
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o yaml'];

  async run(): Promise<BaselineSummary[]> {
    const list = await listTuneBaselines(await this.runContext());
    return this.present(list, (wide) => renderBaselines(list, wide));
  }
}
