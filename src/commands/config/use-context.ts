import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {useContext} from '../../services/config/contexts.js';

export default class ConfigUseContext extends BaseCommand<typeof ConfigUseContext> {
  static override summary = 'Make a context the current one.';
  static override examples = ['<%= config.bin %> <%= command.id %> prod'];
  static override args = {name: Args.string({required: true, description: 'Context name.'})};
  static override pick = {name: 'context'} as const;

  async run(): Promise<ReturnType<typeof useContext>> {
    const result = useContext(await this.cdcConfig(), this.args.name);
    this.log$.info(`Switched to context "${result.current}" (${result.file}).`);
    return result;
  }
}
