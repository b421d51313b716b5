import type {ConfigValidation, ConnectClient} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {resolveSecrets} from '../../config/secrets.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import type {ConnectorDefinition} from './definitions.js';
import {type ConfigChange, diffConfigs} from './diff.js';

/**
 * `connectors apply`: for each definition, resolve secret references in memory, validate it with
 * the worker's plugin (`PUT /connector-plugins/{class}/config/validate`), diff it against the live
 * config, and create or update it — or, with dryRun, stop after the diff.
 */

export type ApplyAction = 'create' | 'update' | 'unchanged' | 'invalid' | 'failed';

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
}

export async function applyConnectors(
  ctx: RunContext,
  definitions: ConnectorDefinition[],
  options: ApplyOptions,
): Promise<ApplyResult[]> {
  const connect = connectClient(ctx);
  try {
    const settled = await mapSettled(definitions, options.concurrency ?? 4, (d) => applyOne(connect, d, options));
    return settled.map((s, i) => {
      if (s.ok) return s.value;
      const def = definitions[i]!;
      // An unreachable worker fails the whole command (exit 4) rather than every line of it.
      if (s.error instanceof CdcError && s.error.exitCode === ExitCode.unreachable) throw s.error;
      const error =
        s.error instanceof CdcError
          ? {code: s.error.code, message: s.error.message, exitCode: s.error.exitCode}
          : errorOf(s.error);
      return {name: def.name, source: def.source, action: 'failed', applied: false, changes: [], errors: [], error};
    });
  } finally {
    await connect.close();
  }
}

async function applyOne(connect: ConnectClient, def: ConnectorDefinition, options: ApplyOptions): Promise<ApplyResult> {
  const desired = resolveSecrets(def.config, `${def.source}: ${def.name}.config`);
  const base = {name: def.name, source: def.source};
  const validation = await connect.validate(desired['connector.class']!, desired);
  const errors = validationErrors(validation);
  const live = await connect.getConfig(def.name);
  const changes = diffConfigs(live, desired);
  if (errors.length > 0) return {...base, action: 'invalid', applied: false, changes, errors};
  if (live && changes.length === 0) return {...base, action: 'unchanged', applied: false, changes, errors};
  const action: ApplyAction = live ? 'update' : 'create';
  if (options.dryRun) return {...base, action, applied: false, changes, errors};
  await connect.putConfig(def.name, desired);
  return {...base, action, applied: true, changes, errors};
}

export function validationErrors(v: ConfigValidation): Array<{key: string; messages: string[]}> {
  if (v.error_count === 0) return [];
  return v.configs.filter((c) => c.value.errors.length > 0).map((c) => ({key: c.value.name, messages: c.value.errors}));
}

function errorOf(err: unknown): {code: string; message: string; exitCode: ExitCode} {
  return {code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), exitCode: ExitCode.bug};
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
