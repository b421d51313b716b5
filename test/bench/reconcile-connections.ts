import driver from 'cassandra-driver';
import pg from 'pg';
import {DATA_SESSION_OPTIONS} from '../../src/services/reconcile/runs.js';
import {resolveTable} from '../../src/services/reconcile/spec.js';

/**
 * The local stack's Cassandra and PostgreSQL as the reconcile benchmark processes open them (with
 * the session settings reconcile uses), and the benchmark table resolved on both.
 */
export async function benchConnections(name: string) {
  const cass = new driver.Client({
    contactPoints: ['127.0.0.1:9042'],
    localDataCenter: 'datacenter1',
    socketOptions: {readTimeout: 120_000},
  });
  await cass.connect();
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port: 5433,
    user: 'cdc',
    password: 'cdc',
    database: 'target',
    options: DATA_SESSION_OPTIONS,
  });
  const table = await resolveTable({cassandra: name, postgres: name, key: ['id']}, cass, pool);
  return {cass, pool, table};
}
