import {Args, Command, Flags, loadHelpClass} from '@oclif/core';

/**
 * `cdcctl help [command…]`. The same as @oclif/plugin-help's command, kept in cdcctl's bundle so that
 * help runs on the one copy of oclif the commands use (a plugin imports its own copy from
 * node_modules: ~70 more files, and its output errors are not handled by ours).
 */
export default class Help extends Command {
  static override args = {
    command: Args.string({description: 'Command to show help for.', required: false}),
  };
  static override description = 'Display help for <%= config.bin %>.';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help connectors apply'];
  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', description: 'Include all nested commands in the output.'}),
  };
  static override strict = false;

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Help);
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, {all: flags['nested-commands']}).showHelp(argv as string[]);
  }
}
