import type {Store} from './index.js';

/**
 * Connector config versions, per context and connector, numbered from 1. `config` is the config
 * as written through cdcctl with secret references kept and any other secret value masked; null
 * for a deletion.
 */
export type HistoryAction = 'create' | 'update' | 'delete' | 'rollback' | 'external';

export interface ConfigVersion {
  connector: string;
  version: number;
  action: HistoryAction;
  config: Record<string, string> | null;
  actor: string;
  time: string;
  message: string | null;
}

const TABLE = 'connector_config_history';

interface Row {
  connector: string;
  version: number;
  action: HistoryAction;
  config: Record<string, string> | null;
  actor: string;
  at: Date;
  message: string | null;
}

function toVersion(r: Row): ConfigVersion {
  return {
    connector: r.connector,
    version: r.version,
    action: r.action,
    config: r.config,
    actor: r.actor,
    time: r.at.toISOString(),
    message: r.message,
  };
}

/** Appends the next version; a concurrent writer for the same connector makes it retry with the next number. */
export async function addVersion(
  store: Store,
  context: string,
  v: Omit<ConfigVersion, 'version' | 'time'>,
): Promise<ConfigVersion> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await store.pool.query<Row>(
        `INSERT INTO ${store.table(TABLE)} (context, connector, version, action, config, actor, message)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6
           FROM ${store.table(TABLE)} WHERE context = $1 AND connector = $2
         RETURNING connector, version, action, config, actor, at, message`,
        [context, v.connector, v.action, v.config === null ? null : JSON.stringify(v.config), v.actor, v.message],
      );
      return toVersion(r.rows[0]!);
    } catch (err) {
      if ((err as {code?: string}).code !== '23505' || attempt >= 5) throw err;
    }
  }
}

export async function listVersions(store: Store, context: string, connector: string): Promise<ConfigVersion[]> {
  const r = await store.pool.query<Row>(
    `SELECT connector, version, action, config, actor, at, message FROM ${store.table(TABLE)}
      WHERE context = $1 AND connector = $2 ORDER BY version`,
    [context, connector],
  );
  return r.rows.map(toVersion);
}

export async function getVersion(
  store: Store,
  context: string,
  connector: string,
  version?: number,
): Promise<ConfigVersion | undefined> {
  const r = await store.pool.query<Row>(
    `SELECT connector, version, action, config, actor, at, message FROM ${store.table(TABLE)}
      WHERE context = $1 AND connector = $2 ${version === undefined ? '' : 'AND version = $3'}
      ORDER BY version DESC LIMIT 1`,
    version === undefined ? [context, connector] : [context, connector, version],
  );
  return r.rows[0] ? toVersion(r.rows[0]) : undefined;
}

/** The latest version of every connector of the context that has a history. */
export async function latestVersions(store: Store, context: string): Promise<ConfigVersion[]> {
  const r = await store.pool.query<Row>(
    `SELECT DISTINCT ON (connector) connector, version, action, config, actor, at, message
       FROM ${store.table(TABLE)} WHERE context = $1 ORDER BY connector, version DESC`,
    [context],
  );
  return r.rows.map(toVersion);
}
