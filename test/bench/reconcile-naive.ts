import type {types} from 'cassandra-driver';
import {canonFor, NULL_MARK, SEP} from '../../src/services/reconcile/canonical.js';
import {autoFetchSize} from '../../src/services/reconcile/engine.js';
import {rowHasher} from '../../src/services/reconcile/hash.js';
import {pgTableSize} from '../../src/services/reconcile/pg-side.js';
import {pgKeyCanonSql, pgTableRef} from '../../src/services/reconcile/spec.js';
import {benchConnections} from './reconcile-connections.js';

/**
 * The naive reference of bench:reconcile (argv: keyspace.table): download both sides completely and
 * at the same time (Cassandra: one paged full-table query through the driver; PostgreSQL: one query
 * of the canonical column texts), hold them in memory and compare row by row — what row-level
 * validators do (DVT-style). It shares the canonical forms with reconcile (a naive tool must also
 * normalise types to compare at all) but none of its machinery: no token splits, worker threads,
 * server-side aggregation or byte-level decoding. Prints JSON.
 */
const [name] = process.argv.slice(2) as [string];
const {cass, pool, table: t} = await benchConnections(name);
const hasher = rowHasher(t);
/** Each compared column's canonical text: what PostgreSQL's canonical expressions give (pgExpr). */
const canons = t.compared.map((c) => [c.name, canonFor(c.type)] as const);

// both downloads at once (a straightforward Promise.all, not one after the other)
const cRows = new Map<string, string>();
const cols = [...t.key, ...t.compared].map((c) => `"${c.name}"`).join(', ');
// pages of the size reconcile reads (and baseline A), so that all three read Cassandra alike
const fetchSize = autoFetchSize((await pgTableSize(pool, t)).bytesPerRow);
const cassandraSide = (async () => {
  const stream = cass.stream(`SELECT ${cols} FROM ${t.keyspace}.${t.table}`, [], {
    prepare: true,
    fetchSize,
    autoPage: true,
  });
  for await (const row of stream as unknown as AsyncIterable<types.Row>) {
    const r = row as unknown as Record<string, unknown>;
    const key = hasher.keyOf(r);
    let text = key;
    for (const [column, canon] of canons) text += SEP + canon(r[column]);
    cRows.set(key, text);
  }
})();
const [res] = await Promise.all([
  pool.query<string[]>({
    text: `SELECT ${pgKeyCanonSql(t)}, ${t.compared.map((c: {pgExpr?: string}) => c.pgExpr).join(', ')} FROM ${pgTableRef(t)}`,
    rowMode: 'array',
  }),
  cassandraSide,
]);
let diffs = 0;
const seen = new Set<string>();
for (const r of res.rows) {
  const key = r[0] as string;
  seen.add(key);
  const text = [key, ...r.slice(1).map((v) => v ?? NULL_MARK)].join(SEP);
  if (cRows.get(key) !== text) diffs++;
}
for (const k of cRows.keys()) if (!seen.has(k)) diffs++;
process.stdout.write(JSON.stringify({diffs, cassandra: cRows.size, postgres: res.rows.length}));
await cass.shutdown();
await pool.end();
