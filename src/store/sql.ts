import {UsageError} from '../errors.js';

/**
 * Identifiers that reach SQL or CQL (schema, table, column, keyspace) are validated against one
 * rule and quoted; values are always bound parameters, never interpolated.
 */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name) || name.length > 63) {
    throw new UsageError(`invalid ${what} "${name}"`, {
      hint: 'Use letters, digits and "_", starting with a letter or "_" (at most 63).',
    });
  }
  return name;
}

/** Validates and double-quotes one identifier. */
export function quoteIdent(name: string, what?: string): string {
  return `"${assertIdentifier(name, what)}"`;
}

/** `schema.table`, both parts validated and quoted. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema, 'schema')}.${quoteIdent(table, 'table')}`;
}

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * The canonical text of a row id that fits PostgreSQL's bigint (1 to 2^63 − 1), or undefined: an id
 * that cannot exist ("abc", 99999999999999999999) is then simply not found, never an SQL error.
 */
export function bigintId(text: string): string | undefined {
  if (!/^\d{1,19}$/.test(text.trim())) return undefined;
  const n = BigInt(text.trim());
  return n >= 1n && n <= MAX_BIGINT ? n.toString() : undefined;
}
