import {selectContext} from '../../src/config/context.js';
import {loadConfig} from '../../src/config/load.js';
import {createLogger} from '../../src/log.js';
import type {RunContext} from '../../src/runtime.js';

/** The run context of a test-only crash child (gdpr-crash-child.ts, dlq-crash-child.ts): the current context, quiet. */
export async function childContext(): Promise<RunContext> {
  const entry = selectContext(await loadConfig());
  return {
    contextName: entry.name,
    config: entry.config,
    log: createLogger({format: 'text', verbose: false, quiet: true}),
    userAgent: 'cdcctl-test',
    actor: 'test@crash',
  };
}
