import {connectClient} from '../../clients/factory.js';
import {resolveSecrets} from '../../config/secrets.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import {fetchVaultSecrets} from '../secrets/vault.js';
import {type ApplyResult, type BeforeWrite, settledResults, writeConfig} from './apply.js';
import type {ConfigHistory} from './config-history.js';
import {resolveSelection} from './control.js';

/**
 * `connectors patch`: change some keys of one or many live configs — validated, diffed, then sent
 * with PATCH where the worker has it (Kafka ≥ 3.8), else GET + PUT.
 */
export interface ConfigPatch {
  set: Record<string, string>;
  unset: string[];
}

export function parsePatch(set: string[], unset: string[]): ConfigPatch {
  const out: ConfigPatch = {set: {}, unset};
  for (const pair of set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got "${pair}"`);
    out.set[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  for (const key of unset) {
    if (key in out.set) throw new UsageError(`"${key}" is both set and unset`);
    if (key === 'connector.class' || key === 'name') throw new UsageError(`"${key}" cannot be removed`);
  }
  if (Object.keys(out.set).length === 0 && unset.length === 0)
    throw new UsageError('nothing to change: give --set key=value or --unset key');
  return out;
}

export async function patchConnectors(
  ctx: RunContext,
  selector: string[],
  patch: ConfigPatch,
  options: {dryRun: boolean; concurrency: number; history?: ConfigHistory; beforeWrite?: BeforeWrite},
): Promise<ApplyResult[]> {
  const connect = connectClient(ctx);
  try {
    const names = Object.keys(await resolveSelection(connect, selector, {info: false})).sort();
    await fetchVaultSecrets(ctx, patch.set);
    const values = resolveSecrets(patch.set, '--set');
    const settled = await mapSettled(names, options.concurrency, async (name) => {
      const live = await connect.getConfig(name);
      if (!live) throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${name}`);
      // the keys not patched keep the form they were written in (a reference stays a reference)
      const liveWritten = (await options.history?.writtenForm(name, live)) ?? live;
      const desired = {...live, ...values};
      const unresolved = {...liveWritten, ...patch.set};
      for (const key of patch.unset) {
        delete desired[key];
        delete unresolved[key];
      }
      return writeConfig(
        connect,
        {name, source: 'patch', desired, unresolved, live, liveWritten},
        {dryRun: options.dryRun, patch: true, history: options.history, beforeWrite: options.beforeWrite},
      );
    });
    return settledResults(
      settled,
      names.map((name) => ({name, source: 'patch'})),
    );
  } finally {
    await connect.close();
  }
}
