import type {Pool, PoolConfig} from 'pg';
import type {PostgresConfig} from '../config/schema.js';
import {redactUrl, registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';

/**
 * PostgreSQL connections (pg, imported lazily). One pool per run; errors mapped onto the exit-code
 * contract: unreachable → 4; a configuration the server rejects (unknown database, failed
 * authentication) → 2 with a hint naming the setting; other server errors → 4 with the server's words.
 */

export interface PgTarget {
  /** The URL without password, for messages. */
  display: string;
  /** Where the settings live in the config (`contexts.<name>.postgres`), for hints. */
  where: string;
  config: PoolConfig;
}

export function pgTarget(config: PostgresConfig, where: string, timeoutMs: number): PgTarget {
  let url: URL;
  try {
    url = new URL(resolveSecretString(config.url, `${where}.url`));
  } catch (err) {
    if (err instanceof CdcError) throw err;
    throw new ConfigError(`${where}.url is not a valid URL`);
  }
  const password =
    config.password === undefined
      ? decodeURIComponent(url.password)
      : resolveSecretString(config.password, `${where}.password`);
  registerSecret(password);
  url.password = '';
  // Explicit fields, not connectionString: pg lets the parsed string override explicit options.
  const sslmode = url.searchParams.get('sslmode');
  return {
    display: redactUrl(url.toString()),
    where,
    config: {
      host: url.hostname,
      port: url.port ? Number(url.port) : 5432,
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      user: decodeURIComponent(url.username) || undefined,
      password,
      ssl:
        sslmode === null || sslmode === 'disable'
          ? undefined
          : {rejectUnauthorized: sslmode === 'verify-full' || sslmode === 'verify-ca'},
      connectionTimeoutMillis: timeoutMs,
      max: 8,
      application_name: 'cdcctl',
    },
  };
}

export async function createPool(target: PgTarget): Promise<Pool> {
  const {default: pg} = await import('pg');
  const pool = new pg.Pool(target.config);
  pool.on('error', () => {}); // idle-client errors surface on the next query instead of crashing
  return pool;
}

/** Server error codes that mean "fix the configuration" (exit 2), and the setting each one points at. */
const CONFIG_ERRORS: Record<string, {code: string; what: string; hint: (where: string) => string}> = {
  // invalid_catalog_name
  '3D000': {
    code: 'PG_NO_DATABASE',
    what: 'has no such database',
    hint: (where) => `Fix the database name in ${where}.url (the path after the port), or create that database.`,
  },
  // invalid_password
  '28P01': {
    code: 'PG_AUTH',
    what: 'rejected the credentials',
    hint: (where) =>
      `Fix ${where}.password (or the user in ${where}.url); check what its secret reference resolves to.`,
  },
  // invalid_authorization_specification: unknown role, or no pg_hba.conf entry for it
  '28000': {
    code: 'PG_AUTH',
    what: 'rejected the connection',
    hint: (where) => `Fix the user in ${where}.url, or ask for a pg_hba.conf entry that admits it from this host.`,
  },
};

/** Maps a pg error onto cdcctl's errors, naming the database without its password. */
export function pgError(err: unknown, target: PgTarget, doing: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error & {code?: string; severity?: string};
  const network = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(
    e.code ?? '',
  );
  const timeout = /timeout/i.test(e.message) && !e.severity;
  if (network || timeout) {
    return new ServiceError(
      {
        service: 'PostgreSQL',
        url: target.display,
        message: `PostgreSQL at ${target.display} is unreachable while ${doing}: ${e.message}`,
      },
      {hint: "Check that the database is running and the context's postgres.url is right.", cause: err},
    );
  }
  // The server answered: the configuration names a database or credentials it does not accept.
  const config = CONFIG_ERRORS[e.code ?? ''];
  if (config) {
    return new CdcError(
      config.code,
      ExitCode.usage,
      `PostgreSQL at ${target.display} ${config.what} while ${doing}: ${e.message}`,
      {
        hint: config.hint(target.where),
        cause: err,
      },
    );
  }
  return new CdcError(
    e.code ? `PG_${e.code}` : 'PG_ERROR',
    ExitCode.unreachable,
    `PostgreSQL at ${target.display} failed while ${doing}: ${e.message}`,
    {
      cause: err,
    },
  );
}
