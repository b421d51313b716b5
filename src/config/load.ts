import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {parseDocument as yamlParseDocument} from 'yaml';
import {ConfigError} from '../errors.js';
import {builtInLocalContext, type ConfigFile, type ContextConfig, configFileSchema} from './schema.js';

/**
 * Where configuration comes from, in order of precedence:
 * 1. `CDCCTL_CONFIG=/path/file.yaml` — the only file read and written when set;
 * 2. the user file `$XDG_CONFIG_HOME/cdcctl/config.yaml` (default `~/.config/cdcctl/config.yaml`);
 * 3. a project file found by cosmiconfig (module `cdcctl`: `.cdcctlrc.yaml`, `cdcctl.config.json`,
 *    the `cdcctl` key of package.json, …) from the working directory up to the project root.
 * Contexts merge by name (the user file wins); `current-context` comes from the first file that sets it.
 * With no file at all, a built-in `local` context points at the local stack (examples/stack).
 */

export interface LoadedFile {
  path: string;
  kind: 'explicit' | 'user' | 'project';
  config: ConfigFile;
}

export interface ContextEntry {
  name: string;
  config: ContextConfig;
  /** The file that defines it, or "built-in". */
  source: string;
}

export interface LoadedConfig {
  files: LoadedFile[];
  /** Where set-context / use-context / delete-context write. */
  writablePath: string;
  currentContext?: string;
  contexts: Map<string, ContextEntry>;
}

export function userConfigPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'cdcctl', 'config.yaml');
}

export function writableConfigPath(): string {
  return process.env.CDCCTL_CONFIG || userConfigPath();
}

export async function loadConfig(cwd = process.cwd()): Promise<LoadedConfig> {
  const files: LoadedFile[] = [];
  const explicit = process.env.CDCCTL_CONFIG;
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new ConfigError(`CDCCTL_CONFIG points at ${explicit}, which does not exist`, {
        hint: 'Create it with `cdcctl config set-context <name> …`, or unset CDCCTL_CONFIG.',
      });
    }
    files.push({path: explicit, kind: 'explicit', config: parseConfigFile(explicit, readFileSync(explicit, 'utf8'))});
  } else {
    const user = userConfigPath();
    if (existsSync(user))
      files.push({path: user, kind: 'user', config: parseConfigFile(user, readFileSync(user, 'utf8'))});
    const project = await findProjectConfig(cwd);
    if (project) files.push(project);
  }
  return merge(files);
}

function merge(files: LoadedFile[]): LoadedConfig {
  const contexts = new Map<string, ContextEntry>();
  let currentContext: string | undefined;
  for (const file of files) {
    currentContext ??= file.config['current-context'];
    for (const [name, config] of Object.entries(file.config.contexts ?? {})) {
      if (!contexts.has(name)) contexts.set(name, {name, config, source: file.path});
    }
  }
  if (files.length === 0) {
    contexts.set('local', {name: 'local', config: builtInLocalContext, source: 'built-in'});
    currentContext = 'local';
  }
  return {files, writablePath: writableConfigPath(), currentContext, contexts};
}

async function findProjectConfig(cwd: string): Promise<LoadedFile | undefined> {
  const {cosmiconfig} = await import('cosmiconfig');
  const explorer = cosmiconfig('cdcctl', {searchStrategy: 'project', cache: false});
  let found: {filepath: string; config: unknown; isEmpty?: boolean} | null;
  try {
    found = await explorer.search(cwd);
  } catch (err) {
    throw new ConfigError(`cannot parse the project configuration: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'Fix the syntax of the file named above.',
    });
  }
  if (!found || found.isEmpty) return undefined;
  return {path: found.filepath, kind: 'project', config: validateConfig(found.filepath, found.config)};
}

/** Parses YAML (or JSON, which is YAML) text and validates it, naming file and key path on error. */
export function parseConfigFile(path: string, text: string): ConfigFile {
  const data = parseYaml(path, text);
  return validateConfig(path, data ?? {});
}

function parseYaml(path: string, text: string): unknown {
  const doc = yamlParseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new ConfigError(
      `${path}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`,
      {
        hint: 'Fix the syntax at the position shown.',
      },
    );
  }
  return doc.toJS();
}

export interface ConfigIssue {
  file: string;
  /** Dotted key path, e.g. `contexts.prod.connect.url`. */
  path: string;
  message: string;
}

export function validateConfig(path: string, data: unknown): ConfigFile {
  const parsed = configFileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues: ConfigIssue[] = parsed.error.issues.map((i) => ({
    file: path,
    path: i.path.map(String).join('.') || '(top level)',
    message: describeIssue(i),
  }));
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  throw new ConfigError(`${path}: ${first.path}: ${first.message}${more}`, {
    hint: 'Run `cdcctl config validate` to list every problem.',
    details: {issues},
  });
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
