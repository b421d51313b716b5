import type {RunContext} from '../../runtime.js';
import {subjectMap} from '../gdpr/config.js';

/** Where each table holding subject data lives, from the subject map (gdpr.* of the context). */
export interface ResidencyRow {
  store: 'cassandra' | 'postgres' | 'kafka';
  name: string;
  subjectKey: string;
  region: string | null;
  jurisdiction: string | null;
}

export function residency(ctx: RunContext): ResidencyRow[] {
  const map = subjectMap(ctx);
  return [
    ...map.cassandra.map((t) => ({
      store: 'cassandra' as const,
      name: `${t.keyspace}.${t.table}`,
      subjectKey: t.lookup
        ? `${t.lookup.keyspace}.${t.lookup.table}.${t.lookup.subjectColumn} (lookup)`
        : t.subjectColumns.join(', '),
      region: t.region ?? null,
      jurisdiction: t.jurisdiction ?? null,
    })),
    ...map.postgres.map((t) => ({
      store: 'postgres' as const,
      name: `${t.schema}.${t.table}`,
      subjectKey: t.column,
      region: t.region ?? null,
      jurisdiction: t.jurisdiction ?? null,
    })),
    ...map.topics.map((t) => ({
      store: 'kafka' as const,
      name: t,
      subjectKey: '(record key/value)',
      region: null,
      jurisdiction: null,
    })),
  ];
}
