import {Checker, type Incompatibility, namesMatch, readerWriterIncompatibilities} from './avro-compat.js';
import {
  type AvroField,
  type AvroNamed,
  type AvroNode,
  type AvroSchema,
  deref,
  type Logical,
  logicalText,
  parseAvroSchema,
  typeText,
} from './avro-schema.js';

/**
 * Avro schemas as fields: flattening (records reached through fields, arrays `[]`, maps `{}` and union
 * branches `<Name>` become paths) and a structural evolution diff whose every change carries whether it is
 * backward compatible (the new schema reads data written with the old one) and forward compatible (the old
 * schema reads data written with the new one), judged by Avro's resolution rules (avro-compat.ts). The
 * overall verdicts are Avro's own check of the whole schemas. A named type is expanded once (at its first
 * path), so recursive schemas and types used many times stay linear. Pure logic, no I/O.
 */

export type {Incompatibility} from './avro-compat.js';
export {parseAvroSchema} from './avro-schema.js';

export interface FieldInfo {
  /** Path from the top-level record (`address.street`, `lines[].sku`, `payment<Card>.number`). */
  path: string;
  name: string;
  /** Short human form: `long(timestamp-millis)`, `null|string`, `array<Item>`, `enum Status`. */
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
  | 'name-changed'
  | 'symbols-changed'
  | 'size-changed'
  | 'logical-changed'
  | 'branch-added'
  | 'branch-removed'
  | 'default-added'
  | 'default-removed'
  | 'default-changed'
  | 'enum-default-changed'
  | 'doc-changed'
  | 'aliases-changed';

export interface FieldChange {
  kind: ChangeKind;
  /** Where (`(root)` for the top-level type). */
  path: string;
  /** For `renamed`: the old path. */
  from?: string;
  before?: string;
  after?: string;
  /** The new schema can read data written with the old one, as far as this change goes. */
  backward: boolean;
  /** The old schema can read data written with the new one, as far as this change goes. */
  forward: boolean;
  reason: string;
}

export interface AvroDiff {
  changes: FieldChange[];
  /** Avro's verdicts on the whole schemas. */
  backward: boolean;
  forward: boolean;
  /** Avro's reasons, per direction (reader new / writer old, and the reverse). */
  incompatibilities: {backward: Incompatibility[]; forward: Incompatibility[]};
}

const ROOT = '(root)';
const at = (path: string) => path || ROOT;
const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** The evolution from `oldText` to `newText` (each with the texts of the schemas it references). */
export function diffAvro(
  oldText: string,
  newText: string,
  references: {before?: string[]; after?: string[]} = {},
): AvroDiff {
  const before = parseAvroSchema(oldText, references.before);
  const after = parseAvroSchema(newText, references.after);
  const backward = readerWriterIncompatibilities(after, before);
  const forward = readerWriterIncompatibilities(before, after);
  const changes = new Differ(before, after).run();
  return {changes, backward: !backward.length, forward: !forward.length, incompatibilities: {backward, forward}};
}

type Directions = {backward: boolean; forward: boolean};
const BOTH: Directions = {backward: true, forward: true};

class Differ {
  private readonly out: FieldChange[] = [];
  private readonly visited = new Map<object, Set<object>>();
  /** reader = new, writer = old */
  private readonly bw: Checker;
  /** reader = old, writer = new */
  private readonly fw: Checker;

  constructor(
    private readonly before: AvroSchema,
    private readonly after: AvroSchema,
  ) {
    this.bw = new Checker(after, before);
    this.fw = new Checker(before, after);
  }

  run(): FieldChange[] {
    this.node(this.before.root, this.after.root, '', BOTH);
    return this.out;
  }

  private text(node: AvroNode, side: 'before' | 'after'): string {
    return typeText(node, this[side].named);
  }

  /** Avro's verdicts on one pair of types, for the directions in which they are actually resolved. */
  private verdict(o: AvroNode, n: AvroNode, path: string, dirs: Directions): Directions {
    return {
      backward: !dirs.backward || this.bw.check(n, o, path).length === 0,
      forward: !dirs.forward || this.fw.check(o, n, path).length === 0,
    };
  }

  private push(change: Omit<FieldChange, 'path'> & {path: string}, dirs: Directions = BOTH): void {
    this.out.push({
      ...change,
      path: at(change.path),
      backward: change.backward || !dirs.backward,
      forward: change.forward || !dirs.forward,
    });
  }

  private node(oNode: AvroNode, nNode: AvroNode, path: string, dirs: Directions): void {
    const o = deref(oNode, this.before.named);
    const n = deref(nNode, this.after.named);
    if (isNamed(o) && isNamed(n)) {
      let seen = this.visited.get(o);
      if (!seen) {
        seen = new Set();
        this.visited.set(o, seen);
      }
      if (seen.has(n)) return; // compared already (a recursive schema, or a type used twice)
      seen.add(n);
    }
    if (o.kind === n.kind) {
      switch (o.kind) {
        case 'record':
          this.record(o, n as typeof o, path, dirs);
          return;
        case 'enum':
          this.enumType(o, n as typeof o, path, dirs);
          return;
        case 'fixed': {
          const nf = n as typeof o;
          this.namedAttributes(o, nf, path, dirs);
          if (o.size !== nf.size)
            this.push(
              {
                kind: 'size-changed',
                path,
                before: String(o.size),
                after: String(nf.size),
                backward: false,
                forward: false,
                reason: 'a fixed type must keep its size',
              },
              dirs,
            );
          this.logical(o, nf, path);
          return;
        }
        case 'primitive': {
          const np = n as typeof o;
          if (o.name === np.name) {
            this.logical(o, np, path);
            return;
          }
          break; // a type change, below
        }
        case 'array':
          this.node(o.items, (n as typeof o).items, `${path}[]`, dirs);
          return;
        case 'map':
          this.node(o.values, (n as typeof o).values, `${path}{}`, dirs);
          return;
        case 'union':
          this.union(o, n as typeof o, path, dirs);
          return;
      }
    }
    const v = this.verdict(o, n, path, dirs);
    const before = this.text(o, 'before');
    const after = this.text(n, 'after');
    this.push({kind: 'type-changed', path, before, after, ...v, reason: typeChangeReason(before, after, v)}, dirs);
    // a type that became (or stopped being) one branch of a union: its own changes still count
    if (o.kind === 'union' || n.kind === 'union') {
      const single = o.kind === 'union' ? n : o;
      const union = (o.kind === 'union' ? o : n) as {kind: 'union'; branches: AvroNode[]};
      const side = o.kind === 'union' ? this.before : this.after;
      const match = union.branches.find((b) => sameBranch(deref(b, side.named), single));
      if (match) {
        if (o.kind === 'union') this.node(match, single, path, dirs);
        else this.node(single, match, path, dirs);
      }
    }
  }

  /** The name, aliases and doc of a named type (the top-level record's too). */
  private namedAttributes(o: AvroNamed, n: AvroNamed, path: string, dirs: Directions): void {
    if (o.fullName !== n.fullName) {
      const backward = namesMatch(n, o);
      const forward = namesMatch(o, n);
      this.push(
        {
          kind: 'name-changed',
          path,
          before: o.fullName,
          after: n.fullName,
          backward,
          forward,
          reason:
            backward && forward
              ? 'only the namespace changed: Avro compares unqualified names'
              : backward
                ? 'renamed; the new type lists the old full name as an alias, the old one does not know the new name'
                : forward
                  ? 'renamed; only the old type lists the new full name as an alias'
                  : 'renamed without an alias (aliases must give the full name): readers reject the other name',
        },
        dirs,
      );
    }
    if (o.aliases.join(',') !== n.aliases.join(','))
      this.push({
        kind: 'aliases-changed',
        path,
        before: o.aliases.join(','),
        after: n.aliases.join(','),
        backward: true,
        forward: true,
        reason: 'aliases only matter to readers resolving a renamed type',
      });
    this.docChange(o.doc, n.doc, path);
  }

  /** A changed doc: compatible both ways, shown so that a reader sees every difference. */
  private docChange(before: string | undefined, after: string | undefined, path: string): void {
    if ((before ?? '') === (after ?? '')) return;
    this.push({kind: 'doc-changed', path, before, after, backward: true, forward: true, reason: 'documentation only'});
  }

  private logical(o: Logical, n: Logical, path: string): void {
    const before = logicalText(o);
    const after = logicalText(n);
    if (before === after) return;
    this.push({
      kind: 'logical-changed',
      path,
      before: before || '(none)',
      after: after || '(none)',
      backward: true,
      forward: true,
      reason:
        "Avro's resolution ignores logical types (the encoding is unchanged), but readers interpret the values differently",
    });
  }

  private enumType(o: Extract<AvroNamed, {kind: 'enum'}>, n: typeof o, path: string, dirs: Directions): void {
    this.namedAttributes(o, n, path, dirs);
    if (o.symbols.join(',') !== n.symbols.join(',')) {
      const added = n.symbols.filter((s) => !o.symbols.includes(s));
      const removed = o.symbols.filter((s) => !n.symbols.includes(s));
      const backward = !removed.length || n.default !== undefined;
      const forward = !added.length || o.default !== undefined;
      this.push(
        {
          kind: 'symbols-changed',
          path,
          before: o.symbols.join(','),
          after: n.symbols.join(','),
          backward,
          forward,
          reason:
            !added.length && !removed.length
              ? 'symbols reordered (they are written by name)'
              : [
                  added.length
                    ? `added ${added.join(',')}: ${forward ? "old readers map them to their enum's default" : 'old readers fail on them (the old enum has no default)'}`
                    : '',
                  removed.length
                    ? `removed ${removed.join(',')}: ${backward ? "new readers map them to the new enum's default" : 'new readers fail on old data holding them (no enum default)'}`
                    : '',
                ]
                  .filter(Boolean)
                  .join('; '),
        },
        dirs,
      );
    }
    if (o.default !== n.default)
      this.push({
        kind: 'enum-default-changed',
        path,
        before: o.default,
        after: n.default,
        backward: true,
        forward: true,
        reason: 'the enum default is what a reader uses for a symbol it does not know',
      });
  }

  private record(o: Extract<AvroNamed, {kind: 'record'}>, n: typeof o, path: string, dirs: Directions): void {
    this.namedAttributes(o, n, path, dirs);
    // Avro's field lookup, per direction: by name, then the reader field's aliases
    const lookup = (reader: AvroField, writer: typeof o) =>
      writer.byName.get(reader.name) ?? reader.aliases.map((a) => writer.byName.get(a)).find((x) => x);
    const pairs = new Map<AvroField, AvroField>(); // old → new
    const pairedNew = new Set<AvroField>();
    // fields that kept their name first, then renames through the new field's aliases, then the old one's
    for (const byName of [true, false])
      for (const nf of n.fields) {
        const of = byName ? o.byName.get(nf.name) : lookup(nf, o);
        if (of && !pairs.has(of) && !pairedNew.has(nf)) {
          pairs.set(of, nf);
          pairedNew.add(nf);
        }
      }
    for (const of of o.fields) {
      const nf = lookup(of, n);
      if (nf && !pairs.has(of) && !pairedNew.has(nf)) {
        pairs.set(of, nf);
        pairedNew.add(nf);
      }
    }
    for (const nf of n.fields) {
      const fieldPath = join(path, nf.name);
      if (pairedNew.has(nf)) continue;
      // an alias naming an old field that is kept as well: new readers fill this one from it too
      const source = lookup(nf, o);
      const fromSource = source && dirs.backward ? this.bw.check(nf.type, source.type, fieldPath).length === 0 : false;
      this.push(
        {
          kind: 'added',
          path: fieldPath,
          after: this.text(nf.type, 'after'),
          backward: source ? fromSource : nf.hasDefault,
          forward: true,
          reason: source
            ? `added with the alias ${source.name}: new readers fill it from the old field ${source.name}${fromSource ? '' : ', whose type they cannot read'}`
            : nf.hasDefault
              ? 'added with a default: new readers fill it in for old data'
              : 'added without a default: new readers cannot read old data that lacks it',
        },
        dirs,
      );
    }
    for (const of of o.fields) {
      const nf = pairs.get(of);
      if (!nf) {
        this.push(
          {
            kind: 'removed',
            path: join(path, of.name),
            before: this.text(of.type, 'before'),
            backward: true,
            forward: of.hasDefault,
            reason: of.hasDefault
              ? 'removed; old readers use their default'
              : 'removed, and it had no default: old readers cannot read new data',
          },
          dirs,
        );
        continue;
      }
      const fieldPath = join(path, nf.name);
      // the directions in which this pair is resolved against each other
      const pairDirs: Directions = {
        backward: dirs.backward && lookup(nf, o) === of,
        forward: dirs.forward && lookup(of, n) === nf,
      };
      if (of.name !== nf.name) {
        const backward = pairDirs.backward || nf.hasDefault;
        const forward = pairDirs.forward || of.hasDefault;
        this.push(
          {
            kind: 'renamed',
            path: fieldPath,
            from: join(path, of.name),
            before: of.name,
            after: nf.name,
            backward,
            forward,
            reason: `${pairDirs.backward ? 'the new field lists the old name as an alias' : backward ? 'new readers use the default of the new field' : 'new readers do not know the old name and have no default'}; ${pairDirs.forward ? 'the old field lists the new name as an alias' : forward ? 'old readers fall back to their default' : 'old readers do not know the new name and have no default'}`,
          },
          dirs,
        );
      }
      this.fieldAttributes(of, nf, fieldPath);
      this.node(of.type, nf.type, fieldPath, pairDirs);
    }
  }

  private fieldAttributes(o: AvroField, n: AvroField, path: string): void {
    if (o.hasDefault !== n.hasDefault || JSON.stringify(o.default) !== JSON.stringify(n.default)) {
      const kind: ChangeKind = !o.hasDefault ? 'default-added' : !n.hasDefault ? 'default-removed' : 'default-changed';
      this.push({
        kind,
        path,
        before: o.hasDefault ? JSON.stringify(o.default) : undefined,
        after: n.hasDefault ? JSON.stringify(n.default) : undefined,
        backward: true,
        forward: true,
        reason: 'a field default matters only when the field is missing on the other side',
      });
    }
    this.docChange(o.doc, n.doc, path);
    // a renamed field's new aliases are part of its rename
    if (o.name === n.name && o.aliases.join(',') !== n.aliases.join(','))
      this.push({
        kind: 'aliases-changed',
        path,
        before: o.aliases.join(','),
        after: n.aliases.join(','),
        backward: true,
        forward: true,
        reason: 'aliases only matter to readers resolving a renamed field',
      });
  }

  private union(o: {kind: 'union'; branches: AvroNode[]}, n: typeof o, path: string, dirs: Directions): void {
    const oBranches = o.branches.map((b) => deref(b, this.before.named));
    const nBranches = n.branches.map((b) => deref(b, this.after.named));
    const paired = new Set<number>();
    const pairs: Array<[number, number]> = [];
    // exact key first, then the same kind under another name (a rename, possibly with aliases)
    for (const strict of [true, false])
      oBranches.forEach((ob, i) => {
        if (pairs.some(([oi]) => oi === i)) return;
        const j = nBranches.findIndex(
          (nb, k) => !paired.has(k) && (strict ? branchKey(ob) === branchKey(nb) : sameBranch(ob, nb)),
        );
        if (j >= 0) {
          paired.add(j);
          pairs.push([i, j]);
        }
      });
    const multi = (bs: AvroNode[]) => bs.filter((b) => !(b.kind === 'primitive' && b.name === 'null')).length > 1;
    const branchPath = (b: AvroNode, side: 'before' | 'after') =>
      multi(o.branches) || multi(n.branches) ? `${path}<${this.text(b, side)}>` : path;
    for (const [i, j] of pairs)
      this.node(
        o.branches[i] as AvroNode,
        n.branches[j] as AvroNode,
        branchPath(n.branches[j] as AvroNode, 'after'),
        dirs,
      );
    nBranches.forEach((nb, j) => {
      if (paired.has(j)) return;
      const forward = !dirs.forward || this.fw.check(o, nb, path).length === 0;
      this.push({
        kind: 'branch-added',
        path,
        after: this.text(nb, 'after'),
        backward: true,
        forward,
        reason: forward ? 'old readers read it with another branch' : 'old readers have no branch that reads it',
      });
    });
    oBranches.forEach((ob, i) => {
      if (pairs.some(([oi]) => oi === i)) return;
      const backward = !dirs.backward || this.bw.check(n, ob, path).length === 0;
      this.push({
        kind: 'branch-removed',
        path,
        before: this.text(ob, 'before'),
        backward,
        forward: true,
        reason: backward
          ? 'new readers read old values of it with another branch'
          : 'new readers cannot read old values of it',
      });
    });
  }
}

function isNamed(n: AvroNode): n is AvroNamed {
  return n.kind === 'record' || n.kind === 'enum' || n.kind === 'fixed';
}

/** What identifies a union branch: a primitive's or named type's name, or array/map. */
function branchKey(b: AvroNode): string {
  if (b.kind === 'primitive') return b.name;
  if (isNamed(b)) return `${b.kind}:${b.fullName}`;
  return b.kind;
}

/** The same branch, possibly renamed: same key, or the same kind of named type under a matching name. */
function sameBranch(a: AvroNode, b: AvroNode): boolean {
  if (branchKey(a) === branchKey(b)) return true;
  return isNamed(a) && isNamed(b) && a.kind === b.kind && (namesMatch(a, b) || namesMatch(b, a));
}

function typeChangeReason(before: string, after: string, v: Directions): string {
  return `${before} → ${after}: ${
    v.backward && v.forward
      ? 'readable both ways'
      : v.backward
        ? 'a promotion or widening: only new readers can read old data'
        : v.forward
          ? 'a narrowing: only old readers can read new data'
          : 'not readable in either direction'
  }`;
}

/**
 * The fields of a schema, depth first: those of the top-level record and of every record reached through
 * fields, arrays, maps and unions (each named record expanded once). A non-record schema without records
 * has one pseudo-field `<value>`.
 */
export function avroFields(schemaText: string, references: string[] = []): FieldInfo[] {
  const schema = parseAvroSchema(schemaText, references);
  const out: FieldInfo[] = [];
  const expanded = new Set<AvroNamed>();
  const walk = (node: AvroNode, path: string): void => {
    const t = deref(node, schema.named);
    if (t.kind === 'array') {
      walk(t.items, `${path}[]`);
      return;
    }
    if (t.kind === 'map') {
      walk(t.values, `${path}{}`);
      return;
    }
    if (t.kind === 'union') {
      const multi = t.branches.filter((b) => !(b.kind === 'primitive' && b.name === 'null')).length > 1;
      for (const b of t.branches) walk(b, multi ? `${path}<${typeText(b, schema.named)}>` : path);
      return;
    }
    if (t.kind !== 'record' || expanded.has(t)) return;
    expanded.add(t);
    for (const f of t.fields) {
      const fieldPath = join(path, f.name);
      out.push({
        path: fieldPath,
        name: f.name,
        typeText: typeText(f.type, schema.named),
        hasDefault: f.hasDefault,
        ...(f.hasDefault ? {default: f.default} : {}),
        ...(f.doc === undefined ? {} : {doc: f.doc}),
        aliases: f.aliases,
      });
      walk(f.type, fieldPath);
    }
  };
  walk(schema.root, '');
  if (!out.length)
    out.push({
      path: '<value>',
      name: '<value>',
      typeText: typeText(schema.root, schema.named),
      hasDefault: false,
      aliases: [],
    });
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
