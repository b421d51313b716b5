import {tokenSplits} from '../../src/services/reconcile/cassandra-side.js';
import {total} from '../../src/services/reconcile/hash.js';
import {pgBuckets, pgTableSize} from '../../src/services/reconcile/pg-side.js';
import {runScan} from '../../src/services/reconcile/scan.js';
import {benchConnections} from './reconcile-connections.js';

/**
 * One baseline of bench:reconcile, in its own process (argv: keyspace.table a|a-in-place|b [workers]);
 * prints JSON {ms, rows, workers}, timed after connecting.
 * A: the scan workers in read mode: same splits, pages and threads as reconcile, no hashing; cells
 *    decoded to the driver's values, pages parsed by the driver (a) or in place (a-in-place).
 * B: the PostgreSQL bucket query alone.
 */
const [name, which, workersArg] = process.argv.slice(2) as [string, 'a' | 'a-in-place' | 'b', string | undefined];
const {cass, pool, table: t} = await benchConnections(name);
const conn = {
  contactPoints: ['127.0.0.1:9042'],
  localDataCenter: 'datacenter1',
  timeoutMs: 60_000,
  display: '127.0.0.1:9042',
};
const workers = workersArg ? Number(workersArg) : undefined;
const {autoBuckets, autoFetchSize, autoSplits} = await import('../../src/services/reconcile/engine.js');
const {defaultWorkers} = await import('../../src/services/reconcile/scan.js');
/** The row estimate and row width reconcile sizes its splits and pages by (the planner's statistics). */
const {rows: expected, bytesPerRow} = await pgTableSize(pool, t);
/** The bucket count reconcile chooses for this table. */
const buckets = autoBuckets(expected);
let rows = 0;
const t0 = Date.now();
if (which !== 'b') {
  await runScan({
    conn,
    table: t,
    buckets,
    mode: 'read',
    readParse: which === 'a' ? 'driver' : 'in-place',
    fetchSize: Number(process.env.BENCH_FETCH_SIZE ?? autoFetchSize(bytesPerRow)),
    splits: tokenSplits(autoSplits(expected, workers ?? defaultWorkers())),
    workers,
    onSplit: (r: {rows: number}) => {
      rows += r.rows;
    },
  });
} else {
  rows = total(await pgBuckets(pool, t, buckets, {}));
}
const ms = Date.now() - t0;
process.stdout.write(JSON.stringify({ms, rows, workers: workers ?? defaultWorkers()}));
await cass.shutdown();
await pool.end();
