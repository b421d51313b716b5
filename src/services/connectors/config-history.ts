import {couldBeWrittenAs, hasSecretReference, REDACTED, redact} from '../../config/secrets.js';
import type {RunContext} from '../../runtime.js';
import {addVersion, getVersion, type HistoryAction} from '../../store/config-history.js';
import {runStore} from '../../store/index.js';

/**
 * Records connector config versions as cdcctl writes them (apply, patch, edit, rollback, delete).
 * What is stored is the config as written with secret references kept (`${env:…}`, `${file:…}`, `${vault:…}`);
 * any other value under a secret key, and any secret value resolved in this run, is masked — a
 * resolved secret never reaches the store. Without a store in the context, history is skipped with
 * one warning; a store failure after a successful write is a warning too (the change did happen).
 */
export interface ConfigHistory {
  recordWrite(connector: string, action: 'create' | 'update', config: Record<string, string>): Promise<void>;
  recordDelete(connector: string): Promise<void>;
  /**
   * The live config as cdcctl last wrote it: each value that the latest version holds as a reference
   * (or masked) and that the live value could be, in that form — so that what the worker holds
   * resolved is shown, diffed and stored as the reference. Without a store (or a version), `live`.
   */
  writtenForm(connector: string, live: Record<string, string>): Promise<Record<string, string>>;
}

export function configHistory(
  ctx: RunContext,
  options: {message?: string; action?: Extract<HistoryAction, 'rollback'>} = {},
): ConfigHistory {
  let warned = false;
  const record = async (connector: string, action: HistoryAction, config: Record<string, string> | null) => {
    if (!ctx.config.postgres) {
      if (!warned) ctx.log.warn(`config history skipped: context "${ctx.contextName}" has no postgres store`);
      warned = true;
      return;
    }
    try {
      const store = await runStore(ctx);
      await addVersion(store, ctx.contextName, {
        connector,
        action,
        config,
        actor: ctx.actor,
        message: options.message ?? null,
      });
    } catch (err) {
      ctx.log.warn(`the config version of ${connector} was not recorded: ${(err as Error).message}`);
    }
  };
  const writtenForm = async (connector: string, live: Record<string, string>) => {
    if (!ctx.config.postgres) return live;
    try {
      const latest = await getVersion(await runStore(ctx), ctx.contextName, connector);
      return latest?.config ? restoreWrittenForms(live, latest.config) : live;
    } catch (err) {
      ctx.log.warn(`the config history of ${connector} could not be read: ${(err as Error).message}`);
      return live;
    }
  };
  return {
    recordWrite: (connector, action, config) => record(connector, options.action ?? action, storableConfig(config)),
    recordDelete: (connector) => record(connector, 'delete', null),
    writtenForm,
  };
}

/**
 * `live` with the stored form of every key whose stored value is a reference or masked and could
 * have produced the live value (a reference resolvable here must resolve to it; otherwise the
 * literal parts must match). A value changed outside cdcctl stays as it is live.
 */
export function restoreWrittenForms(
  live: Record<string, string>,
  stored: Record<string, string>,
): Record<string, string> {
  const out = {...live};
  for (const [k, written] of Object.entries(stored)) {
    const value = live[k];
    if (value === undefined || value === written) continue;
    if ((hasSecretReference(written) || isMasked(written)) && couldBeWrittenAs(value, written, `history.${k}`))
      out[k] = written;
  }
  return out;
}

/** The config as it may be stored: references kept, other secret values and known secrets masked. */
export function storableConfig(config: Record<string, string>): Record<string, string> {
  return redact(config);
}

export function isMasked(value: string | undefined): boolean {
  return value?.includes(REDACTED) ?? false;
}
