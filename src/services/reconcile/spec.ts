import {createHash} from 'node:crypto';
import type {Client} from 'cassandra-driver';
import type {Pool} from 'pg';
import type {ReconcileTableConfig} from '../../config/schema.js';
import {ConfigError, UsageError} from '../../errors.js';
import {assertIdentifier, qualified, quoteIdent} from '../../store/sql.js';
import {parseDurationOrOff} from '../../util/time.js';
import {
  CANON_VERSION,
  type CqlType,
  hashesFloatBits,
  hintMisfit,
  isCollection,
  isText,
  NULL_MARK,
  pgCanonExpr,
  pgFloatBitsExpr,
  pgKeyCanonExpr,
  pgSetLateral,
  SEP,
  T,
  type TypeHint,
  typeName,
} from './canonical.js';
import {ROW_HASH} from './pg-hash.js';

/** One compared column of a table pair, with both sides' types and the PostgreSQL canonical expression. */
export interface ResolvedColumn {
  name: string;
  pg: string;
  type: CqlType;
  pgType: string;
  hint?: TypeHint;
  /** SQL canonical expression on the PostgreSQL side (absent for lossy columns). */
  pgExpr?: string;
  /** A compared column that enters the row hash as its IEEE 754 bits (canonical.ts, hashesFloatBits). */
  floatBits?: boolean;
  /**
   * A compared text column that enters the row hash as its UTF-8 byte length, ':' and the text. A text
   * may itself hold the separator or the NULL mark (\x1f, \x1e): without the length, 'p\x1fq' | 'r'
   * hashed as 'p' | 'q\x1fr', and '\x1e' as NULL, so such changes went unseen.
   */
  lengthPrefixed?: boolean;
}

/** A table pair ready for both engines: structured-clone safe (it is sent to the scan workers). */
export interface ResolvedTable {
  name: string;
  keyspace: string;
  table: string;
  pgSchema: string;
  pgTable: string;
  /** Full primary key, in configured order (all scalar). */
  key: ResolvedColumn[];
  /** Cassandra partition key column names (token() arguments). */
  partitionKey: string[];
  /** Non-key compared columns, sorted by Cassandra name. */
  compared: ResolvedColumn[];
  /** Columns that cannot match exactly by configuration (excluded from hashes, reported). */
  lossy: Array<{name: string; reason: string}>;
  writetimeColumn?: string;
  /** PostgreSQL column with the row's last write time (min-age, repair guard). */
  updatedAt?: string;
  minAgeMs?: number;
  driftThreshold: number;
  fingerprint: string;
}

export function tableName(cfg: ReconcileTableConfig): string {
  return cfg.name ?? cfg.cassandra;
}

export function selectTables(configs: ReconcileTableConfig[], wanted: string[]): ReconcileTableConfig[] {
  if (wanted.length === 0) return configs;
  const chosen = wanted.map((w) => {
    const found = findTable(configs, w);
    if (!found) {
      throw new UsageError(`no reconcile table "${w}" in this context`, {
        hint: `Configured: ${configs.map(tableName).join(', ') || 'none'} (contexts.<name>.reconcile.tables).`,
      });
    }
    return found;
  });
  return [...new Set(chosen)]; // -t a -t a, or a name and its keyspace.table: one check each
}

/**
 * The name results are stored under for a --table given to history, show or repair: a configured
 * table's name, or its keyspace.table as `reconcile --table` takes it. Anything else is taken as given
 * (a table no longer configured still has its history).
 */
export function storedTableName(configs: ReconcileTableConfig[] | undefined, given?: string): string | undefined {
  if (given === undefined) return undefined;
  const found = findTable(configs ?? [], given);
  return found ? tableName(found) : given;
}

/** The table pair a --table names: by its name, or by its Cassandra keyspace.table. */
function findTable(configs: ReconcileTableConfig[], given: string): ReconcileTableConfig | undefined {
  return configs.find((c) => tableName(c) === given || c.cassandra === given);
}

/** Reads both sides' metadata and checks the pair: key = Cassandra primary key, every column present. */
export async function resolveTable(cfg: ReconcileTableConfig, cass: Client, pool: Pool): Promise<ResolvedTable> {
  const name = tableName(cfg);
  const [keyspace, table] = cfg.cassandra.split('.') as [string, string];
  const [pgSchema, pgTable] = cfg.postgres.split('.') as [string, string];
  for (const id of [keyspace, table, pgSchema, pgTable]) assertIdentifier(id);
  const meta = await cass.metadata.getTable(keyspace, table);
  if (!meta) {
    throw new ConfigError(`${name}: Cassandra table ${cfg.cassandra} does not exist`, {
      hint: 'Check reconcile.tables[].cassandra (keyspace.table).',
    });
  }
  const pgCols = await pool.query<{column_name: string; type: string}>(
    `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [pgSchema, pgTable],
  );
  if (pgCols.rows.length === 0) {
    throw new ConfigError(`${name}: PostgreSQL table ${cfg.postgres} does not exist (or is not visible)`, {
      hint: "Check reconcile.tables[].postgres (schema.table) and the role's privileges.",
    });
  }
  const pgTypes = new Map(pgCols.rows.map((r) => [r.column_name, r.type]));
  const pkNames = [...meta.partitionKeys, ...meta.clusteringKeys].map((c) => c.name);
  const wantKey = cfg.key;
  if (wantKey.length !== pkNames.length || wantKey.some((k) => !pkNames.includes(k))) {
    throw new ConfigError(
      `${name}: key [${wantKey.join(', ')}] is not the Cassandra primary key [${pkNames.join(', ')}]`,
      {
        hint: 'reconcile.tables[].key lists the full primary key (partition and clustering columns).',
      },
    );
  }
  const ignore = new Set(cfg.ignore ?? []);
  const lossy: ResolvedTable['lossy'] = [];
  const resolve = (c: {name: string; type: CqlType}): ResolvedColumn | undefined => {
    const pg = cfg.columns?.[c.name] ?? c.name;
    const pgType = pgTypes.get(pg);
    if (!pgType) {
      throw new ConfigError(`${name}: column ${c.name} has no PostgreSQL counterpart ${cfg.postgres}.${pg}`, {
        hint: 'Map it with reconcile.tables[].columns or list it in ignore.',
      });
    }
    const hint = cfg.types?.[c.name];
    const misfit = hint && hintMisfit(hint, pgType);
    if (misfit)
      throw new ConfigError(`${name}: types.${c.name}: ${misfit}`, {
        hint: 'Type hints: epoch-ms, epoch-us (integer columns), json, text, lossy (reconcile.tables[].types).',
      });
    const type = plainType(c.type);
    const pgExpr = pgCanonExpr(quoteIdent(pg), type, {type: pgType}, hint);
    if (!pgExpr) {
      lossy.push({name: c.name, reason: `${typeName(type)} → ${pgType} cannot match exactly (lossy by configuration)`});
      return undefined;
    }
    const floatBits = hashesFloatBits(type, {type: pgType}, hint) || undefined;
    return {name: c.name, pg, type, pgType, hint, pgExpr, floatBits};
  };
  const byName = new Map(meta.columns.map((c) => [c.name, c as unknown as {name: string; type: CqlType}]));
  checkColumnNames(name, cfg, byName, pkNames);
  const key = wantKey.map((k) => {
    const col = resolve(byName.get(k) as {name: string; type: CqlType});
    if (!col || isCollection(col.type)) throw new ConfigError(`${name}: key column ${k} cannot be compared exactly`);
    return col;
  });
  const compared = meta.columns
    .filter((c) => !pkNames.includes(c.name) && !ignore.has(c.name))
    .map((c) => c.name)
    .sort()
    .map((n) => resolve(byName.get(n) as {name: string; type: CqlType}))
    .filter((c): c is ResolvedColumn => c !== undefined)
    .map((c) => (isText(c.type) && !c.hint ? {...c, lengthPrefixed: true} : c));
  if (cfg.updatedAt && !pgTypes.has(cfg.updatedAt)) {
    throw new ConfigError(`${name}: updatedAt column ${cfg.postgres}.${cfg.updatedAt} does not exist`);
  }
  const writetimeColumn =
    cfg.writetimeColumn ?? compared.find((c) => !isCollection(c.type) && c.type.code !== 5 /* counter */)?.name;
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        v: CANON_VERSION,
        hash: ROW_HASH,
        key: key.map((c) => [c.name, typeName(c.type), c.pgType, c.hint]),
        cols: compared.map((c) => [c.name, typeName(c.type), c.pgType, c.hint]),
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    name,
    keyspace,
    table,
    pgSchema,
    pgTable,
    key,
    partitionKey: meta.partitionKeys.map((c) => c.name),
    compared,
    lossy,
    writetimeColumn,
    updatedAt: cfg.updatedAt,
    // minAge: 0s is off, as --min-age 0 is (parseDuration refused it: every run exited 2)
    minAgeMs: cfg.minAge ? parseDurationOrOff(cfg.minAge) : undefined,
    driftThreshold: cfg.driftThreshold ?? 0,
    fingerprint,
  };
}

/** The driver's column type without its class instances (structured-clone safe). */
function plainType(t: CqlType): CqlType {
  const info = t.info as unknown;
  if (info === null || info === undefined) return {code: t.code};
  if (Array.isArray(info)) return {code: t.code, info: info.map((x) => plainType(x as CqlType))};
  if (typeof info === 'object' && 'code' in (info as object)) return {code: t.code, info: plainType(info as CqlType)};
  if (typeof info === 'object' && 'fields' in (info as object)) {
    const u = info as {name: string; fields: Array<{name: string; type: CqlType}>};
    return {code: t.code, info: {name: u.name, fields: u.fields.map((f) => ({name: f.name, type: plainType(f.type)}))}};
  }
  return {code: t.code, info: String(info)};
}

// ---- SQL for the PostgreSQL side ----------------------------------------------------------------------------

export function pgTableRef(t: ResolvedTable): string {
  return qualified(t.pgSchema, t.pgTable);
}

/** The column as SQL, qualified with `alias` when given. */
function columnRef(c: ResolvedColumn, alias?: string): string {
  return alias ? `${quoteIdent(alias)}.${quoteIdent(c.pg)}` : quoteIdent(c.pg);
}

function expr(c: ResolvedColumn, alias?: string): string {
  if (!alias) return c.pgExpr as string;
  return pgCanonExpr(columnRef(c, alias), c.type, {type: c.pgType}, c.hint) as string;
}

/** A compared column's form in the row hash: its canonical text, its bits (floatBits), or its length and text (lengthPrefixed). */
function hashExpr(c: ResolvedColumn, alias?: string): string {
  if (c.floatBits) return pgFloatBitsExpr(columnRef(c, alias), c.type);
  const e = expr(c, alias);
  return c.lengthPrefixed ? `(octet_length(${e})::text || ':' || ${e})` : e;
}

/** A key column's text in pk_canon (pgKeyCanonExpr), qualified with `alias` when given. */
function keyExpr(c: ResolvedColumn, alias?: string): string {
  return pgKeyCanonExpr(columnRef(c, alias), c.type, {type: c.pgType}, c.hint) as string;
}

/** pk_canon: the key columns' texts (keyExpr) joined by \x1f (columns qualified with `alias` when given). */
export function pgKeyCanonSql(t: ResolvedTable, alias?: string): string {
  return t.key.map((c) => keyExpr(c, alias)).join(' || chr(31) || ');
}

/**
 * The column names a table pair's config gives (ignore, columns, types, writetimeColumn) are columns of
 * the Cassandra table, and usable where they are named: a misspelt one was ignored without a word, or
 * failed the scan later as a Cassandra error (exit 4).
 */
function checkColumnNames(
  name: string,
  cfg: ReconcileTableConfig,
  columns: Map<string, {name: string; type: CqlType}>,
  pkNames: string[],
): void {
  const named: Array<[string, string]> = [
    ...(cfg.ignore ?? []).map((c): [string, string] => ['ignore', c]),
    ...Object.keys(cfg.columns ?? {}).map((c): [string, string] => ['columns', c]),
    ...Object.keys(cfg.types ?? {}).map((c): [string, string] => ['types', c]),
    ...(cfg.writetimeColumn ? [['writetimeColumn', cfg.writetimeColumn] as [string, string]] : []),
  ];
  const unknown = named.filter(([, c]) => !columns.has(c));
  if (unknown.length > 0)
    throw new ConfigError(
      `${name}: ${unknown.map(([where, c]) => `${where} names ${c}`).join(', ')}, not a column of ${cfg.cassandra}`,
      {hint: `Its columns: ${[...columns.keys()].join(', ')}.`},
    );
  const ignoredKeys = (cfg.ignore ?? []).filter((c) => pkNames.includes(c));
  if (ignoredKeys.length > 0)
    throw new ConfigError(`${name}: ignore lists key column(s) ${ignoredKeys.join(', ')}; the key is always compared`);
  const wt = cfg.writetimeColumn ? columns.get(cfg.writetimeColumn) : undefined;
  if (wt && (pkNames.includes(wt.name) || isCollection(plainType(wt.type)) || wt.type.code === 5) /* counter */)
    throw new ConfigError(
      `${name}: writetimeColumn ${wt.name} has no writetime() (a key, collection or counter column)`,
      {hint: 'Name a regular column that every write sets.'},
    );
}

/**
 * The key as PostgreSQL stores it, joined like pk_canon, for a table with a decimal key column: there the
 * canonical text (1.5) drops the scale that Cassandra's partition token depends on (1.50), so the
 * drill-down looks such keys up again with PostgreSQL's own digits. undefined for other tables.
 */
export function pgStoredKeySql(t: ResolvedTable): string | undefined {
  if (!t.key.some((c) => c.type.code === T.decimal)) return undefined;
  return t.key
    .map((c) => (c.type.code === T.decimal ? `${quoteIdent(c.pg)}::text` : keyExpr(c)))
    .join(' || chr(31) || ');
}

/** row_canon: pk_canon, then every compared column (name order, in its row-hash form), NULL as \x1e. */
export function pgRowCanonSql(t: ResolvedTable, alias?: string): string {
  const parts = [pgKeyCanonSql(t, alias), ...t.compared.map((c) => `coalesce(${hashExpr(c, alias)}, chr(30))`)];
  return parts.join(' || chr(31) || ');
}

/**
 * The FROM clause and canonical texts for a full-table scan (the bucket query): the same texts as
 * pgKeyCanonSql/pgRowCanonSql, with set columns sorted in LATERAL joins so that the whole row
 * expression is parallel-safe (evaluated in PostgreSQL's parallel workers, not in the leader).
 */
export function pgScanSql(t: ResolvedTable): {from: string; key: string; row: string} {
  const joins: string[] = [];
  const cols = t.compared.map((c, i) => {
    const lateral = pgSetLateral(quoteIdent(c.pg), c.type, {type: c.pgType}, `_set${i}`, c.hint);
    if (!lateral) return hashExpr(c);
    joins.push(lateral.from);
    return lateral.expr;
  });
  const key = pgKeyCanonSql(t);
  return {
    from: [pgTableRef(t), ...joins].join(' '),
    key,
    row: [key, ...cols.map((e) => `coalesce(${e}, chr(30))`)].join(' || chr(31) || '),
  };
}

export const JS_SEP = SEP;
export const JS_NULL = NULL_MARK;
