import {cassandraError} from '../../clients/cassandra.js';
import {pgError} from '../../clients/postgres.js';
import {ConfigError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {Store} from '../../store/index.js';
import type {CassandraSide} from './cassandra-store.js';
import type {SubjectMap} from './config.js';
import {missingTargets, tablesWithColumns} from './postgres-store.js';

/**
 * The subject map checked against the databases: every table and subject column it names must
 * exist (checked before a request is created, so a wrong map is a configuration error and nothing
 * is erased), and the tables it does not name that still have a column named like a subject key
 * (the dry run warns about them: their rows would survive the erasure).
 */

export async function checkTargets(
  ctx: RunContext,
  store: Store,
  side: CassandraSide | undefined,
  map: SubjectMap,
): Promise<void> {
  const problems: string[] = [];
  for (const t of map.cassandra) {
    const found = await (side as CassandraSide).problems(t).catch((e) => {
      throw cassandraError(e, 'cassandra', `checking ${t.keyspace}.${t.table} of the subject map`);
    });
    problems.push(...found.map((p) => `cassandra ${p}`));
  }
  const pg = await missingTargets(store.pool, map.postgres).catch((e) => {
    throw pgError(e, store.target, 'checking the tables of the subject map');
  });
  problems.push(...pg.map((p) => `postgres ${p}`));
  if (problems.length) {
    throw new ConfigError(
      `contexts.${ctx.contextName}.gdpr names what the databases do not have: ${problems.join('; ')}`,
      {
        hint: 'Fix the subject map (gdpr.cassandra / gdpr.postgres) or create the tables; nothing was erased.',
      },
    );
  }
}

export interface UnmappedTable {
  store: 'cassandra' | 'postgres';
  table: string;
  /** The column named like a subject key column of the map. */
  column: string;
}

/**
 * Tables in the mapped keyspaces and schemas that the map does not list but that have a column
 * named like one of its subject key columns (e.g. a lookup table only used to find keys).
 */
export async function unmappedTables(
  store: Store,
  side: CassandraSide | undefined,
  map: SubjectMap,
): Promise<UnmappedTable[]> {
  const names = [
    ...new Set([
      ...map.cassandra.flatMap((t) => [...t.subjectColumns, ...(t.lookup ? [t.lookup.subjectColumn] : [])]),
      ...map.postgres.map((t) => t.column),
    ]),
  ].sort();
  const out: UnmappedTable[] = [];
  const mappedC = new Set(map.cassandra.map((t) => `${t.keyspace}.${t.table}`));
  for (const ks of [...new Set(map.cassandra.map((t) => t.keyspace))].sort()) {
    const found = await (side as CassandraSide).tablesWithColumns(ks, names).catch((e) => {
      throw cassandraError(e, 'cassandra', `listing the tables of keyspace ${ks}`);
    });
    for (const f of found.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`))) {
      if (!mappedC.has(`${ks}.${f.table}`)) out.push({store: 'cassandra', table: `${ks}.${f.table}`, column: f.column});
    }
  }
  const mappedP = new Set(map.postgres.map((t) => `${t.schema}.${t.table}`));
  const schemas = [...new Set(map.postgres.map((t) => t.schema))];
  if (schemas.length) {
    const found = await tablesWithColumns(store.pool, schemas, names).catch((e) => {
      throw pgError(e, store.target, 'listing the tables of the mapped schemas');
    });
    for (const f of found) {
      if (!mappedP.has(`${f.schema}.${f.table}`))
        out.push({store: 'postgres', table: `${f.schema}.${f.table}`, column: f.column});
    }
  }
  return out;
}
