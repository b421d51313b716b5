import {execute as oclifExecute} from '@oclif/core';
import {globalFlagsAfterCommand} from './argv.js';

/**
 * The CLI's entry for bin/run.js: oclif's executor, from the same bundle as the commands so that one
 * copy of the framework is loaded (see bin/bundle.js), with global flags accepted before the command.
 */
export async function execute(options: Parameters<typeof oclifExecute>[0]): Promise<unknown> {
  return oclifExecute({...options, args: globalFlagsAfterCommand(options.args ?? process.argv.slice(2))});
}
