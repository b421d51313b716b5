import type {ConfigValidation, ConnectClient} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {redactText, resolveSecrets} from '../../config/secrets.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled, type Settled} from '../../util/concurrency.js';
import type {ConfigHistory} from '../history/recorder.js';
import {fetchVaultSecrets} from '../secrets/vault.js';
import type {ConnectorDefinition} from './definitions.js';
import {type ConfigChange, diffConfigs} from './diff.js';
import {compileSelector} from './select.js';

/**
 * `connectors apply`: for each definition, resolve secret references in memory, validate it with
 * the worker's plugin (`PUT /connector-plugins/{class}/config/validate`), diff it against the live
 * config, and create or update it — or, with dryRun, stop after the diff.
 */

export type ApplyAction = 'create' | 'update' | 'unchanged' | 'invalid' | 'failed' | 'delete';

export interface ApplyResult {
  name: string;
  source: string;
  action: ApplyAction;
  /** False for dry runs and for connectors that needed nothing or could not be applied. */
  applied: boolean;
  changes: ConfigChange[];
  /** Validation errors per config key (action "invalid"). */
  errors: Array<{key: string; messages: string[]}>;
  /** Why it failed (action "failed"). */
  error?: {code: string; message: string; exitCode: ExitCode};
}

export interface ApplyOptions {
  dryRun: boolean;
  concurrency?: number;
  /** Live connectors to delete because the definitions no longer declare them (see pruneCandidates). */
  prune?: string[];
  /** Records each written config (and pruned deletion) as a version. */
  history?: ConfigHistory;
}

/**
 * Connectors that `apply --prune` would delete: live ones, within the selector (names, globs,
 * /regex/; empty = all), that no definition declares.
 */
export async function pruneCandidates(
  ctx: RunContext,
  definitions: ConnectorDefinition[],
  selector: string[],
): Promise<string[]> {
  const connect = connectClient(ctx);
  try {
    const declared = new Set(definitions.map((d) => d.name));
    const match = compileSelector(selector);
    return (await connect.listNames()).filter((n) => match(n) && !declared.has(n)).sort();
  } finally {
    await connect.close();
  }
}

export async function applyConnectors(
  ctx: RunContext,
  definitions: ConnectorDefinition[],
  options: ApplyOptions,
): Promise<ApplyResult[]> {
  await fetchVaultSecrets(
    ctx,
    definitions.map((d) => d.config),
  );
  const connect = connectClient(ctx);
  try {
    const settled = await mapSettled(definitions, options.concurrency ?? 4, (d) => applyOne(connect, d, options));
    const results = settledResults(settled, definitions);
    const prune = options.prune ?? [];
    const deleted = await mapSettled(prune, options.concurrency ?? 4, async (name): Promise<ApplyResult> => {
      const live = (await connect.getConfig(name)) ?? {};
      const changes = diffConfigs(live, {}, {before: (await options.history?.writtenForm(name, live)) ?? live});
      if (!options.dryRun) {
        await connect.delete(name);
        await options.history?.recordDelete(name);
      }
      return {name, source: 'prune', action: 'delete', applied: !options.dryRun, changes, errors: []};
    });
    return [
      ...results,
      ...settledResults(
        deleted,
        prune.map((name) => ({name, source: 'prune'})),
      ),
    ];
  } finally {
    await connect.close();
  }
}

async function applyOne(connect: ConnectClient, def: ConnectorDefinition, options: ApplyOptions): Promise<ApplyResult> {
  const desired = resolveSecrets(def.config, `${def.source}: ${def.name}.config`);
  return writeConfig(connect, {name: def.name, source: def.source, desired, unresolved: def.config}, options);
}

export interface ConfigWrite {
  name: string;
  /** Where the desired config came from, for messages ("file.yaml", "--set", "$EDITOR"). */
  source: string;
  /** The complete config wanted, secret references already resolved. */
  desired: Record<string, string>;
  /** The same config as the user wrote it, secret references unresolved: what history stores (default: desired). */
  unresolved?: Record<string, string>;
  /** The live config when the caller has it already. */
  live?: Record<string, string>;
  /** The live config as written (references unresolved) when the caller has it already; see ConfigHistory.writtenForm. */
  liveWritten?: Record<string, string>;
}

/**
 * The one path every config change takes: validate with the worker's plugin, diff against the live
 * config, then write — PUT for a whole config, or PATCH (Kafka ≥ 3.8) with just the changed keys
 * when `patch` is asked (falling back to PUT on older workers) — and record the written config as a
 * new version in the config history.
 */
export async function writeConfig(
  connect: ConnectClient,
  write: ConfigWrite,
  options: {dryRun: boolean; patch?: boolean; history?: ConfigHistory},
): Promise<ApplyResult> {
  const {name, source, desired} = write;
  const base = {name, source};
  const validation = await connect.validate(desired['connector.class']!, desired);
  const errors = validationErrors(validation);
  const live = write.live ?? (await connect.getConfig(name));
  const liveWritten = write.liveWritten ?? (live && (await options.history?.writtenForm(name, live))) ?? live;
  // compared as they are (or will be) live, shown as written: a resolved reference is never shown
  const changes = diffConfigs(live, desired, {before: liveWritten, after: write.unresolved});
  if (errors.length > 0) return {...base, action: 'invalid', applied: false, changes, errors};
  if (live && changes.length === 0) return {...base, action: 'unchanged', applied: false, changes, errors};
  const action: ApplyAction = live ? 'update' : 'create';
  if (options.dryRun) return {...base, action, applied: false, changes, errors};
  if (live && options.patch && (await connect.supports('patchConfig'))) {
    const body: Record<string, string | null> = {};
    for (const c of changes) body[c.key] = c.change === 'removed' ? null : desired[c.key]!;
    await connect.patchConfig(name, body);
  } else {
    await connect.putConfig(name, desired);
  }
  await options.history?.recordWrite(name, action, write.unresolved ?? desired);
  return {...base, action, applied: true, changes, errors};
}

/**
 * Turns per-connector outcomes into results: a failure becomes that connector's "failed" line,
 * except an unreachable worker (the whole command fails, exit 4) and bugs (exit 1).
 */
export function settledResults(
  settled: Settled<ApplyResult>[],
  items: Array<{name: string; source: string}>,
): ApplyResult[] {
  return settled.map((s, i) => {
    if (s.ok) return s.value;
    if (!(s.error instanceof CdcError) || s.error.exitCode === ExitCode.unreachable) throw s.error;
    const {name, source} = items[i]!;
    const error = {code: s.error.code, message: redactText(s.error.message), exitCode: s.error.exitCode};
    return {name, source, action: 'failed', applied: false, changes: [], errors: [], error};
  });
}

export function validationErrors(v: ConfigValidation): Array<{key: string; messages: string[]}> {
  if (v.error_count === 0) return [];
  // a plugin's message may quote the value it refused: the same redaction as any shown value
  return v.configs
    .filter((c) => c.value.errors.length > 0)
    .map((c) => ({key: c.value.name, messages: c.value.errors.map((m) => redactText(m))}));
}

/**
 * The exit code of an apply run: 0 when every connector is fine; 5 when some were fine and some
 * not; when none was fine, 2 for invalid definitions, else the first failure's own code.
 */
export function applyExitCode(results: ApplyResult[]): ExitCode {
  const bad = results.filter((r) => r.action === 'invalid' || r.action === 'failed');
  if (bad.length === 0) return ExitCode.ok;
  if (bad.length < results.length) return ExitCode.partial;
  return bad.find((r) => r.error)?.error?.exitCode ?? ExitCode.usage;
}
