import type {ConfigValidation, ConnectClient} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {redactText, resolveSecrets} from '../../config/secrets.js';
import {CdcError, ExitCode, ServiceError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled, type Settled} from '../../util/concurrency.js';
import {fetchVaultSecrets} from '../secrets/vault.js';
import type {ConfigHistory} from './config-history.js';
import type {ConnectorDefinition} from './definitions.js';
import {type ConfigChange, diffConfigs} from './diff.js';
import {compileSelector} from './select.js';

/**
 * `connectors apply`: for each definition, resolve secret references in memory, validate it with
 * the worker's plugin (`PUT /connector-plugins/{class}/config/validate`) and diff it against the live
 * config — every definition first, writing nothing — then, only when all of them are valid, create or
 * update them (or, with dryRun, stop after the diff).
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
  /** Why a valid definition was not written: another definition of the run is invalid or failed. */
  skipped?: string;
}

/** Sees the validated plan (creates, updates, deletions) before anything is written; throwing writes nothing. */
export type BeforeWrite = (planned: ApplyResult[]) => Promise<void>;

export interface ApplyOptions {
  dryRun: boolean;
  concurrency?: number;
  /** Live connectors to delete because the definitions no longer declare them (see pruneCandidates). */
  prune?: string[];
  /** Records each written config (and pruned deletion) as a version. */
  history?: ConfigHistory;
  /**
   * Called once every definition is known valid, with what the run will change, right before the first
   * write (not on dry runs): the place to ask for confirmation (src/cli/confirm-write.ts).
   */
  beforeWrite?: BeforeWrite;
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

/**
 * Validates and diffs every definition (and every connector to prune) before writing any: one
 * invalid file writes nothing, and each file gets its own result. Then writes what changed.
 */
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
  const limit = options.concurrency ?? 4;
  try {
    const writes: ConfigWrite[] = [];
    const planned = settledResults(
      await mapSettled(definitions, limit, async (d, i) => {
        const desired = resolveSecrets(d.config, `${d.source}: ${d.name}.config`);
        writes[i] = {name: d.name, source: d.source, desired, unresolved: d.config};
        return planConfig(connect, writes[i], options.history);
      }),
      definitions,
    );
    const prune = options.prune ?? [];
    const deletions = settledResults(
      await mapSettled(prune, limit, async (name): Promise<ApplyResult> => {
        const live = (await connect.getConfig(name)) ?? {};
        const changes = diffConfigs(live, {}, {before: (await options.history?.writtenForm(name, live)) ?? live});
        return {name, source: 'prune', action: 'delete', applied: false, changes, errors: []};
      }),
      prune.map((name) => ({name, source: 'prune'})),
    );
    const results = [...planned, ...deletions];
    const bad = results.filter(isBad);
    if (bad.length > 0) return holdBack(results, bad);
    if (options.dryRun) return results;
    await options.beforeWrite?.(results.filter((r) => r.action !== 'unchanged'));
    const written = await mapSettled(planned, limit, (r, i) => commitConfig(connect, writes[i]!, r, options));
    const deleted = await mapSettled(deletions, limit, async (r): Promise<ApplyResult> => {
      await connect.delete(r.name);
      await options.history?.recordDelete(r.name);
      return {...r, applied: true};
    });
    return [...settledResults(written, planned), ...settledResults(deleted, deletions)];
  } finally {
    await connect.close();
  }
}

function isBad(r: ApplyResult): boolean {
  return r.action === 'invalid' || r.action === 'failed';
}

/** The results of a run that writes nothing because of `bad`: every other result says why it was skipped. */
function holdBack(results: ApplyResult[], bad: ApplyResult[]): ApplyResult[] {
  const which = bad.map((r) => (r.source === 'stdin' || r.source === 'prune' ? r.name : r.source));
  const skipped = `not applied: ${bad.length} other definition(s) are invalid or failed (${[...new Set(which)].join(', ')}); nothing was written`;
  return results.map((r) => (isBad(r) ? r : {...r, skipped}));
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
 * config (planConfig), then write (commitConfig) — PUT for a whole config, or PATCH (Kafka ≥ 3.8)
 * with just the changed keys when `patch` is asked (falling back to PUT on older workers) — and
 * record the written config as a new version in the config history. `beforeWrite` sees a valid plan
 * that changes something, before the write.
 */
export async function writeConfig(
  connect: ConnectClient,
  write: ConfigWrite,
  options: {dryRun: boolean; patch?: boolean; history?: ConfigHistory; beforeWrite?: BeforeWrite},
): Promise<ApplyResult> {
  const planned = await planConfig(connect, write, options.history);
  if (options.dryRun || (planned.action !== 'create' && planned.action !== 'update')) return planned;
  await options.beforeWrite?.([planned]);
  return commitConfig(connect, write, planned, options);
}

/** Validates and diffs one config, writing nothing: the action it needs ("invalid" with the plugin's errors). */
export async function planConfig(
  connect: ConnectClient,
  write: ConfigWrite,
  history?: ConfigHistory,
): Promise<ApplyResult> {
  const {name, source, desired} = write;
  const base = {name, source};
  const errors = await pluginErrors(connect, desired);
  const live = write.live ?? (await connect.getConfig(name));
  const liveWritten = write.liveWritten ?? (live && (await history?.writtenForm(name, live))) ?? live;
  // compared as they are (or will be) live, shown as written: a resolved reference is never shown
  const changes = diffConfigs(live, desired, {before: liveWritten, after: write.unresolved});
  if (errors.length > 0) return {...base, action: 'invalid', applied: false, changes, errors};
  if (live && changes.length === 0) return {...base, action: 'unchanged', applied: false, changes, errors};
  return {...base, action: live ? 'update' : 'create', applied: false, changes, errors};
}

/** Writes a planned create or update (anything else is returned as it is). */
export async function commitConfig(
  connect: ConnectClient,
  write: ConfigWrite,
  planned: ApplyResult,
  options: {patch?: boolean; history?: ConfigHistory},
): Promise<ApplyResult> {
  if (planned.action !== 'create' && planned.action !== 'update') return planned;
  const {name, desired} = write;
  if (planned.action === 'update' && options.patch && (await connect.supports('patchConfig'))) {
    const body: Record<string, string | null> = {};
    for (const c of planned.changes) body[c.key] = c.change === 'removed' ? null : desired[c.key]!;
    await connect.patchConfig(name, body);
  } else {
    await connect.putConfig(name, desired);
  }
  await options.history?.recordWrite(name, planned.action, write.unresolved ?? desired);
  return {...planned, applied: true};
}

/**
 * The plugin's validation errors per key. A connector.class the worker does not have is an error of
 * that key (Connect answers it with a 500 naming every plugin): told apart from a failing worker by
 * the worker's own plugin list.
 */
async function pluginErrors(
  connect: ConnectClient,
  desired: Record<string, string>,
): Promise<Array<{key: string; messages: string[]}>> {
  const pluginClass = desired['connector.class']!;
  try {
    return validationErrors(await connect.validate(pluginClass, desired));
  } catch (err) {
    if (!(err instanceof ServiceError) || err.status === undefined) throw err;
    const installed = await connect.plugins().catch(() => undefined);
    if (!installed || installed.some((p) => namesPlugin(pluginClass, p.class))) throw err;
    const names = installed.map((p) => p.class).sort();
    return [
      {
        key: 'connector.class',
        messages: [`no connector plugin ${pluginClass} on the worker (installed: ${names.join(', ') || 'none'})`],
      },
    ];
  }
}

/** Connect finds a plugin by its class name, its simple name, or the simple name without "Connector". */
export function namesPlugin(name: string, pluginClass: string): boolean {
  const simple = pluginClass.slice(pluginClass.lastIndexOf('.') + 1);
  return name === pluginClass || name === simple || name === simple.replace(/Connector$/, '');
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
    .flatMap((c) => (c.value && c.value.errors.length > 0 ? [c.value] : []))
    .map((v) => ({key: v.name, messages: v.errors.map((m) => redactText(m))}));
}

/**
 * The exit code of an apply run: 0 when every connector is fine; 5 when some were done and some
 * not; when none was (a run held back by an invalid definition writes nothing), 2 for invalid
 * definitions, else the first failure's own code.
 */
export function applyExitCode(results: ApplyResult[]): ExitCode {
  const bad = results.filter(isBad);
  if (bad.length === 0) return ExitCode.ok;
  if (results.some((r) => !isBad(r) && !r.skipped)) return ExitCode.partial;
  return bad.find((r) => r.error)?.error?.exitCode ?? ExitCode.usage;
}
