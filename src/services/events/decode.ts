import {type SchemaRegistryClient, schemaRegistryClient} from '../../clients/schema-registry.js';
import type {RunContext} from '../../runtime.js';

/**
 * Decoding record bytes for people: JSON (with or without JsonConverter's schema/payload wrapper),
 * and Confluent wire format (magic byte 0 + 4-byte schema id) resolved through the Schema Registry
 * — Avro with avsc, JSON Schema as JSON. Anything else is shown as UTF-8 text or base64.
 */

export type DecodedFormat = 'null' | 'json' | 'avro' | 'json-schema' | 'protobuf' | 'text' | 'binary';

export interface Decoded {
  format: DecodedFormat;
  /** The decoded value (JsonConverter's `payload` when wrapped); for text the string; binary → base64. */
  value: unknown;
  schemaId?: number;
  /** Why a registry-encoded value could not be decoded (the raw bytes are then in `value` as base64). */
  note?: string;
}

export interface RegistrySchema {
  schema: string;
  schemaType?: string;
}

/** Looks a schema up by id; one call per id per run. */
export type SchemaLookup = (id: number) => Promise<RegistrySchema>;

/**
 * Schemas by id from the context's Schema Registry (the shared client), one call per id per run.
 * Call `close()` when done.
 */
export function registrySchemaLookup(ctx: RunContext): (SchemaLookup & {close(): Promise<void>}) | undefined {
  if (!ctx.config.schemaRegistry) return undefined;
  const cache = new Map<number, Promise<RegistrySchema>>();
  let client: SchemaRegistryClient | undefined;
  const lookup = (id: number) => {
    let hit = cache.get(id);
    if (!hit) {
      client ??= schemaRegistryClient(ctx);
      hit = client.schemaById(id);
      cache.set(id, hit);
    }
    return hit;
  };
  return Object.assign(lookup, {close: async () => client?.close()});
}

const avroTypes = new Map<string, unknown>();

export async function decodeBytes(bytes: Buffer | null, lookup?: SchemaLookup): Promise<Decoded> {
  if (bytes === null) return {format: 'null', value: null};
  if (bytes.length >= 5 && bytes[0] === 0) {
    const schemaId = bytes.readUInt32BE(1);
    if (!lookup) {
      return {
        format: 'binary',
        value: bytes.toString('base64'),
        schemaId,
        note: 'Confluent wire format, but the context has no schemaRegistry endpoint',
      };
    }
    try {
      const schema = await lookup(schemaId);
      const type = (schema.schemaType ?? 'AVRO').toUpperCase();
      if (type === 'AVRO') {
        const avro = await avroType(schema.schema);
        return {format: 'avro', value: plain(avro.fromBuffer(bytes.subarray(5))), schemaId};
      }
      if (type === 'JSON')
        return {format: 'json-schema', value: JSON.parse(bytes.subarray(5).toString('utf8')), schemaId};
      return {format: 'protobuf', value: bytes.toString('base64'), schemaId, note: 'Protobuf is shown as raw bytes'};
    } catch (err) {
      return {
        format: 'binary',
        value: bytes.toString('base64'),
        schemaId,
        note: `not decoded: ${(err as Error).message}`,
      };
    }
  }
  return decodePlain(bytes);
}

/** JSON (unwrapping JsonConverter's {schema, payload}), else UTF-8 text, else base64. No registry. */
export function decodePlain(bytes: Buffer | null): Decoded {
  if (bytes === null) return {format: 'null', value: null};
  const first = bytes[0];
  // JSON texts start with {, [, ", a digit, -, t, f, n or whitespace: skip the parse otherwise.
  if (first !== undefined && /[{["\d\-tfn\s]/.test(String.fromCharCode(first))) {
    try {
      return {format: 'json', value: unwrapConnectJson(JSON.parse(bytes.toString('utf8')))};
    } catch {}
  }
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes) && !hasControlChars(text)) {
    return {format: 'text', value: text};
  }
  return {format: 'binary', value: bytes.toString('base64')};
}

/** JsonConverter with schemas.enable=true wraps values as {schema, payload}. */
export function unwrapConnectJson(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 2 && 'schema' in o && 'payload' in o) return o.payload;
  }
  return v;
}

async function avroType(schema: string): Promise<{fromBuffer(b: Buffer): unknown}> {
  let t = avroTypes.get(schema) as {fromBuffer(b: Buffer): unknown} | undefined;
  if (!t) {
    const avsc = (await import('avsc')).default;
    t = avsc.Type.forSchema(JSON.parse(schema), {wrapUnions: false}) as unknown as {fromBuffer(b: Buffer): unknown};
    avroTypes.set(schema, t);
  }
  return t;
}

/** Avro values as JSON-safe data: bytes → base64, records → plain objects. */
function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    if (v instanceof Date) return v.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** C0 control characters other than tab, newline and carriage return mark bytes as binary. */
function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) return true;
  }
  return false;
}
