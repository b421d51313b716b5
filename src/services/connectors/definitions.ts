import {globSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {basename, extname, join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {UsageError} from '../../errors.js';

/**
 * Connector definitions as users write them: JSON or YAML files holding `{name, config}`, a list of
 * them, several YAML documents, or a flat config with a `name` key. Sources are files, directories
 * (every .json/.yaml/.yml inside, sorted), globs, or `-` for stdin. Values stay unresolved here:
 * secret references are resolved only in memory, right before use.
 */
export interface ConnectorDefinition {
  name: string;
  config: Record<string, string>;
  /** The file (or "stdin") it came from, for messages. */
  source: string;
}

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

export function loadDefinitions(
  sources: string[],
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): ConnectorDefinition[] {
  const defs: ConnectorDefinition[] = [];
  for (const source of sources) {
    if (source === '-') defs.push(...parseDefinitions(readStdin(), 'stdin'));
    else for (const file of expandSource(source)) defs.push(...parseDefinitions(readFileSync(file, 'utf8'), file));
  }
  const seen = new Map<string, string>();
  for (const d of defs) {
    const first = seen.get(d.name);
    if (first) throw new UsageError(`connector "${d.name}" is defined twice: in ${first} and in ${d.source}`);
    seen.set(d.name, d.source);
  }
  return defs;
}

function expandSource(source: string): string[] {
  if (/[*?[]/.test(source)) {
    const files = globFiles(source);
    if (files.length === 0) throw new UsageError(`no file matches ${source}`);
    return files;
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(source);
  } catch {
    throw new UsageError(`cannot read ${source}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [source];
  const files = readdirSync(source)
    .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(source, f));
  if (files.length === 0) throw new UsageError(`${source} holds no .json, .yaml or .yml file`);
  return files;
}

function globFiles(pattern: string): string[] {
  return globSync(pattern)
    .filter((f) => statSync(f).isFile())
    .sort();
}

export function parseDefinitions(text: string, source: string): ConnectorDefinition[] {
  const docs = parseAllDocuments(text);
  const out: ConnectorDefinition[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new UsageError(
        `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: cannot parse: ${e.message.split('\n')[0]}`,
      );
    }
    const data = doc.toJS() as unknown;
    if (data === null || data === undefined) continue;
    for (const [i, item] of (Array.isArray(data) ? data : [data]).entries()) {
      out.push(toDefinition(item, Array.isArray(data) ? `${source}[${i}]` : source, source));
    }
  }
  if (out.length === 0) throw new UsageError(`${source} defines no connector`);
  return out;
}

function toDefinition(item: unknown, where: string, source: string): ConnectorDefinition {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    throw new UsageError(`${where}: expected an object with "name" and "config"`);
  }
  const obj = item as Record<string, unknown>;
  const nested = obj.config !== undefined;
  const rawConfig = (nested ? obj.config : obj) as Record<string, unknown>;
  if (!rawConfig || typeof rawConfig !== 'object' || Array.isArray(rawConfig)) {
    throw new UsageError(`${where}: "config" must be an object of key: value pairs`);
  }
  const name = String(obj.name ?? rawConfig.name ?? '').trim() || nameFromFile(source);
  if (!name || /[/\\]/.test(name) || name.length > 249) {
    throw new UsageError(`${where}: invalid or missing connector name "${name}"`, {
      hint: 'Give "name" at the top level; it may not contain "/" or "\\".',
    });
  }
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawConfig)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') throw new UsageError(`${where}: config key "${k}" must be a string, number or boolean`);
    config[k] = String(v);
  }
  if (config.name !== undefined && config.name !== name) {
    throw new UsageError(`${where}: config.name "${config.name}" differs from name "${name}"`);
  }
  config.name = name;
  if (!config['connector.class']) throw new UsageError(`${where}: connector "${name}" has no connector.class`);
  return {name, config, source};
}

function nameFromFile(source: string): string {
  return source === 'stdin' ? '' : basename(source, extname(source));
}
