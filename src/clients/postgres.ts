import type {Pool, PoolConfig} from 'pg';
import type {PostgresConfig} from '../config/schema.js';
import {redactUrl, registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';

/**
 * PostgreSQL connections (pg, imported lazily). One pool per run; errors mapped onto the exit-code
 * contract: unreachable → 4, authentication or SQL errors → their own code with the server's words.
 */

export interface PgTarget {
  /** The URL without password, for messages. */
  display: string;
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
  if (e.code === '28P01' || e.code === '28000') {
    return new CdcError(
      'PG_AUTH',
      ExitCode.usage,
      `PostgreSQL at ${target.display} rejected the credentials while ${doing}: ${e.message}`,
      {
        hint: "Check the context's postgres password reference.",
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
