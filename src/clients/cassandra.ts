import type {Client} from 'cassandra-driver';
import type {CassandraConfig} from '../config/schema.js';
import {registerSecret, resolveSecretString} from '../config/secrets.js';
import {CdcError, ConfigError, ServiceError} from '../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../runtime.js';

/**
 * Cassandra through the DataStax Node.js driver (imported lazily: ~50 ms). Connection set-up and
 * error mapping; the reconciliation engine and the GDPR erasure build on `cassandraClient`.
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
    pooling: {warmup: false},
  });
}

function credentials(config: CassandraConfig, where: string): {username: string; password: string} | undefined {
  if (!config.username) return undefined;
  const password = resolveSecretString(config.password ?? '', `${where}.password`);
  registerSecret(password);
  return {username: resolveSecretString(config.username, `${where}.username`), password};
}

export function cassandraError(err: unknown, display: string, doing: string): CdcError {
  if (err instanceof CdcError) return err;
  const e = err as Error & {name?: string};
  const unreachable = /NoHostAvailableError|OperationTimedOutError|ECONNREFUSED|connect/i.test(
    `${e.name} ${e.message}`,
  );
  return new ServiceError(
    {
      service: 'Cassandra',
      url: display,
      message: `Cassandra at ${display} ${unreachable ? 'is unreachable' : 'failed'} while ${doing}: ${e.message.split('\n')[0]}`,
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
