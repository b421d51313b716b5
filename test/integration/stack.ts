import {after, before} from 'node:test';
import driver from 'cassandra-driver';
import pg from 'pg';
import {tempConfig} from '../helpers.js';

/**
 * Shared set-up for tests against the real local stack (examples/stack). Outside CI a missing
 * stack skips the suite with a clear message; under CI (CI=true) it is a failure, never a skip.
 */
export const CONNECT_URL = 'http://127.0.0.1:8083';
export const PG = {host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc'};

/**
 * A config file whose one context, `local`, reaches every service of the stack, with `contextLines`
 * added to the context (indented by four spaces, e.g. a `reconcile:` section) and, when given, the
 * store in a schema of its own; and the environment to run cdcctl with it (CDCCTL_CONFIG and the
 * PostgreSQL password it references).
 */
export function stackConfig(
  contextLines: string[] = [],
  opts: {opsSchema?: string} = {},
): {path: string; env: Record<string, string>} {
  const ops = opts.opsSchema ? `, opsSchema: ${opts.opsSchema}` : '';
  const config = tempConfig(
    [
      'current-context: local',
      'contexts:',
      '  local:',
      `    connect: {url: "${CONNECT_URL}"}`,
      '    kafka: {brokers: ["127.0.0.1:9092"]}',
      `    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "\${env:CDC_PG_PASSWORD}"${ops}}`,
      '    prometheus: {url: "http://127.0.0.1:9090"}',
      '    alertmanager: {url: "http://127.0.0.1:9093"}',
      '    pushgateway: {url: "http://127.0.0.1:9091"}',
      '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
      ...contextLines.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  return {path: config.path, env: {...config.env, CDC_PG_PASSWORD: PG.password}};
}

export const env = stackConfig().env;

export async function stackAvailable(): Promise<boolean> {
  try {
    const res = await fetch(`${CONNECT_URL}/health`, {signal: AbortSignal.timeout(3000)});
    return res.ok;
  } catch {
    return false;
  }
}

/** Call at the top of an integration test file: returns the skip reason, or undefined to run. */
export async function requireStack(): Promise<string | undefined> {
  if (await stackAvailable()) return undefined;
  const message = `the local stack is not running (${CONNECT_URL}); start it with: bash examples/stack/stack.sh up`;
  if (process.env.CI) throw new Error(message);
  process.stderr.write(`# skipping integration tests: ${message}\n`);
  return message;
}

export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  database: string,
  text: string,
  values: unknown[] = [],
  /** Startup options (`-c name=value …`): the session settings a product pool uses. */
  options?: string,
): Promise<T[]> {
  const client = new pg.Client({...PG, database, options});
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Raw Connect calls for test set-up and clean-up only (the product's own calls are under test). */
export async function connectRaw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{status: number; body: unknown}> {
  const res = await fetch(`${CONNECT_URL}${path}`, {
    method,
    headers: {'content-type': 'application/json', accept: 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {status: res.status, body: text ? JSON.parse(text) : undefined};
}

/** The config of a FileStreamSource connector (it ships with Connect): the tests' cheap connector, reading `file` into `topic`. */
export function fileSourceConfig(
  file: string,
  topic: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
    file,
    topic,
    'tasks.max': '1',
    ...extra,
  };
}

/** Creates (or updates) a FileStreamSource connector of each name; a refusal fails the test. */
export async function putFileSources(names: string[], file: string, topic: string): Promise<void> {
  for (const name of names) {
    const put = await connectRaw('PUT', `/connectors/${name}/config`, fileSourceConfig(file, topic));
    if (put.status >= 300) throw new Error(`PUT ${name}: ${put.status} ${JSON.stringify(put.body)}`);
  }
}

export async function deleteConnectors(names: string[]): Promise<void> {
  for (const n of names) await connectRaw('DELETE', `/connectors/${encodeURIComponent(n)}`);
}

export {before};

/**
 * For a describe() block that works in a scratch Cassandra keyspace and PostgreSQL schema, both named
 * `id`: registers the hooks that check the stack and connect (and create the keyspace when asked), and
 * that drop both afterwards with everything in them. The returned object is filled in by the hooks.
 */
export function scratchSides(id: string, opts: {createKeyspace?: boolean} = {}): {skip?: string; cass: driver.Client} {
  const sides = {} as {skip?: string; cass: driver.Client};
  before(async () => {
    sides.skip = await requireStack();
    if (sides.skip) return;
    sides.cass = await cassandraClient();
    if (opts.createKeyspace) {
      await sides.cass.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${id} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
    }
  });
  after(async () => {
    if (sides.skip) return;
    await sides.cass.execute(`DROP KEYSPACE IF EXISTS ${id}`).catch(() => {});
    await sides.cass.shutdown();
    await sql('target', `DROP SCHEMA IF EXISTS ${id} CASCADE`).catch(() => {});
  });
  return sides;
}

/** A driver client on the local stack's Cassandra, connected (tests set up and check data with it). */
export async function cassandraClient(): Promise<driver.Client> {
  const client = new driver.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
  await client.connect();
  return client;
}
