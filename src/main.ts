/**
 * The CLI's entry for bin/run.js: oclif's executor, from the same bundle as the commands so that one
 * copy of the framework is loaded (see bin/bundle.js).
 */
export {execute} from '@oclif/core';
