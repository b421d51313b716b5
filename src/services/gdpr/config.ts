import {createHash} from 'node:crypto';
import type {GdprConfig} from '../../config/schema.js';
import {resolveSecretString} from '../../config/secrets.js';
import {ConfigError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {assertIdentifier} from '../../store/sql.js';
import {canonicalJson} from '../../util/canonical-json.js';
import {parseGdprDuration} from '../../util/time.js';
import {parseAesKey} from './crypto.js';

/**
 * The subject map of a context, validated: where a data subject's rows live (Cassandra tables,
 * PostgreSQL tables, Kafka topics), with residency, and the erasure policy (backup key and
 * retention, failure policy, fence, report and signing keys). Secrets are resolved only on demand.
 */

export interface CassandraTarget {
  keyspace: string;
  table: string;
  subjectColumns: string[];
  lookup?: {keyspace: string; table: string; subjectColumn: string};
  region?: string;
  jurisdiction?: string;
}

export interface PostgresTarget {
  schema: string;
  table: string;
  column: string;
  region?: string;
  jurisdiction?: string;
}

export interface SubjectMap {
  cassandra: CassandraTarget[];
  postgres: PostgresTarget[];
  topics: string[];
  sinkGroup?: string;
  settleTimeoutMs: number;
  backupRetentionMs: number;
  onFailure: 'restore' | 'retry';
  fence: boolean;
  consistency: 'LOCAL_QUORUM' | 'QUORUM' | 'EACH_QUORUM' | 'ALL' | 'ONE' | 'LOCAL_ONE';
  /** sha256 of the gdpr section with its defaults, keys sorted (no secret values: references only), recorded as evidence. */
  configHash: string;
  raw: GdprConfig;
}

/** What an unset gdpr key means (the config schema is a pure validator and sets no defaults). */
const GDPR_DEFAULTS = {
  cassandra: [],
  postgres: [],
  topics: [],
  backupRetention: '7d',
  onFailure: 'retry',
  fence: false,
} as const satisfies Partial<GdprConfig>;

export function subjectMap(ctx: RunContext): SubjectMap {
  const g = ctx.config.gdpr ? {...GDPR_DEFAULTS, ...ctx.config.gdpr} : undefined;
  const where = `contexts.${ctx.contextName}.gdpr`;
  if (!g || (g.cassandra.length === 0 && g.postgres.length === 0)) {
    throw new ConfigError(`context "${ctx.contextName}" has no gdpr subject map (${where}.cassandra / .postgres)`, {
      hint: 'List the tables that hold subject data under gdpr: in the context (see `cdcctl gdpr erase --help`).',
    });
  }
  const cassandra = g.cassandra.map((t, i) => {
    const at = `${where}.cassandra[${i}]`;
    assertIdentifier(t.keyspace, `${at}.keyspace`);
    assertIdentifier(t.table, `${at}.table`);
    for (const c of t.subjectColumns) assertIdentifier(c, `${at}.subjectColumns`);
    if (t.lookup) {
      assertIdentifier(t.lookup.table, `${at}.lookup.table`);
      assertIdentifier(t.lookup.subjectColumn, `${at}.lookup.subjectColumn`);
      if (t.lookup.keyspace) assertIdentifier(t.lookup.keyspace, `${at}.lookup.keyspace`);
    }
    return {
      keyspace: t.keyspace,
      table: t.table,
      subjectColumns: t.subjectColumns,
      lookup: t.lookup ? {...t.lookup, keyspace: t.lookup.keyspace ?? t.keyspace} : undefined,
      region: t.residency?.region,
      jurisdiction: t.residency?.jurisdiction,
    };
  });
  const postgres = g.postgres.map((t, i) => {
    const at = `${where}.postgres[${i}]`;
    assertIdentifier(t.schema, `${at}.schema`);
    assertIdentifier(t.table, `${at}.table`);
    assertIdentifier(t.column, `${at}.column`);
    return {
      schema: t.schema,
      table: t.table,
      column: t.column,
      region: t.residency?.region,
      jurisdiction: t.residency?.jurisdiction,
    };
  });
  const names = [
    ...cassandra.map((t) => `c:${t.keyspace}.${t.table}`),
    ...postgres.map((t) => `p:${t.schema}.${t.table}`),
  ];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(`${where} lists ${dup.slice(2)} twice`);
  return {
    cassandra,
    postgres,
    topics: [...g.topics],
    sinkGroup: g.sinkGroup,
    settleTimeoutMs: parseGdprDuration(g.settleTimeout ?? '5m'),
    backupRetentionMs: parseGdprDuration(g.backupRetention),
    onFailure: g.onFailure,
    fence: g.fence,
    consistency: g.consistency ?? 'LOCAL_QUORUM',
    // keys sorted: the same section hashes the same whatever the order it is written in
    configHash: createHash('sha256').update(canonicalJson(g)).digest('hex').slice(0, 16),
    raw: g,
  };
}

export function backupKey(ctx: RunContext): Buffer {
  const g = ctx.config.gdpr;
  const where = `contexts.${ctx.contextName}.gdpr.backupKey`;
  if (!g?.backupKey) {
    throw new ConfigError(`${where} is not set: erasures are backed up encrypted before anything is deleted`, {
      hint: 'Set gdpr.backupKey to a secret reference, e.g. ${env:CDCCTL_GDPR_BACKUP_KEY} holding `openssl rand -hex 32`.',
    });
  }
  return parseAesKey(resolveSecretString(g.backupKey, where), where);
}

export function reportKey(ctx: RunContext): string {
  const g = ctx.config.gdpr;
  const where = `contexts.${ctx.contextName}.gdpr.reportKey`;
  if (!g?.reportKey) {
    throw new ConfigError(`${where} is not set: subject ids are pseudonymised with it (HMAC)`, {
      hint: 'Set gdpr.reportKey to a secret reference holding at least 16 random characters.',
    });
  }
  const key = resolveSecretString(g.reportKey, where);
  if (key.length < 16) throw new ConfigError(`${where} must be at least 16 characters`);
  return key;
}
