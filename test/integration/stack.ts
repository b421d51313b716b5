import {before} from 'node:test';
import driver from 'cassandra-driver';
import pg from 'pg';
import {tempConfig} from '../helpers.js';

/**
 * Shared set-up for tests against the real local stack (examples/stack). Outside CI a missing
 * stack skips the suite with a clear message; under CI (CI=true) it is a failure, never a skip.
 */
export const CONNECT_URL = 'http://127.0.0.1:8083';
export const PG = {host: '127.0.0.1', port: 5433, user: 'cdc', password: 'cdc'};

export const localConfig = tempConfig(
  [
    'current-context: local',
    'contexts:',
    '  local:',
    `    connect: {url: "${CONNECT_URL}"}`,
    '    kafka: {brokers: ["127.0.0.1:9092"]}',
    '    postgres: {url: "postgres://cdc@127.0.0.1:5433/target", password: "${env:CDC_PG_PASSWORD}"}',
    '    prometheus: {url: "http://127.0.0.1:9090"}',
    '    alertmanager: {url: "http://127.0.0.1:9093"}',
    '    pushgateway: {url: "http://127.0.0.1:9091"}',
    '    cassandra: {contactPoints: ["127.0.0.1:9042"], localDataCenter: datacenter1}',
    '',
  ].join('\n'),
);
export const env = {...localConfig.env, CDC_PG_PASSWORD: PG.password};

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
): Promise<T[]> {
  const client = new pg.Client({...PG, database});
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

export async function deleteConnectors(names: string[]): Promise<void> {
  for (const n of names) await connectRaw('DELETE', `/connectors/${encodeURIComponent(n)}`);
}

export {before};

/** A driver client on the local stack's Cassandra, connected (tests set up and check data with it). */
export async function cassandraClient(): Promise<driver.Client> {
  const client = new driver.Client({contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1'});
  await client.connect();
  return client;
}
