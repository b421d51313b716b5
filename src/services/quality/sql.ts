import {qualified, quoteIdent} from '../../store/sql.js';
import type {ResolvedCheck, ResolvedTable} from './types.js';

/**
 * SQL of the quality checks. Identifiers come validated from the schema and are quoted here; every
 * value a check compares with is a bound parameter ($n). The single-pass checks of a table become one
 * aggregate (`count(*) FILTER (WHERE …)` per check) over one scan; their row predicates are reused to
 * sample failing rows.
 */

/** Named formats of `pattern` checks (PostgreSQL ARE syntax). */
export const FORMATS: Record<string, string> = {
  email: '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  iso_date: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  iso_datetime:
    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ][0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$',
  phone: '^\\+?[0-9][0-9 ().-]{5,19}$',
  ipv4: '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$',
  url: '^https?://[^[:space:]/?#]+[^[:space:]]*$',
};

/** The single-pass check types: one aggregate expression each. */
export const SINGLE_PASS = new Set([
  'row_count',
  'freshness',
  'missing',
  'values_in_set',
  'pattern',
  'range',
  'length',
]);

const TEXT_TYPES = new Set(['text', 'character varying', 'character', 'citext']);

export class Params {
  readonly values: unknown[] = [];
  add(v: unknown, cast = ''): string {
    this.values.push(v);
    return `$${this.values.length}${cast}`;
  }
}

const col = (name: string) => `x.${quoteIdent(name)}`;

/**
 * The row predicate of a single-pass check that counts failing rows (undefined for row_count and
 * freshness, which measure the table): true for a row that fails the check.
 */
export function rowPredicate(c: ResolvedCheck, types: Map<string, string>, p: Params): string | undefined {
  const cfg = c.config;
  switch (cfg.type) {
    case 'missing': {
      const isText = TEXT_TYPES.has(types.get(cfg.column) ?? '');
      return isText ? `(${col(cfg.column)} IS NULL OR ${blank(col(cfg.column))})` : `${col(cfg.column)} IS NULL`;
    }
    case 'values_in_set': {
      const isText = TEXT_TYPES.has(types.get(cfg.column) ?? '');
      const v = isText ? col(cfg.column) : `${col(cfg.column)}::text`;
      const inSet = `${v} = ANY(${p.add(cfg.values.map(String), '::text[]')})`;
      return cfg.invalid ? inSet : `NOT (${inSet})`;
    }
    case 'pattern': {
      const type = types.get(cfg.column) ?? '';
      const v = TEXT_TYPES.has(type) ? col(cfg.column) : `${col(cfg.column)}::text`;
      const fast = cfg.format ? formatPredicate(cfg.format, v, type) : undefined;
      return fast ?? `${v} !~ ${p.add(cfg.regex ?? FORMATS[cfg.format as string], '::text')}`;
    }
    case 'range': {
      // untyped parameters: PostgreSQL binds them as the column's type (numbers, dates, timestamps)
      const parts: string[] = [];
      if (cfg.min !== undefined) parts.push(`${col(cfg.column)} < ${p.add(cfg.min)}`);
      if (cfg.max !== undefined) parts.push(`${col(cfg.column)} > ${p.add(cfg.max)}`);
      return `(${parts.join(' OR ')})`;
    }
    case 'length': {
      const len = TEXT_TYPES.has(types.get(cfg.column) ?? '')
        ? `length(${col(cfg.column)})`
        : `length(${col(cfg.column)}::text)`;
      const parts: string[] = [];
      if (cfg.min !== undefined) parts.push(`${len} < ${p.add(cfg.min, '::int')}`);
      if (cfg.max !== undefined) parts.push(`${len} > ${p.add(cfg.max, '::int')}`);
      return `(${parts.join(' OR ')})`;
    }
    default:
      return undefined;
  }
}

/** The aggregate expression of a single-pass check. */
function aggregate(c: ResolvedCheck, t: ResolvedTable, types: Map<string, string>, p: Params): string {
  const cfg = c.config;
  if (cfg.type === 'row_count') return 'count(*)::float8';
  if (cfg.type === 'freshness') {
    const column = cfg.column ?? (t.config.updatedAt as string);
    return `extract(epoch FROM (now() - max(${col(column)})))::float8`;
  }
  const pred = rowPredicate(c, types, p) as string;
  return `count(*) FILTER (WHERE ${present(c, types)}${pred})::float8`;
}

/**
 * Validity is judged on values that are there (as in SodaCL): NULL, and blank text for the text
 * checks, count only as `missing`.
 */
function present(c: ResolvedCheck, types: Map<string, string>): string {
  const cfg = c.config;
  if (cfg.type === 'missing' || !('column' in cfg) || !cfg.column) return '';
  const v = col(cfg.column);
  const blankable = TEXT_TYPES.has(types.get(cfg.column) ?? '') && cfg.type !== 'range';
  return blankable ? `${v} IS NOT NULL AND NOT ${blank(v)} AND ` : `${v} IS NOT NULL AND `;
}

/**
 * Blank text (empty or only whitespace, as JavaScript's trim() sees it): such a string sorts below "!"
 * byte-wise, a comparison far cheaper than btrim on every row, which then runs only on those few.
 */
function blank(v: string): string {
  return `(${v} COLLATE "C" < '!' AND btrim(${v}, E' \\t\\n\\r\\x0b\\f') = '')`;
}

/**
 * Named formats as plain string predicates where they are exact: PostgreSQL's regular expressions cost
 * about 5 µs a row (wide-character conversion and a fresh DFA per call), LIKE and translate() a
 * fraction of that. A column whose type already guarantees the format (uuid, date, timestamps) never
 * fails it. Undefined: use the format's regular expression.
 */
export function formatPredicate(format: string, v: string, type: string): string | undefined {
  if (format === 'uuid' && type === 'uuid') return 'false';
  if (format === 'iso_date' && type === 'date') return 'false';
  if (format === 'iso_datetime' && type.startsWith('timestamp')) return 'false';
  const c = `${v} COLLATE "C"`;
  if (format === 'email')
    // ^[^@\s]+@[^@\s]+\.[^@\s]+$: one "@" with a character before it, and after it a "." with
    // characters on both sides; no whitespace anywhere
    return `NOT (${c} LIKE '_%@_%._%' AND ${c} NOT LIKE '%@%@%'${[' ', '\\t', '\\n', '\\r', '\\x0b', '\\f']
      .map((w) => ` AND ${c} NOT LIKE E'%${w}%'`)
      .join('')})`;
  if (format === 'uuid')
    return `NOT (${c} LIKE '________-____-____-____-____________' AND translate(${c}, '0123456789abcdefABCDEF', '') = '----')`;
  if (format === 'iso_date')
    return `NOT (${c} LIKE '____-__-__' AND translate(${c}, '0123456789', '') = '--' AND substr(${c}, 6, 2) BETWEEN '01' AND '12' AND substr(${c}, 9, 2) BETWEEN '01' AND '31')`;
  return undefined;
}

/** One aggregate over the table computing every single-pass check's raw figure, plus the row count. */
export function singlePassQuery(
  t: ResolvedTable,
  checks: ResolvedCheck[],
  types: Map<string, string>,
): {text: string; values: unknown[]; columns: string[]} {
  const p = new Params();
  const exprs = ['count(*)::float8 AS m__rows'];
  const columns: string[] = [];
  checks.forEach((c, i) => {
    exprs.push(`${aggregate(c, t, types, p)} AS m${i}`);
    columns.push(`m${i}`);
  });
  return {text: `SELECT ${exprs.join(', ')} FROM ${qualified(t.schema, t.table)} x`, values: p.values, columns};
}

/** The naive form (benchmark baseline): one query per check. */
export function oneQueryPerCheck(
  t: ResolvedTable,
  c: ResolvedCheck,
  types: Map<string, string>,
): {text: string; values: unknown[]} {
  const p = new Params();
  return {text: `SELECT ${aggregate(c, t, types, p)} AS m FROM ${qualified(t.schema, t.table)} x`, values: p.values};
}

/** Up to `limit` failing rows of a row-level single-pass check, as JSON objects. */
export function sampleQuery(
  t: ResolvedTable,
  c: ResolvedCheck,
  types: Map<string, string>,
  limit: number,
): {text: string; values: unknown[]} | undefined {
  const p = new Params();
  const pred = rowPredicate(c, types, p);
  if (!pred) return undefined;
  return {
    text: `SELECT row_to_json(x) AS r FROM ${qualified(t.schema, t.table)} x WHERE ${present(c, types)}${pred} LIMIT ${p.add(limit, '::int')}`,
    values: p.values,
  };
}

/** Rows beyond the first of each group of equal (non-NULL) values of `columns`; its own plan (a hash aggregate). */
export function duplicatesQuery(t: ResolvedTable, columns: string[]): string {
  const cols = columns.map(col).join(', ');
  const notNull = columns.map((c) => `${col(c)} IS NOT NULL`).join(' AND ');
  return `SELECT coalesce(sum(n - 1), 0)::float8 AS m FROM (
      SELECT count(*) AS n FROM ${qualified(t.schema, t.table)} x WHERE ${notNull} GROUP BY ${cols} HAVING count(*) > 1) d`;
}

export function duplicatesSample(t: ResolvedTable, columns: string[]): string {
  const cols = columns.map(col).join(', ');
  const notNull = columns.map((c) => `${col(c)} IS NOT NULL`).join(' AND ');
  const obj = columns.map((c) => `'${c}', ${col(c)}`).join(', ');
  return `SELECT json_build_object(${obj}, 'copies', count(*)) AS r FROM ${qualified(t.schema, t.table)} x
     WHERE ${notNull} GROUP BY ${cols} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT $1::int`;
}

/** Rows whose (non-NULL) `columns` have no match in the referenced table: an anti-join, its own plan. */
export function orphansWhere(columns: string[], ref: {table: string; columns: string[]}): string {
  const [rs, rt] = ref.table.split('.') as [string, string];
  const notNull = columns.map((c) => `${col(c)} IS NOT NULL`).join(' AND ');
  const match = columns.map((c, i) => `r.${quoteIdent(ref.columns[i] as string)} = ${col(c)}`).join(' AND ');
  return `${notNull} AND NOT EXISTS (SELECT 1 FROM ${qualified(rs, rt)} r WHERE ${match})`;
}
