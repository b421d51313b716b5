import type {Pool, PoolConfig} from 'pg';
import type {PostgresConfig} from '../config/schema.js';
import {redactUrl, registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';
import {retryWhile} from '../util/retry.js';

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
  // A checked-out client has no listener of the pool's: when the server cuts it (a restart: 57P01) while it is
  // held — a COPY, a cursor, a lock held across statements — its 'error' event would crash the process. The
  // query in flight rejects with the error anyway, and the next one with "not queryable".
  pool.on('connect', (client) => client.on('error', () => {}));
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

const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE'];

/**
 * An error that a restart or a network blip of the server explains, so that the same statement can succeed
 * on a new connection: a refused or reset socket, a connection the server cut (class 08, 57P01 admin
 * shutdown, 57P02 crash shutdown, 57P03 "the database system is starting up / shutting down"), or pg's own
 * "Connection terminated" for a socket that closed under a query. Looks through cdcctl's wrapping (cause).
 */
export function isTransientPgError(err: unknown): boolean {
  for (let e = err as (Error & {code?: string; cause?: unknown}) | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    // ENOTFOUND (no such host) is a configuration, not a restart
    if (code !== 'ENOTFOUND' && NETWORK_CODES.includes(code)) return true;
    if (/^08/.test(code) || ['57P01', '57P02', '57P03'].includes(code)) return true;
    if (/Connection terminated|connection error and is not queryable/i.test(e.message ?? '')) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Runs `fn` again (backing off 250 ms → 2 s) while it fails with a transient error and `retryForMs` has not
 * passed; `onRetry` hears the first such failure (to say why the command waits).
 */
export function retryTransient<T>(
  fn: (attempt: number) => Promise<T>,
  opts: {retryForMs: number; onRetry?: (err: unknown) => void},
): Promise<T> {
  return retryWhile(fn, {
    retriable: isTransientPgError,
    forMs: opts.retryForMs,
    firstDelayMs: 250,
    maxDelayMs: 2000,
    onRetry: opts.onRetry,
  });
}

/** Maps a pg error onto cdcctl's errors, naming the database without its password. */
export function pgError(err: unknown, target: PgTarget, doing: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error & {code?: string; severity?: string};
  const network = NETWORK_CODES.includes(e.code ?? '');
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
