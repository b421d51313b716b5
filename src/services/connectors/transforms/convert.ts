import {UsageError} from '../../../errors.js';
import {
  checkParsable,
  compileDatePattern,
  float32Json,
  formatDate,
  JavaNumberFormat,
  javaDoubleToString,
  javaFloatToString,
  javaParseFloating,
  javaParseInt,
  NotEmulable,
  narrowFloating,
  parseDate,
  wrapInt,
} from './java.js';
import {type Field, isStruct, type Schema} from './record.js';
import {
  get,
  list,
  type Props,
  put,
  requireStruct,
  type Side,
  sideOf,
  structSchema,
  type Transform,
  TransformError,
} from './support.js';

/**
 * org.apache.kafka.connect.transforms.Cast and TimestampConverter, as Kafka 4.x's sources do them,
 * on records in JsonConverter's representation (Date as days, Time as ms of the day, Timestamp as
 * epoch ms, bytes as base64, float32 as Float.toString wrote it). Proved against the worker by
 * test/integration/transforms-differential.test.ts.
 */

const LOGICAL = {
  date: 'org.apache.kafka.connect.data.Date',
  time: 'org.apache.kafka.connect.data.Time',
  timestamp: 'org.apache.kafka.connect.data.Timestamp',
  decimal: 'org.apache.kafka.connect.data.Decimal',
};
const DAY_MS = 86_400_000;
const bool = (cls: string, name: string, v: string | undefined, dflt: boolean) => {
  if (v === undefined) return dflt;
  if (!/^(true|false)$/i.test(v.trim())) throw new UsageError(`${cls}: ${name} must be true or false, got "${v}"`);
  return v.trim().toLowerCase() === 'true';
};

/** What the Java class of a schemaless value is, as JsonConverter builds it (integral JSON numbers are Longs). */
function javaClassOf(v: unknown): string {
  if (typeof v === 'string') return 'java.lang.String';
  if (typeof v === 'boolean') return 'java.lang.Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'java.lang.Long' : 'java.lang.Double';
  if (Array.isArray(v)) return 'java.util.ArrayList';
  return 'java.util.HashMap';
}

// --- Cast ---------------------------------------------------------------------------------------------

const CAST_OUTPUT = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'] as const;
type CastType = (typeof CAST_OUTPUT)[number];
const CAST_INPUT: readonly string[] = [...CAST_OUTPUT, 'bytes'];
const JAVA_TYPES = '[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]';
const BITS = {int8: 8, int16: 16, int32: 32, int64: 64} as const;
/** JsonConverter's schema JSON names FLOAT32 "float" and FLOAT64 "double"; Connect's names otherwise. */
const fromJsonType = (t: string) => (t === 'float' ? 'float32' : t === 'double' ? 'float64' : t);
const toJsonType = (t: CastType) => (t === 'float32' ? 'float' : t === 'float64' ? 'double' : t);

/** Values.dateFormatFor: a time before the first day, a date at midnight, else a timestamp (the JVM's zone: UTC). */
function connectDateString(ms: number, what: string): string {
  const pattern = ms < DAY_MS ? "HH:mm:ss.SSS'Z'" : ms % DAY_MS === 0 ? 'yyyy-MM-dd' : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
  return formatDate(compileDatePattern(pattern, what), ms, what);
}

/** Cast.castValueToType on a value in JsonConverter's representation. */
function castValue(cls: string, schema: Schema | null, value: unknown, target: CastType): unknown {
  if (value === null || value === undefined) return null;
  let from: string;
  if (schema) from = fromJsonType(schema.type);
  else if (typeof value === 'string') from = 'string';
  else if (typeof value === 'boolean') from = 'boolean';
  else if (typeof value === 'number') from = Number.isInteger(value) ? 'int64' : 'float64';
  else from = Array.isArray(value) ? 'array' : 'map';
  if (!CAST_INPUT.includes(from))
    throw new TransformError(
      `Cast transformation does not support casting from ${from.toUpperCase()}; supported types are ${JAVA_TYPES}`,
    );
  const name = schema?.name;
  if (name === LOGICAL.decimal) throw new NotEmulable(`${cls}: casting a Decimal is not emulated`);
  if (from === 'bytes') {
    // JsonConverter carries bytes as base64, which is what castToString makes of them
    if (target === 'string') return value;
    throw new NotEmulable(`${cls}: casting bytes to ${target} is not emulated (the worker fails on it)`);
  }
  if (target === 'string' && (name === LOGICAL.date || name === LOGICAL.time || name === LOGICAL.timestamp)) {
    const ms = name === LOGICAL.date ? (value as number) * DAY_MS : (value as number);
    return connectDateString(ms, cls);
  }
  if (!schema && typeof value === 'number' && Number.isInteger(value)) {
    // JSON without a schema cannot tell 21 (a Long) from 21.0 (a Double): refuse where they differ
    if (target === 'string')
      throw new NotEmulable(`${cls}: cannot tell whether the schemaless number ${value} is an integer or a double`);
    if (Math.abs(value) > 2147483647 && target !== 'int64' && target !== 'float32' && target !== 'float64')
      throw new NotEmulable(`${cls}: cannot tell how the worker narrows the schemaless number ${value}`);
  }
  const kind =
    from === 'float32' || from === 'float64' ? from : from === 'boolean' || from === 'string' ? from : ('int' as const);
  const outOfRange = () => new TransformError(`Value (${String(value)}) was out of range for requested data type`);
  try {
    if (kind === 'string') {
      const s = value as string;
      switch (target) {
        case 'string':
          return s;
        case 'boolean':
          return s.toLowerCase() === 'true';
        case 'float32':
          return float32Json(javaParseFloating(s, true));
        case 'float64':
          return javaParseFloating(s, false);
        default:
          return javaParseInt(s, BITS[target]);
      }
    }
    if (kind === 'boolean') {
      const b = value as boolean;
      return target === 'string' ? String(b) : target === 'boolean' ? b : b ? 1 : 0;
    }
    const n = kind === 'float32' ? Math.fround(value as number) : (value as number);
    switch (target) {
      case 'string':
        if (kind === 'float32') return javaFloatToString(n);
        if (kind === 'float64') return javaDoubleToString(n);
        if (!Number.isSafeInteger(n)) throw new NotEmulable(`${cls}: the integer ${n} is beyond JSON's exact range`);
        return String(n);
      case 'boolean':
        return (kind === 'int' ? n : narrowFloating(n, 64)) !== 0;
      case 'float32':
        return float32Json(n);
      case 'float64':
        return n;
      default:
        return kind === 'int' ? wrapInt(n, BITS[target]) : narrowFloating(n, BITS[target]);
    }
  } catch (err) {
    if (err instanceof JavaNumberFormat) throw outOfRange();
    if (err instanceof NotEmulable && !err.message.startsWith(cls)) throw new NotEmulable(`${cls}: ${err.message}`);
    throw err;
  }
}

function parseCastSpec(cls: string, spec: string | undefined): {whole?: CastType; fields: Map<string, CastType>} {
  const entries = list(spec);
  if (entries.length === 0) throw new UsageError(`${cls}: "spec" must name at least one field to cast`);
  const type = (t: string): CastType => {
    const x = t.trim().toLowerCase() as CastType;
    if (!CAST_OUTPUT.includes(x))
      throw new UsageError(`${cls}: spec: cannot cast to "${t.trim()}"`, {hint: `Types: ${CAST_OUTPUT.join(', ')}.`});
    return x;
  };
  const fields = new Map<string, CastType>();
  let whole: CastType | undefined;
  for (const entry of entries) {
    const parts = entry.split(':');
    if (parts.length > 2) throw new UsageError(`${cls}: spec: invalid mapping "${entry}" (field:type)`);
    if (parts.length === 1) whole = type(parts[0] as string);
    else fields.set((parts[0] as string).trim(), type(parts[1] as string));
  }
  if (whole && entries.length > 1)
    throw new UsageError(
      `${cls}: spec: a type for the whole ${cls.endsWith('$Key') ? 'key' : 'value'} must be the only entry`,
    );
  return {whole, fields};
}

function cast(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const {whole, fields} = parseCastSpec(cls, p.spec);
  const replaceNull = bool(cls, 'replace.null.with.default', p['replace.null.with.default'], true);
  return (r) => {
    const {schema, value} = get(r, side);
    if (value === null || value === undefined) return r;
    if (!schema) {
      if (whole) return put(r, side, null, castValue(cls, null, value, whole));
      if (!isStruct(value))
        throw new TransformError(
          `Only Map objects supported in absence of schema for [cast types], found: ${javaClassOf(value)}`,
        );
      const out: Record<string, unknown> = {...value};
      for (const [name, t] of fields) out[name] = castValue(cls, null, value[name] ?? null, t);
      return put(r, side, null, out);
    }
    if (whole) {
      if (schema.name === LOGICAL.date || schema.name === LOGICAL.time || schema.name === LOGICAL.timestamp)
        throw new NotEmulable(
          `${cls}: casting a whole ${schema.name} is not emulated (the new schema keeps the logical name)`,
        );
      const s: Schema = {...copyBasics(schema), type: toJsonType(whole), optional: schema.optional ?? false};
      if (schema.default !== undefined && schema.default !== null)
        s.default = castValue(cls, schema, schema.default, whole);
      return put(r, side, s, castValue(cls, schema, value, whole));
    }
    if (schema.type !== 'struct') throw new TransformError('Cannot list fields on non-struct type');
    const newFields: Field[] = (schema.fields ?? []).map((f) => {
      const t = fields.get(f.field);
      if (!t) return f;
      const nf: Field = {field: f.field, type: toJsonType(t), optional: f.optional ?? false};
      if (f.default !== undefined && f.default !== null) nf.default = castValue(cls, f, f.default, t);
      return nf;
    });
    const v = requireStruct('cast types', value, schema);
    const out: Record<string, unknown> = {};
    for (const f of schema.fields ?? []) {
      let x = v[f.field] ?? null;
      if (x === null && replaceNull && f.default !== undefined) x = f.default;
      const t = fields.get(f.field);
      out[f.field] = t ? castValue(cls, f, x, t) : x;
    }
    return put(r, side, structSchema(schema, newFields), out);
  };
}

/** SchemaUtil.copySchemaBasics: name, version, doc, parameters. */
function copyBasics(s: Schema): Partial<Schema> {
  const out: Partial<Schema> = {};
  if (s.name !== undefined) out.name = s.name;
  if (s.version !== undefined) out.version = s.version;
  if (s.doc !== undefined) out.doc = s.doc;
  if (s.parameters !== undefined) out.parameters = s.parameters;
  return out;
}

// --- TimestampConverter -------------------------------------------------------------------------------

const TS_TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
type TsType = (typeof TS_TYPES)[number];
const PRECISIONS = ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;

function tsSchema(t: TsType, optional: boolean): Schema {
  switch (t) {
    case 'string':
      return {type: 'string', optional};
    case 'unix':
      return {type: 'int64', optional};
    case 'Date':
      return {type: 'int32', optional, name: LOGICAL.date, version: 1};
    case 'Time':
      return {type: 'int32', optional, name: LOGICAL.time, version: 1};
    case 'Timestamp':
      return {type: 'int64', optional, name: LOGICAL.timestamp, version: 1};
  }
}

function timestampConverter(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const fieldName = p.field ?? '';
  const target = p['target.type'] as TsType | undefined;
  if (!target || !TS_TYPES.includes(target))
    throw new UsageError(`${cls}: target.type must be one of ${TS_TYPES.join(', ')}`);
  const precision = (p['unix.precision'] ?? 'milliseconds') as (typeof PRECISIONS)[number];
  if (!PRECISIONS.includes(precision))
    throw new UsageError(`${cls}: unix.precision must be one of ${PRECISIONS.join(', ')}`);
  const replaceNull = bool(cls, 'replace.null.with.default', p['replace.null.with.default'], true);
  const pattern = p.format ?? '';
  const blank = pattern.trim() === '';
  if (target === 'string' && blank)
    throw new UsageError(
      `${cls}: TimestampConverter requires format option to be specified when using string timestamps`,
    );
  const items = blank ? undefined : compileDatePattern(pattern, cls);

  const toMs = (kind: TsType, v: unknown): number => {
    switch (kind) {
      case 'string': {
        if (typeof v !== 'string')
          throw new TransformError(`Expected string timestamp to be a String, but found class ${javaClassOf(v)}`);
        if (!items) throw new NotEmulable(`${cls}: a string timestamp without "format" fails in the worker`);
        checkParsable(items, pattern, cls);
        const ms = parseDate(items, v, cls);
        if (ms === null)
          throw new TransformError(`Could not parse timestamp: value (${v}) does not match pattern (${pattern})`);
        return ms;
      }
      case 'unix': {
        if (typeof v !== 'number' || !Number.isInteger(v))
          throw new TransformError(`Expected Unix timestamp to be a Long, but found class ${javaClassOf(v)}`);
        if (precision === 'seconds') return v * 1000;
        if (precision === 'microseconds') return Math.trunc(v / 1000) + 0;
        if (precision === 'nanoseconds') return Math.trunc(v / 1_000_000) + 0;
        return v;
      }
      case 'Date':
        return (v as number) * DAY_MS;
      default:
        return v as number; // Time (ms of the day), Timestamp (epoch ms)
    }
  };
  const fromMs = (ms: number): unknown => {
    switch (target) {
      case 'string':
        return formatDate(items as NonNullable<typeof items>, ms, cls);
      case 'unix':
        if (precision === 'seconds') return Math.trunc(ms / 1000) + 0;
        if (precision === 'microseconds') return ms * 1000;
        if (precision === 'nanoseconds') return ms * 1_000_000;
        return ms;
      case 'Date':
        return Math.floor(ms / DAY_MS);
      case 'Time':
        return ((ms % DAY_MS) + DAY_MS) % DAY_MS;
      case 'Timestamp':
        return ms;
    }
  };
  const kindOf = (s: Schema): TsType => {
    if (s.name === LOGICAL.timestamp) return 'Timestamp';
    if (s.name === LOGICAL.date) return 'Date';
    if (s.name === LOGICAL.time) return 'Time';
    if (s.type === 'string') return 'string';
    if (s.type === 'int64') return 'unix';
    const shown = s.name ? `${s.name}:${s.type.toUpperCase()}` : s.type.toUpperCase();
    throw new TransformError(`Schema Schema{${shown}} does not correspond to a known timestamp type format`);
  };
  const infer = (v: unknown): TsType => {
    if (typeof v === 'string') return 'string';
    if (typeof v === 'number' && Number.isInteger(v)) return 'unix';
    throw new TransformError(`TimestampConverter does not support class ${javaClassOf(v)} objects as timestamps`);
  };
  const convert = (v: unknown, kind: TsType | undefined) =>
    v === null || v === undefined ? null : fromMs(toMs(kind ?? infer(v), v));

  return (r) => {
    const {schema, value} = get(r, side);
    if (!schema) {
      if (value === null || value === undefined || fieldName === '')
        return put(r, side, null, convert(value, undefined));
      if (!isStruct(value))
        throw new TransformError(
          `Only Map objects supported in absence of schema for [converting timestamp formats], found: ${javaClassOf(value)}`,
        );
      return put(r, side, null, {...value, [fieldName]: convert(value[fieldName] ?? null, undefined)});
    }
    if (fieldName === '') {
      const kind = kindOf(schema);
      return put(r, side, tsSchema(target, schema.optional ?? false), convert(value, kind));
    }
    const v =
      value === null || value === undefined ? null : requireStruct('converting timestamp formats', value, schema);
    if (schema.type !== 'struct') throw new TransformError('Cannot list fields on non-struct type');
    const fields: Field[] = (schema.fields ?? []).map((f) =>
      f.field === fieldName ? {...tsSchema(target, f.optional ?? false), field: f.field} : f,
    );
    const updated = structSchema(schema, fields);
    if (v === null) return put(r, side, updated, null);
    const out: Record<string, unknown> = {};
    for (const f of schema.fields ?? []) {
      let x = v[f.field] ?? null;
      if (x === null && replaceNull && f.default !== undefined) x = f.default;
      out[f.field] = f.field === fieldName ? convert(x, kindOf(f)) : x;
    }
    return put(r, side, updated, out);
  };
}

const K = 'org.apache.kafka.connect.transforms.';
export const CONVERT_TRANSFORMS: Record<string, (cls: string, p: Props) => Transform> = {
  [`${K}Cast$Key`]: cast,
  [`${K}Cast$Value`]: cast,
  [`${K}TimestampConverter$Key`]: timestampConverter,
  [`${K}TimestampConverter$Value`]: timestampConverter,
};
