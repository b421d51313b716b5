import {REDACTED, redact, scrubKnownSecrets} from '../../config/secrets.js';
import type {RunContext} from '../../runtime.js';
import {addVersion, type HistoryAction} from '../../store/config-history.js';
import {runStore} from '../../store/index.js';

/**
 * Records connector config versions as cdcctl writes them (apply, patch, edit, rollback, delete).
 * What is stored is the config as written with secret references kept (`${env:…}`, `${file:…}`);
 * any other value under a secret key, and any secret value resolved in this run, is masked — a
 * resolved secret never reaches the store. Without a store in the context, history is skipped with
 * one warning; a store failure after a successful write is a warning too (the change did happen).
 */
export interface ConfigHistory {
  recordWrite(connector: string, action: 'create' | 'update', config: Record<string, string>): Promise<void>;
  recordDelete(connector: string): Promise<void>;
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
  return {
    recordWrite: (connector, action, config) => record(connector, options.action ?? action, storableConfig(config)),
    recordDelete: (connector) => record(connector, 'delete', null),
  };
}

/** The config as it may be stored: references kept, other secret values and known secrets masked. */
export function storableConfig(config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(redact(config))) out[k] = scrubKnownSecrets(v);
  return out;
}

export function isMasked(value: string | undefined): boolean {
  return value?.includes(REDACTED) ?? false;
}
