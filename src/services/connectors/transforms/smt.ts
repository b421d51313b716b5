import {UsageError} from '../../../errors.js';
import {CONVERT_TRANSFORMS} from './convert.js';
import {type ConnectRecord, type Field, field, type Header, type Schema} from './record.js';
import {
  get,
  javaRegex,
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

export {type Transform, TransformError} from './support.js';

/**
 * Emulations of Single Message Transforms and predicates, each proved against the real Connect
 * worker by a differential test (test/integration/transforms-differential.test.ts). A class not
 * listed here is refused: a dry run that guessed would be worse than none.
 */

// --- org.apache.kafka.connect.transforms.* ------------------------------------------------------------

function replaceField(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const exclude = new Set(list(p.exclude ?? p.blacklist));
  const include = new Set(list(p.include ?? p.whitelist));
  const renames = new Map(
    list(p.renames).map((pair) => {
      const [from, to] = pair.split(':');
      if (!from || !to) throw new UsageError(`${cls}: renames must be old:new pairs, got "${pair}"`);
      return [from, to] as const;
    }),
  );
  const keep = (name: string) => !exclude.has(name) && (include.size === 0 || include.has(name));
  const rename = (name: string) => renames.get(name) ?? name;
  return (r) => {
    const {schema, value} = get(r, side);
    if (value === null || value === undefined) return r;
    const v = requireStruct('field replacement', value, schema);
    if (schema) {
      const fields = (schema.fields ?? []).filter((f) => keep(f.field)).map((f) => ({...f, field: rename(f.field)}));
      const out: Record<string, unknown> = {};
      for (const f of schema.fields ?? []) if (keep(f.field)) out[rename(f.field)] = v[f.field] ?? null;
      return put(r, side, structSchema(schema, fields), out);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (keep(k)) out[rename(k)] = x;
    return put(r, side, null, out);
  };
}

const MASK_BY_TYPE: Record<string, unknown> = {
  boolean: false,
  int8: 0,
  int16: 0,
  int32: 0,
  int64: 0,
  float32: 0,
  float64: 0,
  float: 0, // FLOAT32 and FLOAT64 as JsonConverter's schemas name them
  double: 0,
  string: '',
};

function maskValue(cls: string, type: string, replacement: string | undefined): unknown {
  if (replacement === undefined) {
    if (!(type in MASK_BY_TYPE)) throw new UsageError(`${cls}: cannot emulate masking a ${type} field`);
    return MASK_BY_TYPE[type];
  }
  if (type === 'string') return replacement;
  if (type === 'boolean') return replacement.toLowerCase() === 'true';
  if (/^(int|float|double)/.test(type)) {
    const n = Number(replacement);
    if (Number.isNaN(n))
      throw new UsageError(`${cls}: replacement "${replacement}" is not a number for a ${type} field`);
    return n;
  }
  throw new UsageError(`${cls}: cannot emulate a replacement for a ${type} field`);
}

function maskField(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const fields = list(p.fields);
  const replacement = p.replacement;
  return (r) => {
    const {schema, value} = get(r, side);
    const v = {...requireStruct('mask fields', value, schema)};
    for (const name of fields) {
      if (v[name] === null || v[name] === undefined) continue; // a null field stays null
      if (schema) {
        const f = field(schema, name);
        if (!f) throw new UsageError(`${cls}: no field "${name}" in the ${side}`);
        v[name] = maskValue(cls, f.type, replacement);
      } else if (name in v) {
        const x = v[name];
        const type = typeof x === 'boolean' ? 'boolean' : typeof x === 'number' ? 'float64' : 'string';
        v[name] = maskValue(cls, type, replacement);
      }
    }
    return put(r, side, schema, v);
  };
}

function insertField(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const spec = (key: string) => {
    const raw = p[key];
    if (!raw) return undefined;
    const optional = !raw.endsWith('!');
    return {name: raw.replace(/[!?]$/, ''), optional};
  };
  const topicF = spec('topic.field');
  const partitionF = spec('partition.field');
  const staticF = spec('static.field');
  for (const k of ['offset.field', 'timestamp.field']) {
    if (p[k]) throw new UsageError(`${cls}: ${k} is not emulated (it depends on what the worker assigns)`);
  }
  return (r) => {
    const {schema, value} = get(r, side);
    if (value === null || value === undefined) return r; // InsertField passes tombstones on
    const v = {...requireStruct('field insertion', value, schema)};
    const extra: Field[] = [];
    if (topicF) {
      v[topicF.name] = r.topic;
      extra.push({field: topicF.name, type: 'string', optional: topicF.optional});
    }
    if (partitionF) {
      v[partitionF.name] = r.partition;
      extra.push({field: partitionF.name, type: 'int32', optional: partitionF.optional});
    }
    if (staticF) {
      v[staticF.name] = p['static.value'] ?? null;
      extra.push({field: staticF.name, type: 'string', optional: staticF.optional});
    }
    if (!schema) return put(r, side, null, v);
    return put(r, side, structSchema(schema, [...(schema.fields ?? []), ...extra]), v);
  };
}

function valueToKey(cls: string, p: Props): Transform {
  const fields = list(p.fields);
  if (fields.length === 0) throw new UsageError(`${cls}: "fields" is required`);
  return (r) => {
    const v = requireStruct('copying fields from value to key', r.value, r.valueSchema);
    const key: Record<string, unknown> = {};
    for (const name of fields) key[name] = v[name] ?? null;
    if (!r.valueSchema) return {...r, keySchema: null, key};
    const keyFields = fields.map((name) => {
      const f = field(r.valueSchema, name);
      if (!f) throw new UsageError(`${cls}: no field "${name}" in the value`);
      return f;
    });
    return {...r, keySchema: {type: 'struct', fields: keyFields, optional: false}, key};
  };
}

function extractField(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const name = p.field;
  if (!name) throw new UsageError(`${cls}: "field" is required`);
  if ((p['field.syntax.version'] ?? 'V1').toUpperCase() !== 'V1')
    throw new UsageError(`${cls}: field.syntax.version ${p['field.syntax.version']} is not emulated`);
  return (r) => {
    const {schema, value} = get(r, side);
    if (value === null || value === undefined) return put(r, side, schema ? (field(schema, name) ?? null) : null, null);
    const v = requireStruct('field extraction', value, schema);
    if (schema) {
      const f = field(schema, name);
      if (!f) throw new UsageError(`${cls}: no field "${name}" in the ${side}`);
      const {field: _n, ...fieldSchema} = f;
      return put(r, side, fieldSchema, v[name] ?? null);
    }
    return put(r, side, null, v[name] ?? null);
  };
}

function regexRouter(cls: string, p: Props): Transform {
  if (!p.regex || p.replacement === undefined) throw new UsageError(`${cls}: "regex" and "replacement" are required`);
  const re = javaRegex(p.regex);
  const replacement = p.replacement.replace(/\$\{(\w+)\}/g, '$<$1>');
  return (r) => (re.test(r.topic) ? {...r, topic: r.topic.replace(re, replacement)} : r);
}

function headerFrom(cls: string, p: Props): Transform {
  const side = sideOf(cls) as Side;
  const fields = list(p.fields);
  const headers = list(p.headers);
  const op = p.operation;
  if (fields.length !== headers.length)
    throw new UsageError(`${cls}: "fields" and "headers" must have the same length`);
  if (op !== 'move' && op !== 'copy') throw new UsageError(`${cls}: "operation" must be move or copy`);
  return (r) => {
    const {schema, value} = get(r, side);
    const v = requireStruct(`header ${op}`, value, schema);
    const added: Header[] = fields.map((f, i) => ({key: headers[i] as string, value: v[f] ?? null}));
    let out: ConnectRecord = {...r, headers: [...r.headers, ...added]};
    if (op === 'move') {
      const rest: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (!fields.includes(k)) rest[k] = x;
      const s = schema
        ? structSchema(
            schema,
            (schema.fields ?? []).filter((f) => !fields.includes(f.field)),
          )
        : null;
      out = put(out, side, s, rest);
    }
    return out;
  };
}

// --- Debezium -----------------------------------------------------------------------------------------

/**
 * io.debezium.transforms.ExtractNewRecordState: the `after` state of a change event. Deletes follow
 * delete.tombstone.handling.mode (default tombstone: a delete becomes a null value with the row's
 * schema; drop: dropped; rewrite: the `before` state with __deleted=true); the source's tombstones
 * are dropped in every mode. add.fields appends envelope/source fields as `__<name>` (source.x as
 * `__source_x`). All of it as the worker does it (differential test).
 */
function extractNewRecordState(cls: string, p: Props): Transform {
  const legacy = p['delete.handling.mode'] !== undefined || p['drop.tombstones'] !== undefined;
  if (legacy) throw new UsageError(`${cls}: the legacy drop.tombstones/delete.handling.mode options are not emulated`);
  const mode = p['delete.tombstone.handling.mode'] ?? 'tombstone';
  if (!['drop', 'tombstone', 'rewrite'].includes(mode))
    throw new UsageError(`${cls}: delete.tombstone.handling.mode=${mode} is not emulated`);
  const prefix = p['add.fields.prefix'] ?? '__';
  const adds = list(p['add.fields']);
  for (const k of ['add.headers', 'route.by.field', 'drop.fields.header.name', 'replace.null.with.default'])
    if (p[k]) throw new UsageError(`${cls}: ${k} is not emulated`);
  return (r) => {
    // the source's own tombstones are dropped in every mode (the delete event carries the delete)
    if (r.value === null || r.value === undefined) return null;
    const env = requireStruct('ExtractNewRecordState', r.value, r.valueSchema);
    if (!('op' in env) || !('after' in env)) return r; // not a change event (heartbeat, schema change): passed on
    const op = env.op as string;
    if (op === 'd' && mode === 'drop') return null;
    // a delete becomes a null value that keeps the state's schema (JsonConverter writes {schema, payload: null})
    if (op === 'd' && mode === 'tombstone')
      return {
        ...r,
        valueSchema: stripName(field(r.valueSchema, 'before') ?? field(r.valueSchema, 'after')) ?? null,
        value: null,
      };
    const state = (op === 'd' ? env.before : env.after) as Record<string, unknown> | null;
    const stateSchema = r.valueSchema ? field(r.valueSchema, op === 'd' ? 'before' : 'after') : undefined;
    let value: Record<string, unknown> = {...(state ?? {})};
    let fields: Field[] = [...(stateSchema?.fields ?? [])];
    const addField = (name: string, v: unknown, s: Schema | undefined) => {
      value[name] = v ?? null;
      fields.push({...(s ?? {type: 'string'}), optional: true, field: name});
    };
    for (const spec of adds) {
      const [path, alias] = spec.split(':');
      const parts = (path ?? '').split('.');
      const source = env.source as Record<string, unknown> | undefined;
      const sourceSchema = r.valueSchema ? field(r.valueSchema, 'source') : undefined;
      if (parts.length === 2 && parts[0] === 'source') {
        const f = field(sourceSchema ?? null, parts[1] as string);
        addField(alias ?? `${prefix}source_${parts[1]}`, source?.[parts[1] as string], stripName(f));
      } else if (parts.length === 1) {
        const top = path as string;
        if (top in env) addField(alias ?? `${prefix}${top}`, env[top], stripName(field(r.valueSchema, top)));
        else addField(alias ?? `${prefix}${top}`, source?.[top], stripName(field(sourceSchema ?? null, top)));
      } else throw new UsageError(`${cls}: add.fields entry "${spec}" is not emulated`);
    }
    if (mode === 'rewrite') addField(`${prefix}deleted`, op === 'd' ? 'true' : 'false', {type: 'string'});
    if (!r.valueSchema || !stateSchema) return {...r, valueSchema: null, value};
    // the state as a record of its own: its schema is not optional (Debezium's updated schema)
    if (fields.length === (stateSchema.fields ?? []).length)
      return {...r, valueSchema: {...(stripName(stateSchema) as Schema), optional: false}, value};
    // a state with fields added is a new schema, not optional (as Debezium's SchemaBuilder makes it)
    const out = {...structSchema(stateSchema, fields), optional: false};
    value = Object.fromEntries(fields.map((f) => [f.field, value[f.field] ?? null]));
    fields = out.fields ?? [];
    return {...r, valueSchema: out, value};
  };
}

function stripName(f: Field | undefined): Schema | undefined {
  if (!f) return undefined;
  const {field: _f, ...s} = f;
  return s;
}

// --- predicates and the chain ------------------------------------------------------------------------

export type Predicate = (r: ConnectRecord) => boolean;

const PREDICATES: Record<string, (p: Props, name: string) => Predicate> = {
  'org.apache.kafka.connect.transforms.predicates.TopicNameMatches': (p, name) => {
    if (!p.pattern) throw new UsageError(`predicate ${name}: "pattern" is required`);
    const re = javaRegex(p.pattern);
    return (r) => re.test(r.topic);
  },
  'org.apache.kafka.connect.transforms.predicates.HasHeaderKey': (p, name) => {
    if (!p.name) throw new UsageError(`predicate ${name}: "name" is required`);
    return (r) => r.headers.some((h) => h.key === p.name);
  },
  'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone': () => (r) =>
    r.value === null || r.value === undefined,
};

const K = 'org.apache.kafka.connect.transforms.';
const TRANSFORMS: Record<string, (cls: string, p: Props) => Transform> = {
  [`${K}ReplaceField$Key`]: replaceField,
  [`${K}ReplaceField$Value`]: replaceField,
  [`${K}MaskField$Key`]: maskField,
  [`${K}MaskField$Value`]: maskField,
  [`${K}InsertField$Key`]: insertField,
  [`${K}InsertField$Value`]: insertField,
  [`${K}ValueToKey`]: valueToKey,
  [`${K}ExtractField$Key`]: extractField,
  [`${K}ExtractField$Value`]: extractField,
  [`${K}RegexRouter`]: regexRouter,
  [`${K}HeaderFrom$Key`]: headerFrom,
  [`${K}HeaderFrom$Value`]: headerFrom,
  [`${K}Filter`]: () => () => null, // drops what reaches it: the predicate decides what does
  ...CONVERT_TRANSFORMS,
  'io.debezium.transforms.ExtractNewRecordState': extractNewRecordState,
};

export const EMULATED_TRANSFORMS = Object.keys(TRANSFORMS).sort();
export const EMULATED_PREDICATES = Object.keys(PREDICATES).sort();

export interface ChainStep {
  alias: string;
  cls: string;
  predicate?: {alias: string; negate: boolean};
  apply: Transform;
}

/** The connector's `transforms` chain and `predicates`, built from its config; unknown classes refused. */
export function buildChain(config: Record<string, string>): ChainStep[] {
  const predicates = new Map<string, Predicate>();
  for (const alias of list(config.predicates)) {
    const cls = config[`predicates.${alias}.type`];
    if (!cls) throw new UsageError(`predicate "${alias}" has no predicates.${alias}.type`);
    const make = PREDICATES[cls];
    if (!make)
      throw new UsageError(`predicate ${alias}: ${cls} cannot be emulated`, {
        hint: `Emulated predicates: ${EMULATED_PREDICATES.map((c) => c.split('.').pop()).join(', ')}.`,
      });
    predicates.set(alias, make(propsOf(config, `predicates.${alias}.`), alias));
  }
  return list(config.transforms).map((alias) => {
    const cls = config[`transforms.${alias}.type`];
    if (!cls) throw new UsageError(`transform "${alias}" has no transforms.${alias}.type`);
    const make = TRANSFORMS[cls];
    if (!make)
      throw new UsageError(`transform ${alias}: ${cls} cannot be emulated, so the chain cannot be dry-run`, {
        hint: `Emulated: ${EMULATED_TRANSFORMS.map((c) => c.replace(K, '').replace('io.debezium.transforms.', '')).join(', ')}.`,
      });
    const props = propsOf(config, `transforms.${alias}.`);
    const pred = props.predicate;
    if (pred !== undefined && !predicates.has(pred))
      throw new UsageError(`transform ${alias}: predicate "${pred}" is not defined in "predicates"`);
    return {
      alias,
      cls,
      predicate: pred === undefined ? undefined : {alias: pred, negate: props.negate === 'true'},
      apply: make(cls, props),
    };
  });
  function propsOf(c: Record<string, string>, prefix: string): Props {
    return Object.fromEntries(
      Object.entries(c)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  }
  // (predicates is read by the closures above)
}

export interface StepTrace {
  alias: string;
  cls: string;
  /** skipped: the predicate did not match (the record passed unchanged); failed: the real task would fail here. */
  outcome: 'changed' | 'unchanged' | 'dropped' | 'skipped' | 'failed';
  after: ConnectRecord | null;
  error?: string;
}

/** Runs the chain on one record, step by step. */
export function runChain(
  chain: ChainStep[],
  config: Record<string, string>,
  input: ConnectRecord,
): {output: ConnectRecord | null; steps: StepTrace[]; error?: string} {
  const predicates = new Map<string, Predicate>();
  for (const alias of list(config.predicates)) {
    const make = PREDICATES[config[`predicates.${alias}.type`] ?? ''];
    if (make)
      predicates.set(
        alias,
        make(
          Object.fromEntries(
            Object.entries(config)
              .filter(([k]) => k.startsWith(`predicates.${alias}.`))
              .map(([k, v]) => [k.slice(`predicates.${alias}.`.length), v]),
          ),
          alias,
        ),
      );
  }
  const steps: StepTrace[] = [];
  let current: ConnectRecord | null = input;
  for (const s of chain) {
    if (current === null) break;
    if (s.predicate) {
      const matched = (predicates.get(s.predicate.alias) as Predicate)(current);
      if (matched === s.predicate.negate) {
        steps.push({alias: s.alias, cls: s.cls, outcome: 'skipped', after: current});
        continue;
      }
    }
    const before = JSON.stringify(current);
    let next: ConnectRecord | null;
    try {
      next = s.apply(structuredClone(current));
    } catch (err) {
      if (!(err instanceof TransformError)) throw err;
      steps.push({alias: s.alias, cls: s.cls, outcome: 'failed', after: null, error: err.message});
      return {output: null, steps, error: `${s.alias} (${s.cls}): ${err.message}`};
    }
    steps.push({
      alias: s.alias,
      cls: s.cls,
      outcome: next === null ? 'dropped' : JSON.stringify(next) === before ? 'unchanged' : 'changed',
      after: next,
    });
    current = next;
  }
  return {output: current, steps};
}
