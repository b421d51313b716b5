/**
 * The Kafka Connect data model, as much of it as the transform emulation needs: a record (topic,
 * key, value, headers, each value with its optional schema) and schemas in the JSON form
 * JsonConverter writes ({type, optional, fields: [{field, …}], name, version, parameters}).
 */

export interface Schema {
  type: string;
  optional?: boolean;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  default?: unknown;
  fields?: Field[];
  items?: Schema;
  keys?: Schema;
  values?: Schema;
}
export type Field = Schema & {field: string};

export interface Header {
  key: string;
  value: unknown;
}

export interface ConnectRecord {
  topic: string;
  partition: number | null;
  /** Epoch ms, or null. */
  timestamp: number | null;
  keySchema: Schema | null;
  key: unknown;
  valueSchema: Schema | null;
  value: unknown;
  headers: Header[];
}

/** A JsonConverter document: `{schema, payload}` when schemas are enabled, the bare value otherwise. */
export function fromJsonConverter(doc: unknown): {schema: Schema | null; value: unknown} {
  if (
    doc !== null &&
    typeof doc === 'object' &&
    !Array.isArray(doc) &&
    Object.keys(doc).length === 2 &&
    'schema' in doc &&
    'payload' in doc
  ) {
    const d = doc as {schema: Schema | null; payload: unknown};
    return {schema: d.schema, value: d.payload};
  }
  return {schema: null, value: doc};
}

/** The record's key or value as JsonConverter (schemas enabled when it has a schema) would write it. */
export function toJsonConverter(schema: Schema | null, value: unknown): unknown {
  return schema ? {schema, payload: value ?? null} : (value ?? null);
}

export const isStruct = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);

export function field(schema: Schema | null, name: string): Field | undefined {
  return schema?.fields?.find((f) => f.field === name);
}

export function cloneRecord(r: ConnectRecord): ConnectRecord {
  return structuredClone(r);
}
