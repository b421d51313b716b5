import {accessSync, constants, existsSync, readFileSync} from 'node:fs';
import {parseDocument} from 'yaml';
import {CONTEXT_NAME} from '../../config/constants.js';
import {selectContext} from '../../config/context.js';
import type {LoadedConfig} from '../../config/load.js';
import type {ContextConfig} from '../../config/schema.js';
import {hasSecretReference, redact, resolveSecrets} from '../../config/secrets.js';
import {type ConfigIssue, validateConfig} from '../../config/validate.js';
import {editConfigFile} from '../../config/write.js';
import {CdcError, ConfigError, ExitCode, UsageError} from '../../errors.js';
import {fetchVaultSecrets, type SecretsRun} from '../secrets/vault.js';

/** Contexts: listing, viewing (redacted), editing and validating the configuration files. */

export interface ContextSummary {
  name: string;
  current: boolean;
  source: string;
  connect?: string;
  kafka?: string;
  postgres?: string;
}

export function listContexts(config: LoadedConfig): ContextSummary[] {
  return [...config.contexts.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => {
      const r = redact(e.config);
      return {
        name: e.name,
        current: e.name === config.currentContext,
        source: e.source,
        connect: r.connect?.url,
        kafka: r.kafka?.brokers.join(','),
        postgres: r.postgres?.url,
      };
    });
}

export interface ConfigView {
  'current-context'?: string;
  files: Array<{path: string; kind: string}>;
  writablePath: string;
  contexts: Record<string, ContextConfig & {source?: string}>;
}

/** The merged configuration with every literal secret masked (references are shown: they are not secrets). */
export function viewConfig(config: LoadedConfig, only?: string): ConfigView {
  const entries = only ? [selectContext(config, only)] : [...config.contexts.values()];
  const contexts: ConfigView['contexts'] = {};
  for (const e of entries) contexts[e.name] = redact(e.config);
  return {
    'current-context': config.currentContext,
    files: config.files.map((f) => ({path: f.path, kind: f.kind})),
    writablePath: config.writablePath,
    contexts,
  };
}

export function useContext(config: LoadedConfig, name: string): {previous?: string; current: string; file: string} {
  selectContext(config, name); // unknown → exit 2 with the known names
  editConfigFile(config.writablePath, (doc) => doc.set('current-context', name));
  return {previous: config.currentContext, current: name, file: config.writablePath};
}

export interface ContextChanges {
  /** Dotted paths inside the context → value (string, string[] or boolean/number parsed from text). */
  set: Record<string, unknown>;
  unset: string[];
}

export function setContext(
  config: LoadedConfig,
  name: string,
  changes: ContextChanges,
  makeCurrent: boolean,
): {name: string; created: boolean; file: string; context: ContextConfig} {
  if (!CONTEXT_NAME.test(name)) {
    throw new UsageError(`invalid context name "${name}"`, {hint: 'Use letters, digits, ".", "_" and "-".'});
  }
  const file = config.writablePath;
  const existedInFile = fileHasContext(file, name);
  editConfigFile(file, (doc) => {
    if (!existedInFile) {
      // Start from the merged definition (e.g. a project file's) so set-context refines it.
      const inherited = config.contexts.get(name);
      doc.setIn(
        ['contexts', name],
        doc.createNode(inherited && inherited.source !== 'built-in' ? inherited.config : {}),
      );
    }
    for (const [path, value] of Object.entries(changes.set)) doc.setIn(['contexts', name, ...path.split('.')], value);
    for (const path of changes.unset) doc.deleteIn(['contexts', name, ...path.split('.')]);
    if (makeCurrent || !doc.get('current-context')) doc.set('current-context', name);
  });
  const written = validateConfig(file, parseDocument(readFileSync(file, 'utf8')).toJS());
  return {name, created: !existedInFile, file, context: redact(written.contexts?.[name] ?? {})};
}

export function deleteContext(config: LoadedConfig, name: string): {name: string; file: string; wasCurrent: boolean} {
  const entry = selectContext(config, name);
  const file = config.writablePath;
  if (!fileHasContext(file, name)) {
    throw new ConfigError(`context "${name}" is defined in ${entry.source}, not in ${file}`, {
      hint: `Edit ${entry.source} to remove it.`,
    });
  }
  let wasCurrent = false;
  editConfigFile(file, (doc) => {
    doc.deleteIn(['contexts', name]);
    if (doc.get('current-context') === name) {
      wasCurrent = true;
      doc.delete('current-context');
    }
  });
  return {name, file, wasCurrent};
}

function fileHasContext(file: string, name: string): boolean {
  if (!existsSync(file)) return false;
  return parseDocument(readFileSync(file, 'utf8')).hasIn(['contexts', name]);
}

export interface ValidationReport {
  valid: boolean;
  files: string[];
  issues: ConfigIssue[];
}

/** Like validateAll, but also turns a configuration that does not load at all into a report. */
export async function validateConfiguration(
  load: () => Promise<LoadedConfig>,
  onlyContext?: string,
  run: Pick<SecretsRun, 'timeoutMs' | 'trace' | 'userAgent'> = {userAgent: 'cdcctl'},
): Promise<ValidationReport> {
  let config: LoadedConfig;
  try {
    config = await load();
  } catch (err) {
    const issues = err instanceof ConfigError ? (err.details?.issues as ConfigIssue[] | undefined) : undefined;
    if (!issues) throw err;
    return {valid: false, files: [...new Set(issues.map((i) => i.file))], issues};
  }
  return validateAll(config, onlyContext, run);
}

/**
 * Checks every configuration file against the schema, and for every context (or one) that each
 * secret reference resolves — Vault references read from Vault — and that each TLS file can be
 * read, without ever printing a resolved value. An issue that is Vault being unreachable says so.
 */
export async function validateAll(
  config: LoadedConfig,
  onlyContext?: string,
  run: Pick<SecretsRun, 'timeoutMs' | 'trace' | 'userAgent'> = {userAgent: 'cdcctl'},
): Promise<ValidationReport> {
  const issues: ConfigIssue[] = [];
  for (const file of config.files) {
    try {
      validateConfig(file.path, file.config);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...((err.details?.issues as ConfigIssue[] | undefined) ?? []));
      else throw err;
    }
  }
  const entries = onlyContext ? [selectContext(config, onlyContext)] : [...config.contexts.values()];
  for (const entry of entries) {
    await fetchVaultSecrets({...run, contextName: entry.name, config: entry.config}, entry.config);
    collectContextIssues(entry.config, `contexts.${entry.name}`, entry.source, issues);
  }
  if (onlyContext === undefined && config.currentContext && !config.contexts.has(config.currentContext)) {
    issues.push({
      file: config.writablePath,
      path: 'current-context',
      message: `names "${config.currentContext}", which no file defines`,
    });
  }
  return {valid: issues.length === 0, files: config.files.map((f) => f.path), issues};
}

/** The exit code of a report: 0 when valid, 4 when the only problems are unreachable services, else 2. */
export function validationExitCode(report: ValidationReport): ExitCode {
  if (report.valid) return ExitCode.ok;
  return report.issues.every((i) => i.unreachable) ? ExitCode.unreachable : ExitCode.usage;
}

function collectContextIssues(value: unknown, path: string, file: string, issues: ConfigIssue[], key = ''): void {
  if (typeof value === 'string') {
    if (!hasSecretReference(value)) return;
    try {
      resolveSecrets(value, path);
    } catch (err) {
      issues.push(issueOf(err, file, path));
    }
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collectContextIssues(v, `${path}.${i}`, file, issues);
  } else if (value && typeof value === 'object') {
    if (key === 'tls' || key === 'ssl') collectTlsFileIssues(value as Record<string, unknown>, path, file, issues);
    for (const [k, v] of Object.entries(value)) collectContextIssues(v, `${path}.${k}`, file, issues, k);
  }
}

/** The CA bundle, certificate and key files of a TLS section must be readable. */
function collectTlsFileIssues(tls: Record<string, unknown>, path: string, file: string, issues: ConfigIssue[]): void {
  for (const key of ['ca', 'cert', 'key']) {
    const written = tls[key];
    if (typeof written !== 'string') continue;
    const where = `${path}.${key}`;
    let target: string;
    try {
      target = resolveSecrets(written, where);
    } catch {
      continue; // the reference itself is reported by collectContextIssues
    }
    try {
      accessSync(target, constants.R_OK);
    } catch (err) {
      issues.push({file, path: where, message: `cannot read ${target} (${(err as NodeJS.ErrnoException).code})`});
    }
  }
}

function issueOf(err: unknown, file: string, path: string): ConfigIssue {
  if (!(err instanceof CdcError) || err.exitCode === ExitCode.bug) throw err;
  const message = err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message;
  return {file, path, message, ...(err.exitCode === ExitCode.unreachable ? {unreachable: true} : {})};
}
