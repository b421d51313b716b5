import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderContexts} from '../../output/config.js';
import {type ContextSummary, listContexts} from '../../services/config/contexts.js';

export default class ConfigGetContexts extends BaseCommand<typeof ConfigGetContexts> {
  static override summary = 'List the contexts.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];
  static override flags = {output: outputFlag};

  async run(): Promise<ContextSummary[]> {
    const contexts = listContexts(await this.cdcConfig());
    return this.present(contexts, (wide) => renderContexts(contexts, wide));
  }
}
