import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {cjsExports} from '../cjs.js';
import {ConfigError} from '../errors.js';
import {builtInLocalContext} from './constants.js';
import type {ConfigFile, ContextConfig} from './schema.js';
import {isKnownValid, rememberValid, validationKey} from './validated-cache.js';
import {parseYamlFile} from './yaml-file.js';

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
    files.push({path: explicit, kind: 'explicit', config: await loadConfigFile(explicit)});
  } else {
    const user = userConfigPath();
    if (existsSync(user)) files.push({path: user, kind: 'user', config: await loadConfigFile(user)});
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
  const {cosmiconfig} = cjsExports(await import('cosmiconfig'), 'cosmiconfig');
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
  const {validateConfig} = await import('./validate.js');
  return {path: found.filepath, kind: 'project', config: validateConfig(found.filepath, found.config)};
}

/**
 * Reads and validates one configuration file. A file whose exact content this build of cdcctl has
 * validated before skips the zod schema: its parsed YAML is its validated form (the schema sets no
 * defaults), and loading zod and building the schema was a third of a command's start-up time.
 */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read the configuration file ${path} (${code})`, {
      hint:
        code === 'EISDIR'
          ? 'It is a directory: point CDCCTL_CONFIG at a YAML file.'
          : 'Check that the file exists and that cdcctl may read it.',
    });
  }
  const key = validationKey(text);
  if (key && isKnownValid(key)) return (parseYamlFile(path, text) ?? {}) as ConfigFile;
  const {parseConfigFile} = await import('./validate.js');
  const config = parseConfigFile(path, text);
  if (key) rememberValid(key);
  return config;
}
