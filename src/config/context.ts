import {ConfigError} from '../errors.js';
import type {ContextEntry, LoadedConfig} from './load.js';

/**
 * Picks the context a command runs against: `--context`, else `CDCCTL_CONTEXT` (oclif maps the
 * variable onto the flag), else the configuration's `current-context`.
 */
export function selectContext(config: LoadedConfig, requested?: string): ContextEntry {
  const name = requested ?? config.currentContext;
  const known = [...config.contexts.keys()].sort();
  if (!name) {
    throw new ConfigError('no context selected and no current-context is set', {
      hint: known.length
        ? `Choose one with --context or \`cdcctl config use-context <name>\`. Known contexts: ${known.join(', ')}.`
        : 'Create one with `cdcctl config set-context <name> --connect-url …`.',
    });
  }
  const entry = config.contexts.get(name);
  if (!entry) {
    throw new ConfigError(`unknown context "${name}"`, {
      hint: known.length
        ? `Known contexts: ${known.join(', ')}.`
        : 'No context is defined yet: `cdcctl config set-context`.',
      details: {known},
    });
  }
  return entry;
}
