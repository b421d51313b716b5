#!/usr/bin/env node
// Runs CQL statements against the local stack's Cassandra (127.0.0.1:9042, datacenter1) with the project's
// cassandra-driver: `node examples/cassandra/cql.mjs -f file.cql` or `node examples/cassandra/cql.mjs "<stmt>; <stmt>"`.
// SELECT results are printed as JSON lines. For the demo and the stack's Cassandra pipeline; not part of cdcctl.
import {readFileSync} from 'node:fs';
import driver from 'cassandra-driver';

const args = process.argv.slice(2);
const text = args[0] === '-f' ? readFileSync(args[1], 'utf8') : args.join(' ');
const statements = text
  .split('\n')
  .filter((l) => !l.trim().startsWith('--'))
  .join('\n')
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean);
const client = new driver.Client({
  contactPoints: [process.env.CASSANDRA_CONTACT_POINT ?? '127.0.0.1:9042'],
  localDataCenter: 'datacenter1',
});
try {
  for (const s of statements) {
    const rs = await client.execute(s, [], {prepare: false});
    for (const row of rs.rows ?? []) process.stdout.write(`${JSON.stringify(row)}\n`);
  }
} finally {
  await client.shutdown();
}
