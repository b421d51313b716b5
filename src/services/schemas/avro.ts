import {UsageError} from '../../errors.js';

/**
 * Avro schemas as fields: flattening a record (nested records become `a.b` paths) and a field-level
 * evolution diff with Avro's schema-resolution rules deciding, per change, whether it is backward
 * compatible (the new schema reads data written with the old one) and forward compatible (the old
 * schema reads data written with the new one). Pure logic, no I/O.
 */

type Avro = string | AvroObject | Avro[];
interface AvroObject {
  type: Avro;
  name?: string;
  namespace?: string;
  fields?: AvroField[];
  symbols?: string[];
  items?: Avro;
  values?: Avro;
  size?: number;
  logicalType?: string;
  default?: unknown;
  aliases?: string[];
  doc?: string;
}
interface AvroField {
  name: string;
  type: Avro;
  default?: unknown;
  doc?: string;
  aliases?: string[];
}

/** A resolved type, comparable structurally. Named types keep their name; records are not expanded. */
export type TypeNode =
  | {kind: 'primitive'; name: string; logical?: string}
  | {kind: 'record'; name: string; aliases: string[]}
  | {kind: 'enum'; name: string; symbols: string[]; default?: string}
  | {kind: 'fixed'; name: string; size: number; logical?: string}
  | {kind: 'array'; items: TypeNode}
  | {kind: 'map'; values: TypeNode}
  | {kind: 'union'; branches: TypeNode[]};

export interface FieldInfo {
  /** Dotted path from the top-level record (`address.street`). */
  path: string;
  name: string;
  type: TypeNode;
  /** Short human form: `long(timestamp-millis)`, `null|string`, `array<string>`, `enum Status{A,B}`. */
  typeText: string;
  hasDefault: boolean;
  default?: unknown;
  doc?: string;
  aliases: string[];
}

export type ChangeKind =
  | 'added'
  | 'removed'
  | 'renamed'
  | 'type-changed'
  | 'default-added'
  | 'default-removed'
  | 'default-changed'
  | 'doc-changed'
  | 'aliases-changed';

export interface FieldChange {
  kind: ChangeKind;
  path: string;
  /** For `renamed`: the old path. */
  from?: string;
  before?: string;
  after?: string;
  /** The new schema can read data written with the old one. */
  backward: boolean;
  /** The old schema can read data written with the new one. */
  forward: boolean;
  reason: string;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export function parseAvro(text: string): Avro {
  try {
    return JSON.parse(text) as Avro;
  } catch (err) {
    throw new UsageError(`not valid Avro schema JSON: ${(err as Error).message}`);
  }
}

/** The fields of a record schema, depth first; a non-record schema has one pseudo-field `<value>`. */
export function avroFields(schemaText: string): FieldInfo[] {
  const root = parseAvro(schemaText);
  const named = new Map<string, AvroObject>();
  const out: FieldInfo[] = [];
  const rootNode = resolve(root, undefined, named);
  const rootObj = typeof root === 'object' && !Array.isArray(root) ? root : undefined;
  if (rootNode.kind === 'record' && rootObj) walk(rootObj, '', rootObj.namespace, named, out, new Set());
  else
    out.push({
      path: '<value>',
      name: '<value>',
      type: rootNode,
      typeText: typeText(rootNode),
      hasDefault: false,
      aliases: [],
    });
  return out;
}

function fullName(name: string, namespace?: string): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function resolve(t: Avro, ns: string | undefined, named: Map<string, AvroObject>): TypeNode {
  if (Array.isArray(t)) return {kind: 'union', branches: t.map((b) => resolve(b, ns, named))};
  if (typeof t === 'string') {
    if (PRIMITIVES.has(t)) return {kind: 'primitive', name: t};
    const def = named.get(fullName(t, ns)) ?? named.get(t);
    if (def) return resolve(def, def.namespace ?? ns, named);
    return {kind: 'record', name: t, aliases: []};
  }
  if (t === null || typeof t !== 'object') throw new UsageError(`invalid Avro type: ${JSON.stringify(t)}`);
  const type = t.type;
  if (typeof type === 'string' && ['record', 'error', 'enum', 'fixed'].includes(type)) {
    const name = fullName(t.name ?? '', t.namespace ?? ns);
    if (!named.has(name)) named.set(name, {...t, namespace: t.namespace ?? ns});
    const space = t.namespace ?? (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : ns);
    if (type === 'enum')
      return {
        kind: 'enum',
        name,
        symbols: t.symbols ?? [],
        ...(typeof t.default === 'string' ? {default: t.default} : {}),
      };
    if (type === 'fixed') return {kind: 'fixed', name, size: t.size ?? 0, logical: t.logicalType};
    for (const f of t.fields ?? []) resolve(f.type, space, named);
    return {kind: 'record', name, aliases: (t.aliases ?? []).map((a) => fullName(a, space))};
  }
  if (type === 'array') return {kind: 'array', items: resolve(t.items ?? 'null', ns, named)};
  if (type === 'map') return {kind: 'map', values: resolve(t.values ?? 'null', ns, named)};
  const inner = resolve(type, ns, named);
  if (inner.kind === 'primitive' && t.logicalType) return {...inner, logical: t.logicalType};
  return inner;
}

function walk(
  rec: AvroObject,
  prefix: string,
  ns: string | undefined,
  named: Map<string, AvroObject>,
  out: FieldInfo[],
  seen: Set<string>,
): void {
  const space = rec.namespace ?? ns;
  const recName = fullName(rec.name ?? '', space);
  if (seen.has(recName)) return; // recursive types: stop at the second visit
  const nextSeen = new Set(seen).add(recName);
  for (const f of rec.fields ?? []) {
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    const node = resolve(f.type, space, named);
    out.push({
      path,
      name: f.name,
      type: node,
      typeText: typeText(node),
      hasDefault: 'default' in f,
      ...('default' in f ? {default: f.default} : {}),
      ...(f.doc === undefined ? {} : {doc: f.doc}),
      aliases: f.aliases ?? [],
    });
    // nested records (directly or as the non-null branch of an optional) contribute their fields
    const nested = nestedRecord(node, named);
    if (nested) walk(nested, path, space, named, out, nextSeen);
  }
}

function nestedRecord(node: TypeNode, named: Map<string, AvroObject>): AvroObject | undefined {
  if (node.kind === 'record') return named.get(node.name);
  if (node.kind === 'union') {
    const records = node.branches.filter((b) => b.kind === 'record');
    if (records.length === 1 && records[0]) return named.get((records[0] as {name: string}).name);
  }
  return undefined;
}

export function typeText(t: TypeNode): string {
  switch (t.kind) {
    case 'primitive':
      return t.logical ? `${t.name}(${t.logical})` : t.name;
    case 'record':
      return shortName(t.name);
    case 'enum':
      return `enum ${shortName(t.name)}{${t.symbols.join(',')}}`;
    case 'fixed':
      return `fixed ${shortName(t.name)}[${t.size}]`;
    case 'array':
      return `array<${typeText(t.items)}>`;
    case 'map':
      return `map<${typeText(t.values)}>`;
    case 'union':
      return t.branches.map(typeText).join('|');
  }
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Avro schema resolution: can a reader of type `reader` read data written as `writer`? */
export function canRead(reader: TypeNode, writer: TypeNode): boolean {
  if (writer.kind === 'union') return writer.branches.every((w) => canRead(reader, w));
  if (reader.kind === 'union') return reader.branches.some((r) => canRead(r, writer));
  switch (reader.kind) {
    case 'primitive':
      return (
        writer.kind === 'primitive' &&
        (writer.name === reader.name || (PROMOTIONS[writer.name] ?? []).includes(reader.name))
      );
    case 'record':
      return (
        writer.kind === 'record' &&
        (shortName(writer.name) === shortName(reader.name) ||
          reader.aliases.map(shortName).includes(shortName(writer.name)))
      );
    case 'enum':
      return (
        writer.kind === 'enum' &&
        (reader.default !== undefined || writer.symbols.every((s) => reader.symbols.includes(s)))
      );
    case 'fixed':
      return (
        writer.kind === 'fixed' && writer.size === reader.size && shortName(writer.name) === shortName(reader.name)
      );
    case 'array':
      return writer.kind === 'array' && canRead(reader.items, writer.items);
    case 'map':
      return writer.kind === 'map' && canRead(reader.values, writer.values);
  }
}

/** The field-level changes from `oldText` to `newText`, each with its compatibility. */
export function diffAvro(oldText: string, newText: string): FieldChange[] {
  const before = avroFields(oldText);
  const after = avroFields(newText);
  const oldByPath = new Map(before.map((f) => [f.path, f]));
  const newByPath = new Map(after.map((f) => [f.path, f]));
  const changes: FieldChange[] = [];
  const renamedFrom = new Set<string>();

  for (const n of after) {
    const o = oldByPath.get(n.path);
    if (o) {
      changes.push(...compareField(o, n));
      continue;
    }
    const parent = n.path.includes('.') ? n.path.slice(0, n.path.lastIndexOf('.') + 1) : '';
    const alias = n.aliases.map((a) => `${parent}${a}`).find((p) => oldByPath.has(p) && !newByPath.has(p));
    if (alias) {
      const old = oldByPath.get(alias) as FieldInfo;
      renamedFrom.add(alias);
      changes.push({
        kind: 'renamed',
        path: n.path,
        from: alias,
        before: old.name,
        after: n.name,
        backward: true,
        forward: old.hasDefault,
        reason: old.hasDefault
          ? 'the new field lists the old name as an alias; old readers fall back to their default'
          : 'the new field lists the old name as an alias, but old readers do not know the new name and have no default',
      });
      changes.push(...compareField({...old, path: n.path}, n).filter((c) => c.kind !== 'aliases-changed'));
      continue;
    }
    if (isUnderNewOrRemovedParent(n.path, oldByPath)) continue;
    changes.push({
      kind: 'added',
      path: n.path,
      after: n.typeText,
      backward: n.hasDefault,
      forward: true,
      reason: n.hasDefault
        ? 'added with a default: new readers fill it in for old data'
        : 'added without a default: new readers cannot read old data that lacks it',
    });
  }
  for (const o of before) {
    if (newByPath.has(o.path) || renamedFrom.has(o.path)) continue;
    if (isUnderNewOrRemovedParent(o.path, newByPath)) continue;
    changes.push({
      kind: 'removed',
      path: o.path,
      before: o.typeText,
      backward: true,
      forward: o.hasDefault,
      reason: o.hasDefault
        ? 'removed; old readers use their default'
        : 'removed, and it had no default: old readers cannot read new data',
    });
  }
  return changes;
}

/** A nested field whose parent record itself was added or removed is reported with the parent only. */
function isUnderNewOrRemovedParent(path: string, other: Map<string, FieldInfo>): boolean {
  if (!path.includes('.')) return false;
  const parent = path.slice(0, path.lastIndexOf('.'));
  return !other.has(parent);
}

function compareField(o: FieldInfo, n: FieldInfo): FieldChange[] {
  const out: FieldChange[] = [];
  if (o.typeText !== n.typeText) {
    const backward = canRead(n.type, o.type);
    const forward = canRead(o.type, n.type);
    out.push({
      kind: 'type-changed',
      path: n.path,
      before: o.typeText,
      after: n.typeText,
      backward,
      forward,
      reason: `${o.typeText} → ${n.typeText}: ${
        backward && forward
          ? 'readable both ways'
          : backward
            ? 'a promotion or widening: only new readers can read old data'
            : forward
              ? 'a narrowing: only old readers can read new data'
              : 'not readable in either direction'
      }`,
    });
  }
  if (o.hasDefault !== n.hasDefault || JSON.stringify(o.default) !== JSON.stringify(n.default)) {
    const kind: ChangeKind = !o.hasDefault ? 'default-added' : !n.hasDefault ? 'default-removed' : 'default-changed';
    out.push({
      kind,
      path: n.path,
      before: o.hasDefault ? JSON.stringify(o.default) : undefined,
      after: n.hasDefault ? JSON.stringify(n.default) : undefined,
      backward: true,
      forward: true,
      reason: 'defaults matter only when a field is missing on one side',
    });
  }
  if ((o.doc ?? '') !== (n.doc ?? '')) {
    out.push({
      kind: 'doc-changed',
      path: n.path,
      before: o.doc,
      after: n.doc,
      backward: true,
      forward: true,
      reason: 'documentation only',
    });
  }
  if (o.aliases.join(',') !== n.aliases.join(',')) {
    out.push({
      kind: 'aliases-changed',
      path: n.path,
      before: o.aliases.join(','),
      after: n.aliases.join(','),
      backward: true,
      forward: true,
      reason: 'aliases only help resolve renamed fields',
    });
  }
  return out;
}

/** Canonical JSON (sorted keys) so that servers' different spellings of one schema compare equal. */
export function canonicalJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  try {
    return JSON.stringify(sort(JSON.parse(text)), null, 2);
  } catch {
    return text;
  }
}
