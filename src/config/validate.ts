import {ConfigError} from '../errors.js';
import {type ConfigFile, configFileSchema} from './schema.js';
import {referenceProblem} from './secrets.js';
import {parseYamlFile} from './yaml-file.js';

/**
 * Validation of configuration files against the zod schema, with errors that name file, key path
 * and expectation. Loaded only when a file must be (re)validated: see validated-cache.ts.
 */

/** Parses YAML (or JSON, which is YAML) text and validates it, naming file and key path on error. */
export function parseConfigFile(path: string, text: string): ConfigFile {
  return validateConfig(path, parseYamlFile(path, text) ?? {});
}

export interface ConfigIssue {
  file: string;
  /** Dotted key path, e.g. `contexts.prod.connect.url`. */
  path: string;
  message: string;
  /** The problem is that a service (Vault) could not be reached or answered garbage: it may be fine. */
  unreachable?: boolean;
}

export function validateConfig(path: string, data: unknown): ConfigFile {
  const parsed = configFileSchema.safeParse(data);
  const issues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({
        file: path,
        path: i.path.map(String).join('.') || '(top level)',
        message: describeIssue(i),
      }));
  collectReferenceProblems(data, '', path, issues);
  // The schema only validates (no defaults, no transforms), so the file's own data is the result —
  // in the order it was written, exactly as a run that skips validation reads it (validated-cache.ts).
  if (issues.length === 0) return data as ConfigFile;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  throw new ConfigError(`${path}: ${first.path}: ${first.message}${more}`, {
    hint: 'Run `cdcctl config validate` to list every problem.',
    details: {issues},
  });
}

/** Every string of the file whose secret references are malformed or of an unknown scheme. */
function collectReferenceProblems(value: unknown, at: string, file: string, issues: ConfigIssue[]): void {
  if (typeof value === 'string') {
    const problem = referenceProblem(value);
    if (problem) issues.push({file, path: at || '(top level)', message: problem});
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectReferenceProblems(v, at ? `${at}.${i}` : String(i), file, issues);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectReferenceProblems(v, at ? `${at}.${k}` : k, file, issues);
  }
}

interface IssueLike {
  code: string;
  message: string;
  keys?: readonly string[];
}

export function describeIssue(issue: IssueLike): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown key(s) ${issue.keys.join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}
