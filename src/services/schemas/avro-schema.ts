import {UsageError} from '../../errors.js';

/**
 * An Avro schema parsed and validated the way Avro's own parser does it (names, namespaces, aliases,
 * defaults), into a tree whose named-type references stay references: a recursive schema is a finite
 * tree plus a table of names, so that every walk over it can bound itself with a visited set. Pure logic.
 */

export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Logical-type attributes kept for display (Avro's resolution ignores them). */
export interface Logical {
  logicalType?: string;
  precision?: number;
  scale?: number;
}

export interface AvroField {
  name: string;
  type: AvroNode;
  hasDefault: boolean;
  default?: unknown;
  doc?: string;
  aliases: string[];
}

export type AvroNode =
  | ({kind: 'primitive'; name: PrimitiveName} & Logical)
  | AvroNamed
  | {kind: 'array'; items: AvroNode}
  | {kind: 'map'; values: AvroNode}
  | {kind: 'union'; branches: AvroNode[]}
  /** A use of a named type defined elsewhere (or later, or in itself). */
  | {kind: 'ref'; fullName: string};

interface NamedBase {
  fullName: string;
  /** The unqualified name, which Avro's resolution compares. */
  name: string;
  /** Full names. */
  aliases: string[];
  doc?: string;
}
export type AvroRecord = NamedBase & {kind: 'record'; fields: AvroField[]; byName: Map<string, AvroField>};
export type AvroEnum = NamedBase & {kind: 'enum'; symbols: string[]; default?: string};
export type AvroFixed = NamedBase & {kind: 'fixed'; size: number} & Logical;
export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;

export interface AvroSchema {
  root: AvroNode;
  /** Every named type by full name (those of referenced schemas too). */
  named: Map<string, AvroNamed>;
}

/** Avro 1.12's default name validator accepts Unicode letters and digits. */
const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

function invalid(message: string): never {
  throw new UsageError(`invalid Avro schema: ${message}`);
}

function checkFullName(full: string, what: string): void {
  for (const part of full.split('.')) if (!NAME.test(part)) invalid(`${what} "${full}" is not a valid Avro name`);
}

function qualify(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string | undefined {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? undefined : fullName.slice(0, i);
}

/**
 * Parses schema text (and the texts of the schemas it references, whose named types it may use), or
 * throws a UsageError that says what is wrong, like the registry would.
 */
export function parseAvroSchema(text: string, references: string[] = []): AvroSchema {
  const named = new Map<string, AvroNamed>();
  const pendingRefs: Array<{name: string; namespace?: string; node: {kind: 'ref'; fullName: string}}> = [];
  const json = (t: string): unknown => {
    try {
      return JSON.parse(t);
    } catch (err) {
      throw new UsageError(`not valid Avro schema JSON: ${(err as Error).message}`);
    }
  };
  const parser = new Parser(named, pendingRefs);
  for (const r of references) parser.node(nestingChecked(json(r)), undefined);
  const root = parser.node(nestingChecked(json(text)), undefined);
  for (const p of pendingRefs) {
    // a bare name is looked up in the enclosing namespace first, then in the null namespace (as Avro does)
    const full = named.has(qualify(p.name, p.namespace)) ? qualify(p.name, p.namespace) : p.name;
    if (!named.has(full)) invalid(`unknown type "${p.name}"${p.namespace ? ` (namespace ${p.namespace})` : ''}`);
    p.node.fullName = full;
  }
  for (const v of parser.defaults) if (!validDefault(v.type, v.value, named)) invalid(v.message);
  return {root, named};
}

class Parser {
  readonly defaults: Array<{type: AvroNode; value: unknown; message: string}> = [];
  constructor(
    private readonly named: Map<string, AvroNamed>,
    private readonly pendingRefs: Array<{name: string; namespace?: string; node: {kind: 'ref'; fullName: string}}>,
  ) {}

  node(t: unknown, ns: string | undefined): AvroNode {
    if (typeof t === 'string') {
      if (PRIMITIVES.has(t)) return {kind: 'primitive', name: t as PrimitiveName};
      checkFullName(t, 'type name');
      const ref = {kind: 'ref' as const, fullName: t};
      this.pendingRefs.push({name: t, namespace: ns, node: ref});
      return ref;
    }
    if (Array.isArray(t)) {
      const branches = t.map((b) => this.node(b, ns));
      const seen = new Set<string>();
      for (const b of branches) {
        if (b.kind === 'union') invalid('a union cannot directly contain a union');
        const key =
          b.kind === 'primitive' || b.kind === 'array' || b.kind === 'map'
            ? `:${b.kind === 'primitive' ? b.name : b.kind}`
            : '';
        if (key && seen.has(key)) invalid(`a union contains ${key.slice(1)} twice`);
        if (key) seen.add(key);
      }
      return {kind: 'union', branches};
    }
    if (t === null || typeof t !== 'object') invalid(`${JSON.stringify(t)} is not a type`);
    const o = t as Record<string, unknown>;
    const type = o.type;
    if ((type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') && typeof o.name === 'string') {
      const fullName = qualify(o.name, namespaceFor(o, ns));
      const earlier = this.definitions.get(fullName);
      // compared only on a redefinition, so the cost stays linear
      if (earlier && earlier.ns === ns && JSON.stringify(earlier.json) === JSON.stringify(o))
        return {kind: 'ref', fullName};
      if (!earlier) this.definitions.set(fullName, {json: o, ns});
    }
    if (type === 'record' || type === 'error') return this.record(o, ns);
    if (type === 'enum') return this.enumType(o, ns);
    if (type === 'fixed') return this.fixed(o, ns);
    if (type === 'array') {
      if (!('items' in o)) invalid('an array has no "items"');
      return {kind: 'array', items: this.node(o.items, ns)};
    }
    if (type === 'map') {
      if (!('values' in o)) invalid('a map has no "values"');
      return {kind: 'map', values: this.node(o.values, ns)};
    }
    if (typeof type === 'string' && PRIMITIVES.has(type))
      return {kind: 'primitive', name: type as PrimitiveName, ...logical(o)};
    if (type === undefined) invalid(`${JSON.stringify(t).slice(0, 80)} has no "type"`);
    // {"type": "SomeName"} or {"type": {...}}: a wrapped type
    return this.node(type, ns);
  }

  /** The JSON object of each definition: Avro accepts a named type defined again identically. */
  private readonly definitions = new Map<string, {json: unknown; ns?: string}>();

  private define<T extends AvroNamed>(
    o: Record<string, unknown>,
    ns: string | undefined,
    make: (base: NamedBase) => T,
  ): T {
    if (typeof o.name !== 'string') invalid(`a ${o.type} has no "name"`);
    const fullName = qualify(o.name, namespaceFor(o, ns));
    checkFullName(fullName, `${o.type} name`);
    if (PRIMITIVES.has(o.name)) invalid(`"${o.name}" cannot be redefined`);
    if (this.named.has(fullName)) invalid(`"${fullName}" is defined twice`);
    const space = namespaceOf(fullName);
    const aliases = Array.isArray(o.aliases) ? o.aliases.map((a) => qualify(String(a), space)) : [];
    for (const a of aliases) checkFullName(a, 'alias');
    const node = make({
      fullName,
      name: fullName.slice(fullName.lastIndexOf('.') + 1),
      aliases,
      ...(typeof o.doc === 'string' ? {doc: o.doc} : {}),
    });
    this.named.set(fullName, node);
    return node;
  }

  private record(o: Record<string, unknown>, ns: string | undefined): AvroRecord {
    if (!Array.isArray(o.fields)) invalid(`record "${String(o.name)}" has no "fields" array`);
    const rec = this.define(o, ns, (base) => ({
      ...base,
      kind: 'record' as const,
      fields: [] as AvroField[],
      byName: new Map(),
    }));
    const space = namespaceOf(rec.fullName);
    for (const f of o.fields as unknown[]) {
      if (!f || typeof f !== 'object') invalid(`record "${rec.fullName}" has a field that is not an object`);
      const fo = f as Record<string, unknown>;
      if (typeof fo.name !== 'string' || !NAME.test(fo.name))
        invalid(`record "${rec.fullName}" has a field with an invalid name ${JSON.stringify(fo.name)}`);
      if (rec.byName.has(fo.name)) invalid(`record "${rec.fullName}" has two fields named "${fo.name}"`);
      if (!('type' in fo)) invalid(`field "${rec.fullName}.${fo.name}" has no "type"`);
      const field: AvroField = {
        name: fo.name,
        type: this.node(fo.type, space),
        hasDefault: 'default' in fo,
        ...('default' in fo ? {default: fo.default} : {}),
        ...(typeof fo.doc === 'string' ? {doc: fo.doc} : {}),
        aliases: Array.isArray(fo.aliases) ? fo.aliases.map(String) : [],
      };
      if (field.hasDefault)
        this.defaults.push({
          type: field.type,
          value: field.default,
          message: `the default ${JSON.stringify(field.default)?.slice(0, 60)} of field "${rec.fullName}.${field.name}" does not match its type`,
        });
      rec.fields.push(field);
      rec.byName.set(field.name, field);
    }
    return rec;
  }

  private enumType(o: Record<string, unknown>, ns: string | undefined): AvroEnum {
    if (!Array.isArray(o.symbols)) invalid(`enum "${String(o.name)}" has no "symbols" array`);
    const symbols = o.symbols as unknown[];
    const seen = new Set<string>();
    for (const s of symbols) {
      if (typeof s !== 'string' || !NAME.test(s))
        invalid(`enum "${String(o.name)}" has an invalid symbol ${JSON.stringify(s)}`);
      if (seen.has(s)) invalid(`enum "${String(o.name)}" has the symbol "${s}" twice`);
      seen.add(s);
    }
    if (o.default !== undefined && o.default !== null && (typeof o.default !== 'string' || !seen.has(o.default)))
      invalid(`the default ${JSON.stringify(o.default)} of enum "${String(o.name)}" is not one of its symbols`);
    return this.define(o, ns, (base) => ({
      ...base,
      kind: 'enum' as const,
      symbols: symbols as string[],
      ...(typeof o.default === 'string' ? {default: o.default} : {}),
    }));
  }

  private fixed(o: Record<string, unknown>, ns: string | undefined): AvroFixed {
    if (!Number.isInteger(o.size) || (o.size as number) < 0) invalid(`fixed "${String(o.name)}" has no valid "size"`);
    return this.define(o, ns, (base) => ({...base, kind: 'fixed' as const, size: o.size as number, ...logical(o)}));
  }
}

/** The namespace a definition's name is in: its own (an empty one is the null namespace), else the enclosing one. */
function namespaceFor(o: Record<string, unknown>, ns: string | undefined): string | undefined {
  if (typeof o.namespace === 'string') return o.namespace === '' ? undefined : o.namespace;
  return ns;
}

function logical(o: Record<string, unknown>): Logical {
  return {
    ...(typeof o.logicalType === 'string' ? {logicalType: o.logicalType} : {}),
    ...(typeof o.precision === 'number' ? {precision: o.precision} : {}),
    ...(typeof o.scale === 'number' ? {scale: o.scale} : {}),
  };
}

/** Avro's parser (Jackson) refuses JSON nested deeper than this; so does cdcctl, which keeps every walk's recursion bounded. */
export const MAX_NESTING = 1000;

/** The value, when its objects and arrays nest at most MAX_NESTING deep (checked without recursion). */
export function nestingChecked(value: unknown): unknown {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (!v || typeof v !== 'object') continue;
    if (depth > MAX_NESTING)
      throw new UsageError(`the schema's JSON nests deeper than ${MAX_NESTING} levels (the registry's parser limit)`);
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return value;
}

/** The named type a node stands for (references followed), or the node itself. */
export function deref(node: AvroNode, named: Map<string, AvroNamed>): Exclude<AvroNode, {kind: 'ref'}> {
  if (node.kind !== 'ref') return node;
  const def = named.get(node.fullName);
  if (!def) invalid(`unknown type "${node.fullName}"`);
  return def;
}

/** Avro's default-value validation. Bounded by the value's size (a record default nests no deeper than the value). */
function validDefault(type: AvroNode, value: unknown, named: Map<string, AvroNamed>): boolean {
  const t = deref(type, named);
  switch (t.kind) {
    case 'primitive':
      switch (t.name) {
        case 'null':
          return value === null;
        case 'boolean':
          return typeof value === 'boolean';
        case 'int':
        case 'long':
          return typeof value === 'number' && Number.isInteger(value);
        case 'float':
        case 'double':
          return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
        default:
          return typeof value === 'string';
      }
    case 'fixed':
      return typeof value === 'string';
    case 'enum':
      return typeof value === 'string'; // Avro 1.12 does not check the symbol here
    case 'array':
      return Array.isArray(value) && value.every((v) => validDefault(t.items, v, named));
    case 'map':
      return (
        !!value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => validDefault(t.values, v, named))
      );
    case 'record': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
      const obj = value as Record<string, unknown>;
      return t.fields.every((f) => (f.name in obj ? validDefault(f.type, obj[f.name], named) : f.hasDefault));
    }
    case 'union':
      // Avro 1.12 accepts a default matching any branch
      return t.branches.some((b) => validDefault(b, value, named));
  }
}

/** A short human form: `long(timestamp-millis)`, `null|string`, `array<Item>`, `enum Status`, `fixed Hash[16]`. */
export function typeText(node: AvroNode, named: Map<string, AvroNamed>): string {
  const t = node.kind === 'ref' ? named.get(node.fullName) : node;
  if (!t) return (node as {fullName: string}).fullName;
  switch (t.kind) {
    case 'primitive':
      return t.logicalType ? `${t.name}(${logicalText(t)})` : t.name;
    case 'record':
      return t.name;
    case 'enum':
      return `enum ${t.name}`;
    case 'fixed':
      return `fixed ${t.name}[${t.size}]${t.logicalType ? `(${logicalText(t)})` : ''}`;
    case 'array':
      return `array<${typeText(t.items, named)}>`;
    case 'map':
      return `map<${typeText(t.values, named)}>`;
    case 'union':
      return t.branches.map((b) => typeText(b, named)).join('|');
  }
}

export function logicalText(l: Logical): string {
  if (l.logicalType === 'decimal') return `decimal(${l.precision ?? '?'},${l.scale ?? 0})`;
  return l.logicalType ?? '';
}
