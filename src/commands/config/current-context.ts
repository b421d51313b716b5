import {BaseCommand} from '../../cli/base-command.js';
import {selectContext} from '../../config/context.js';
import {renderCurrentContext} from '../../output/config.js';

export default class ConfigCurrentContext extends BaseCommand<typeof ConfigCurrentContext> {
  static override summary = 'Print the context commands use by default.';
  static override description =
    'Prints the name of the context selected by --context, CDCCTL_CONTEXT or current-context, in that order.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<{name: string; source: string}> {
    const entry = selectContext(await this.cdcConfig(), this.flags.context);
    const current = {name: entry.name, source: entry.source};
    return this.present(current, () => renderCurrentContext(current));
  }
}
