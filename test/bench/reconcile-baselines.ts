import {tokenSplits} from '../../src/services/reconcile/cassandra-side.js';
import {total} from '../../src/services/reconcile/hash.js';
import {pgBuckets} from '../../src/services/reconcile/pg-side.js';
import {runScan} from '../../src/services/reconcile/scan.js';
import {benchConnections} from './reconcile-connections.js';

/**
 * Baselines of bench:reconcile, in their own process (argv: keyspace.table [workers]); prints JSON.
 * A: the scan workers in read mode: same splits, pages and threads as reconcile, no hashing.
 * B: the PostgreSQL bucket query alone.
 */
const [name, workersArg] = process.argv.slice(2) as [string, string | undefined];
const {cass, pool, table: t} = await benchConnections(name);
const conn = {
  contactPoints: ['127.0.0.1:9042'],
  localDataCenter: 'datacenter1',
  timeoutMs: 60_000,
  display: '127.0.0.1:9042',
};
const workers = workersArg ? Number(workersArg) : undefined;
const {autoSplits} = await import('../../src/services/reconcile/engine.js');
const {defaultWorkers} = await import('../../src/services/reconcile/scan.js');
/** The same split count reconcile chooses (from the planner's row estimate). */
async function pgRows(): Promise<number> {
  const r = await pool.query<{n: number}>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [
    name,
  ]);
  return r.rows[0]?.n ?? 0;
}

let aRows = 0;
const a0 = Date.now();
await runScan({
  conn,
  table: t,
  buckets: 65536,
  mode: 'read',
  fetchSize: 2000,
  splits: tokenSplits(autoSplits(await pgRows(), workers ?? defaultWorkers())),
  workers,
  onSplit: (r: {rows: number}) => {
    aRows += r.rows;
  },
});
const aMs = Date.now() - a0;

const b0 = Date.now();
const b = await pgBuckets(pool, t, 65536, {});
const bMs = Date.now() - b0;
process.stdout.write(JSON.stringify({aMs, aRows, bMs, bRows: total(b), workers: workers ?? defaultWorkers()}));
await cass.shutdown();
await pool.end();
