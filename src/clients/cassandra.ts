import type {Client} from 'cassandra-driver';
import * as z from 'zod/mini';
import type {CassandraConfig} from '../config/schema.js';
import {registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ExitCode, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';
import {parseAnswer} from './answer.js';

/**
 * Cassandra through the DataStax Node.js driver (imported lazily: ~50 ms). Connection set-up and
 * error mapping (the one home of the driver-error → exit-code rule); the reconciliation engine and the GDPR erasure build on `cassandraClient`.
 */
export async function cassandraClient(
  ctx: RunContext,
  overrides: {keyspace?: string} = {},
): Promise<{client: Client; display: string}> {
  const options = cassandraConnection(ctx, overrides);
  return {client: await clientFromConnection(options), display: options.display};
}

/**
 * Everything needed to open a client, with secrets resolved: structured-clone safe, so that worker
 * threads (the reconciliation scan) open their own clients. Never logged or stored.
 */
export interface CassandraConnection {
  contactPoints: string[];
  localDataCenter: string;
  keyspace?: string;
  credentials?: {username: string; password: string};
  timeoutMs: number;
  display: string;
}

export function cassandraConnection(ctx: RunContext, overrides: {keyspace?: string} = {}): CassandraConnection {
  const config = ctx.config.cassandra;
  if (!config) {
    throw new ConfigError(`context "${ctx.contextName}" has no cassandra contact points`, {
      hint: `Add them with \`cdcctl config set-context ${ctx.contextName} --cassandra-contact-points host:9042 --cassandra-dc datacenter1\`.`,
    });
  }
  return {
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    keyspace: overrides.keyspace ?? config.keyspace,
    credentials: credentials(config, `contexts.${ctx.contextName}.cassandra`),
    timeoutMs: ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    display: config.contactPoints.join(','),
  };
}

export async function clientFromConnection(c: CassandraConnection): Promise<Client> {
  const driver = (await import('cassandra-driver')).default;
  return new driver.Client({
    contactPoints: c.contactPoints,
    localDataCenter: c.localDataCenter,
    keyspace: c.keyspace,
    credentials: c.credentials,
    socketOptions: {connectTimeout: Math.min(c.timeoutMs, 10_000), readTimeout: c.timeoutMs},
    // connect() opens a pool to every node of the local data centre and marks the ones that refuse down.
    // Without it (warmup: false) the first query to a node found its pool still opening and failed with
    // "No connection available" instead of going to the next node: seen on the --ha ring with a node down.
    pooling: {warmup: true},
  });
}

function credentials(config: CassandraConfig, where: string): {username: string; password: string} | undefined {
  if (!config.username) return undefined;
  const password = resolveSecretString(config.password ?? '', `${where}.password`);
  registerSecret(password);
  return {username: resolveSecretString(config.username, `${where}.username`), password};
}

/** Protocol error codes (native protocol spec §9): bad credentials, too few live replicas, an invalid query. */
const BAD_CREDENTIALS = 0x0100;
const UNAVAILABLE = 0x1000;
const INVALID = 0x2200;

type DriverError = Error & {code?: number; innerErrors?: Record<string, unknown>};

/** The error itself, or every per-host error of a NoHostAvailableError, satisfies `test`. */
function everyCause(err: DriverError, test: (e: DriverError) => boolean): boolean {
  if (test(err)) return true;
  const inner = err.name === 'NoHostAvailableError' && err.innerErrors ? Object.values(err.innerErrors) : [];
  return inner.length > 0 && inner.every((e) => e instanceof Error && test(e as DriverError));
}

const authFailure = (e: DriverError) =>
  e.name === 'AuthenticationError' || (e.name === 'ResponseError' && e.code === BAD_CREDENTIALS);
/** The server refused the query as invalid (bad syntax, an unknown keyspace or table, a guardrail's limit). */
export function invalidQuery(err: unknown): boolean {
  const e = err as DriverError | undefined;
  return e?.name === 'ResponseError' && e.code === INVALID;
}

/**
 * The coordinator knows too few replicas alive for the consistency level ("Not enough replicas available
 * for query at consistency QUORUM (2 required but only 1 alive)"): nodes are down, the query was not run.
 */
export function notEnoughReplicas(err: unknown): boolean {
  const e = err as DriverError | undefined;
  const isIt = (x: unknown) => (x as DriverError)?.name === 'ResponseError' && (x as DriverError).code === UNAVAILABLE;
  // the driver tried every coordinator: one of them saying so is enough (others may be the nodes down)
  return isIt(e) || (e?.name === 'NoHostAvailableError' && Object.values(e.innerErrors ?? {}).some(isIt));
}

/** The server's own Unavailable error inside the driver's NoHostAvailableError (it tried every coordinator). */
function unavailableCause(e: DriverError): Error {
  const inner = Object.values(e.innerErrors ?? {}) as DriverError[];
  return inner.find((x) => x?.name === 'ResponseError' && x.code === UNAVAILABLE) ?? e;
}

const missing = (e: DriverError) => invalidQuery(e) && /^(keyspace|table) '?[^' ]+'? does not exist/i.test(e.message);

/**
 * Maps a driver error onto the exit-code contract: what the configuration names and the server
 * rejects (credentials, a keyspace or table that does not exist) → 2 with a hint naming the
 * setting; no host reachable → 4; any other server error → 4 with the server's words.
 */
export function cassandraError(err: unknown, display: string, doing: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as DriverError;
  const firstLine = (x: Error) => x.message.split('\n')[0];
  if (everyCause(e, authFailure)) {
    const cause = e.name === 'NoHostAvailableError' ? (Object.values(e.innerErrors ?? {})[0] as Error) : e;
    return new CdcError(
      'CASSANDRA_AUTH',
      ExitCode.usage,
      `Cassandra at ${display} rejected the credentials while ${doing}: ${firstLine(cause)}`,
      {
        hint: "Fix the context's cassandra.username and cassandra.password (check what their secret references resolve to).",
        cause: err,
      },
    );
  }
  if (everyCause(e, missing)) {
    const cause = e.name === 'NoHostAvailableError' ? (Object.values(e.innerErrors ?? {})[0] as Error) : e;
    const table = /^table/i.test(cause.message);
    return new CdcError(
      table ? 'CASSANDRA_NO_TABLE' : 'CASSANDRA_NO_KEYSPACE',
      ExitCode.usage,
      `Cassandra at ${display} has no such ${table ? 'table' : 'keyspace'} while ${doing}: ${firstLine(cause)}`,
      {
        hint: `Fix the ${table ? 'keyspace.table' : 'keyspace'} where it is named: the context's cassandra.keyspace, its gdpr or reconcile table settings, or the command's arguments (or create it).`,
        cause: err,
      },
    );
  }
  if (notEnoughReplicas(e)) {
    return new ServiceError(
      {
        service: 'Cassandra',
        url: display,
        message: `Cassandra at ${display} has too few live replicas while ${doing}: ${firstLine(unavailableCause(e))}`,
        code: 'CASSANDRA_UNAVAILABLE',
      },
      {
        hint: '`cdcctl doctor` shows which nodes are down and what each keyspace can still do. Bring them back, or use a lower consistency where the command has one (it then reads or writes fewer replicas: say so to whoever relies on the result).',
        cause: err,
      },
    );
  }
  const unreachable = /NoHostAvailableError|OperationTimedOutError|ECONNREFUSED|connect/i.test(
    `${e.name} ${e.message}`,
  );
  return new ServiceError(
    {
      service: 'Cassandra',
      url: display,
      message: `Cassandra at ${display} ${unreachable ? 'is unreachable' : 'failed'} while ${doing}: ${firstLine(e)}`,
      code: unreachable ? 'UNREACHABLE' : 'CASSANDRA_ERROR',
    },
    {
      hint: unreachable
        ? "Check that Cassandra is running and the context's cassandra.contactPoints are right."
        : undefined,
      cause: err,
    },
  );
}

/** The node's CDC settings (system_views.settings, Cassandra 4.0+) and each table's `cdc` flag. */
export interface CdcNodeState {
  /** Setting name → value as the node reports it (only cdc_*, commitlog_segment_size and commitlog_directory). */
  settings: Record<string, string | null>;
  /** Every table outside the system keyspaces, with its `cdc` table option. */
  tables: Array<{keyspace: string; table: string; cdc: boolean}>;
}

export const SYSTEM_KEYSPACES =
  /^(system|system_auth|system_schema|system_distributed|system_traces|system_views|system_virtual_schema)$/;

/** Reads the CDC state over CQL: what a remote operator can see without node-local access. */
export async function cdcNodeState(client: Client, display: string): Promise<CdcNodeState> {
  const source = (what: string) => ({service: 'Cassandra', url: `${display} (${what})`, status: 200});
  try {
    const settings = await client.execute('SELECT name, value FROM system_views.settings', [], {prepare: false});
    const settingRows = parseAnswer(
      z.array(z.looseObject({name: z.string(), value: z.nullable(z.string())})),
      settings.rows.map((r) => ({name: r.name, value: r.value})),
      source('system_views.settings'),
    );
    const tables = await client.execute('SELECT keyspace_name, table_name, cdc FROM system_schema.tables', [], {
      prepare: false,
    });
    const tableRows = parseAnswer(
      z.array(z.looseObject({keyspace_name: z.string(), table_name: z.string(), cdc: z.nullable(z.boolean())})),
      tables.rows.map((r) => ({keyspace_name: r.keyspace_name, table_name: r.table_name, cdc: r.cdc})),
      source('system_schema.tables'),
    );
    return {
      settings: Object.fromEntries(
        settingRows
          .filter((r) => /^cdc_|^commitlog_(segment_size|directory)$/.test(r.name))
          .map((r) => [r.name, r.value]),
      ),
      tables: tableRows
        .filter((r) => !SYSTEM_KEYSPACES.test(r.keyspace_name))
        .map((r) => ({keyspace: r.keyspace_name, table: r.table_name, cdc: r.cdc === true}))
        .sort((a, b) => `${a.keyspace}.${a.table}`.localeCompare(`${b.keyspace}.${b.table}`)),
    };
  } catch (err) {
    throw cassandraError(err, display, 'reading the CDC settings and table flags');
  }
}
