import {type ConnectRecord, type Field, isStruct, type Schema} from './record.js';

/** What the transform emulations share: the record's side, Connect's requireStruct, schema copies. */

export type Transform = (r: ConnectRecord) => ConnectRecord | null;
export type Props = Record<string, string>;
export type Side = 'key' | 'value';

export const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Java's Matcher.matches(): the whole string; `$1` in replacements as Java writes it. */
export function javaRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

export function sideOf(cls: string): Side | undefined {
  if (cls.endsWith('$Key')) return 'key';
  if (cls.endsWith('$Value')) return 'value';
  return undefined;
}

export function get(r: ConnectRecord, side: Side): {schema: Schema | null; value: unknown} {
  return side === 'key' ? {schema: r.keySchema, value: r.key} : {schema: r.valueSchema, value: r.value};
}

export function put(r: ConnectRecord, side: Side, schema: Schema | null, value: unknown): ConnectRecord {
  return side === 'key' ? {...r, keySchema: schema, key: value} : {...r, valueSchema: schema, value};
}

/**
 * Connect's requireStruct/requireMap: what the real transform throws (and the task fails with, under
 * errors.tolerance=none) when the key or value is not a struct or map — a tombstone included.
 */
export class TransformError extends Error {}

export function requireStruct(
  purpose: string,
  what: unknown,
  schema: Schema | null | undefined = undefined,
): Record<string, unknown> {
  if (!isStruct(what)) {
    const found =
      what === null || what === undefined
        ? 'null'
        : Array.isArray(what)
          ? 'java.util.ArrayList'
          : typeof what === 'string'
            ? 'java.lang.String'
            : typeof what === 'boolean'
              ? 'java.lang.Boolean'
              : typeof what;
    throw new TransformError(
      schema
        ? `Only Struct objects supported for [${purpose}], found: ${found}`
        : `Only Map objects supported in absence of schema for [${purpose}], found: ${found}`,
    );
  }
  return what;
}

/** A copy of a struct schema's basics (name, version, doc, parameters) with new fields. */
export function structSchema(base: Schema, fields: Field[]): Schema {
  const s: Schema = {type: 'struct', fields, optional: base.optional ?? false};
  if (base.name !== undefined) s.name = base.name;
  if (base.version !== undefined) s.version = base.version;
  if (base.doc !== undefined) s.doc = base.doc;
  if (base.parameters !== undefined) s.parameters = base.parameters;
  return s;
}
