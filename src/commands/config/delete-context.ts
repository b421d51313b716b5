import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {deleteContext} from '../../services/config/contexts.js';

export default class ConfigDeleteContext extends BaseCommand<typeof ConfigDeleteContext> {
  static override summary = 'Remove a context from the writable configuration file.';
  static override examples = ['<%= config.bin %> <%= command.id %> staging'];
  static override args = {name: Args.string({required: true, description: 'Context name.'})};
  static override pick = {name: 'context'} as const;

  async run(): Promise<ReturnType<typeof deleteContext>> {
    const result = deleteContext(await this.cdcConfig(), this.args.name);
    this.log$.info(
      `Deleted context "${result.name}" from ${result.file}.${result.wasCurrent ? ' No context is current now.' : ''}`,
    );
    return result;
  }
}
