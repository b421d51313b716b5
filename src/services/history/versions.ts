import {connectClient} from '../../clients/factory.js';
import {couldBeWrittenAs, hasSecretReference, resolveSecretString} from '../../config/secrets.js';
import {CdcError, ConfigError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {addVersion, type ConfigVersion, getVersion, latestVersions, listVersions} from '../../store/config-history.js';
import {runStore, type Store} from '../../store/index.js';
import {isMasked, restoreWrittenForms, storableConfig} from '../connectors/config-history.js';
import {type ConfigChange, diffConfigs} from '../connectors/diff.js';
import {compileSelector} from '../connectors/select.js';
import {fetchVaultSecrets} from '../secrets/vault.js';

/**
 * Connector config history: list versions, diff two of them or one against the live config, plan
 * a rollback, and record changes made outside cdcctl (`history sync`).
 */

async function historyStore(ctx: RunContext): Promise<Store> {
  if (!ctx.config.postgres) {
    throw new ConfigError(`context "${ctx.contextName}" has no postgres store, so it keeps no config history`, {
      hint: 'Add postgres to the context: config versions are kept in the operational store.',
    });
  }
  return runStore(ctx);
}

export async function connectorHistory(ctx: RunContext, connector: string): Promise<ConfigVersion[]> {
  const versions = await listVersions(await historyStore(ctx), ctx.contextName, connector);
  if (versions.length === 0) {
    throw new CdcError(
      'NOT_FOUND',
      ExitCode.usage,
      `no config history for connector ${connector} in context ${ctx.contextName}`,
      {
        hint: 'Versions are recorded by apply, patch, edit, rollback and delete; `cdcctl connectors history sync` records the live config.',
      },
    );
  }
  return versions;
}

async function version(store: Store, ctx: RunContext, connector: string, n?: number): Promise<ConfigVersion> {
  const v = await getVersion(store, ctx.contextName, connector, n);
  if (!v) {
    throw new CdcError(
      'NOT_FOUND',
      ExitCode.usage,
      n === undefined ? `no config history for connector ${connector}` : `connector ${connector} has no version ${n}`,
      {hint: `\`cdcctl connectors history ${connector}\` lists its versions.`},
    );
  }
  return v;
}

/**
 * A stored config made comparable with a live one: a reference or masked value that the live value
 * could be (see couldBeWrittenAs) is taken as the live value; other references are resolved where
 * they can be (else kept).
 */
export function comparable(
  stored: Record<string, string>,
  live: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) {
    const l = live?.[k];
    if (l !== undefined && (isMasked(v) || hasSecretReference(v)) && couldBeWrittenAs(l, v, `history.${k}`)) {
      out[k] = l;
      continue;
    }
    if (isMasked(v)) continue;
    try {
      out[k] = resolveSecretString(v, `history.${k}`);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export interface HistoryDiff {
  connector: string;
  from: number;
  to: number | 'live';
  changes: ConfigChange[];
}

export async function diffHistory(
  ctx: RunContext,
  connector: string,
  options: {from?: number; to?: number | 'live'},
): Promise<HistoryDiff> {
  const store = await historyStore(ctx);
  const to = options.to ?? 'live';
  const fromV = await version(store, ctx, connector, options.from);
  const before = fromV.config ?? {};
  if (to === 'live') {
    const connect = connectClient(ctx);
    try {
      const live = (await connect.getConfig(connector)) ?? {};
      const latest = await version(store, ctx, connector);
      await fetchVaultSecrets(ctx, before);
      const shown = {before, after: restoreWrittenForms(live, latest.config ?? before)};
      return {connector, from: fromV.version, to, changes: diffConfigs(comparable(before, live), live, shown)};
    } finally {
      await connect.close();
    }
  }
  const toV = await version(store, ctx, connector, to);
  return {connector, from: fromV.version, to: toV.version, changes: diffConfigs(before, toV.config ?? {})};
}

export interface RollbackPlan {
  connector: string;
  /** The latest version (what is being rolled back). */
  from: number;
  to: number;
  /** The config to write: references resolved, masked secrets taken from the live config. */
  desired: Record<string, string>;
  /** The same with references kept, for the new history version. */
  unresolved: Record<string, string>;
  live: Record<string, string> | undefined;
}

/** The version to roll back to (default: the one before the latest that has a config), resolved for writing. */
export async function planRollback(ctx: RunContext, connector: string, to?: number): Promise<RollbackPlan> {
  const versions = await connectorHistory(ctx, connector);
  const latest = versions.at(-1)!;
  const target =
    to === undefined
      ? versions.filter((v) => v.version < latest.version && v.config !== null).at(-1)
      : versions.find((v) => v.version === to);
  if (!target) {
    throw new UsageError(
      to === undefined
        ? `connector ${connector} has no earlier version to roll back to`
        : `connector ${connector} has no version ${to}`,
      {hint: `\`cdcctl connectors history ${connector}\` lists its versions.`},
    );
  }
  if (!target.config)
    throw new UsageError(`version ${target.version} of ${connector} is a deletion: choose a version with a config`);
  const connect = connectClient(ctx);
  let live: Record<string, string> | undefined;
  try {
    live = await connect.getConfig(connector);
  } finally {
    await connect.close();
  }
  await fetchVaultSecrets(ctx, target.config);
  const desired: Record<string, string> = {};
  for (const [k, v] of Object.entries(target.config)) {
    if (isMasked(v)) {
      if (live?.[k] === undefined) {
        throw new CdcError(
          'SECRET_NOT_STORED',
          ExitCode.usage,
          `version ${target.version} of ${connector} masks the secret "${k}" and the live config has none to keep`,
          {
            hint: 'Secrets are stored only as ${env:…}/${file:…}/${vault:…} references; apply a definition that references it instead.',
          },
        );
      }
      desired[k] = live[k];
    } else desired[k] = resolveSecretString(v, `${connector} version ${target.version}: ${k}`);
  }
  return {connector, from: latest.version, to: target.version, desired, unresolved: target.config, live};
}

export interface SyncResult {
  connector: string;
  /** "recorded" a new external version, or "unchanged" (live = latest version). */
  outcome: 'recorded' | 'unchanged';
  version?: number;
  reason?: string;
  changes: ConfigChange[];
}

/**
 * Compares every live connector (within the selector) with its latest version and records the
 * difference as an "external" version: changes made outside cdcctl become visible drift. A
 * connector seen for the first time gets its first version; one deleted outside cdcctl, a deletion.
 */
export async function syncHistory(
  ctx: RunContext,
  selector: string[],
  options: {dryRun: boolean},
): Promise<SyncResult[]> {
  const store = await historyStore(ctx);
  const match = compileSelector(selector);
  const connect = connectClient(ctx);
  let live: Record<string, Record<string, string>>;
  try {
    const expanded = await connect.listExpanded();
    live = Object.fromEntries(
      Object.entries(expanded)
        .filter(([n, e]) => match(n) && e.info?.config)
        .map(([n, e]) => [n, e.info!.config]),
    );
  } finally {
    await connect.close();
  }
  const latest = new Map(
    (await latestVersions(store, ctx.contextName)).filter((v) => match(v.connector)).map((v) => [v.connector, v]),
  );
  const results: SyncResult[] = [];
  const record = async (
    connector: string,
    config: Record<string, string> | null,
    reason: string,
    changes: ConfigChange[],
  ) => {
    const v = options.dryRun
      ? undefined
      : await addVersion(store, ctx.contextName, {
          connector,
          action: 'external',
          config,
          actor: ctx.actor,
          message: reason,
        });
    results.push({connector, outcome: 'recorded', ...(v ? {version: v.version} : {}), reason, changes});
  };
  for (const name of Object.keys(live).sort()) {
    const config = live[name]!;
    const last = latest.get(name);
    if (!last?.config) {
      await record(
        name,
        storableConfig(config),
        last ? 'recreated outside cdcctl' : 'first seen by history sync',
        diffConfigs(undefined, config),
      );
      continue;
    }
    // Keys that did not change keep their stored form (a reference stays a reference).
    const written = restoreWrittenForms(config, last.config);
    const changes = diffConfigs(comparable(last.config, config), config, {before: last.config, after: written});
    if (changes.length === 0) {
      results.push({connector: name, outcome: 'unchanged', version: last.version, changes});
      continue;
    }
    await record(name, storableConfig(written), 'changed outside cdcctl', changes);
  }
  for (const [name, last] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
    if (live[name] || last.config === null) continue;
    await record(name, null, 'deleted outside cdcctl', []);
  }
  return results;
}
