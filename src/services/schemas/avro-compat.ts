import {type AvroNamed, type AvroNode, type AvroSchema, deref, typeText} from './avro-schema.js';

/**
 * Avro schema resolution: can a reader schema read data written with a writer schema? The rules of Avro's
 * own `SchemaCompatibility.checkReaderWriterCompatibility` (names compared unqualified, the reader's
 * aliases by full name, enum symbols unless the reader has a default, fixed sizes, record fields by name
 * then the reader field's aliases, defaults for missing fields, unions branch by branch, the promotions
 * int→long→float→double and string↔bytes; logical types ignored). Each (reader, writer) pair of types is
 * judged once: a pair met again while it is being judged (a recursive schema) counts as compatible, as in
 * Avro, so the work is bounded by the number of type pairs. Pure logic.
 */

export interface Incompatibility {
  /** Where in the reader schema (`/fields/address/type/items`-like, as `address[]`). */
  path: string;
  message: string;
}

/** Writer types a reader type accepts besides its own. */
const PROMOTIONS: Record<string, string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

const MAX_REPORTED = 200;

/** The reasons `reader` cannot read data written with `writer` (empty: compatible). */
export function readerWriterIncompatibilities(reader: AvroSchema, writer: AvroSchema): Incompatibility[] {
  return new Checker(reader, writer).check(reader.root, writer.root, '');
}

export function canRead(reader: AvroSchema, writer: AvroSchema): boolean {
  return readerWriterIncompatibilities(reader, writer).length === 0;
}

/** The checker over two schemas, usable on their sub-types (the field-level diff judges each change with it). */
export class Checker {
  /** Per reader type, per writer type: the result, or [] while it is being computed. */
  private readonly memo = new Map<object, Map<object, Incompatibility[]>>();

  constructor(
    readonly reader: AvroSchema,
    readonly writer: AvroSchema,
  ) {}

  check(readerNode: AvroNode, writerNode: AvroNode, path: string): Incompatibility[] {
    const r = deref(readerNode, this.reader.named);
    const w = deref(writerNode, this.writer.named);
    let row = this.memo.get(r);
    if (!row) {
      row = new Map();
      this.memo.set(r, row);
    }
    const known = row.get(w);
    if (known) return known;
    row.set(w, []); // in progress: a recursive use of this pair is assumed compatible
    const result = this.compute(r, w, path).slice(0, MAX_REPORTED);
    row.set(w, result);
    return result;
  }

  private compute(
    r: Exclude<AvroNode, {kind: 'ref'}>,
    w: Exclude<AvroNode, {kind: 'ref'}>,
    path: string,
  ): Incompatibility[] {
    const issue = (message: string, at = path): Incompatibility[] => [{path: at || '(root)', message}];
    const rText = () => typeText(r, this.reader.named);
    const wText = () => typeText(w, this.writer.named);
    if (r.kind === w.kind) {
      switch (r.kind) {
        case 'primitive': {
          const wp = w as typeof r;
          if (wp.name === r.name || PROMOTIONS[r.name]?.includes(wp.name)) return [];
          return issue(`reader type ${r.name} cannot read writer type ${wp.name}`);
        }
        case 'array':
          return this.check(r.items, (w as typeof r).items, `${path}[]`);
        case 'map':
          return this.check(r.values, (w as typeof r).values, `${path}{}`);
        case 'union':
          return (w as typeof r).branches.flatMap((b) => this.readBranch(r, b, path));
        case 'fixed': {
          const wf = w as typeof r;
          const name = nameMismatch(r, wf);
          if (name) return issue(name);
          return wf.size === r.size ? [] : issue(`fixed ${r.name}: size ${wf.size} written, ${r.size} expected`);
        }
        case 'enum': {
          const we = w as typeof r;
          const name = nameMismatch(r, we);
          if (name) return issue(name);
          const missing = we.symbols.filter((s) => !r.symbols.includes(s));
          if (!missing.length || (r.default !== undefined && r.symbols.includes(r.default))) return [];
          return issue(`enum ${r.name}: the reader lacks symbol(s) ${missing.join(', ')} and has no default`);
        }
        case 'record': {
          const wr = w as typeof r;
          const name = nameMismatch(r, wr);
          if (name) return issue(name);
          const out: Incompatibility[] = [];
          for (const f of r.fields) {
            const at = path ? `${path}.${f.name}` : f.name;
            const source = wr.byName.get(f.name) ?? f.aliases.map((a) => wr.byName.get(a)).find((x) => x);
            if (source) out.push(...this.check(f.type, source.type, at));
            else if (!f.hasDefault)
              out.push(...issue(`field ${f.name} is missing in the written data and has no default`, at));
            if (out.length >= MAX_REPORTED) break;
          }
          return out;
        }
      }
    }
    if (w.kind === 'union') return w.branches.flatMap((b) => this.check(r, b, path));
    if (r.kind === 'union') return this.readBranch(r, w, path);
    if (r.kind === 'primitive' && w.kind === 'primitive' && PROMOTIONS[r.name]?.includes(w.name)) return [];
    return issue(`reader type ${rText()} cannot read writer type ${wText()}`);
  }

  /** A writer type read by a reader union: some branch must read it. */
  private readBranch(
    r: {kind: 'union'; branches: AvroNode[]},
    writerBranch: AvroNode,
    path: string,
  ): Incompatibility[] {
    const w = deref(writerBranch, this.writer.named);
    for (const b of r.branches) {
      // only a branch that can pass the first test is checked: a union of many records stays linear in memo
      if (!mayRead(deref(b, this.reader.named), w)) continue;
      if (this.check(b, writerBranch, path).length === 0) return [];
    }
    return [
      {
        path: path || '(root)',
        message: `no branch of the reader's union ${typeText(r, this.reader.named)} reads writer type ${typeText(writerBranch, this.writer.named)}`,
      },
    ];
  }
}

/** A cheap necessary condition for `reader` to read `writer` (the kinds and names Avro's checks start with). */
function mayRead(reader: Exclude<AvroNode, {kind: 'ref'}>, writer: Exclude<AvroNode, {kind: 'ref'}>): boolean {
  if (writer.kind === 'union') return true;
  if (reader.kind === 'primitive')
    return (
      writer.kind === 'primitive' && (reader.name === writer.name || !!PROMOTIONS[reader.name]?.includes(writer.name))
    );
  if (reader.kind !== writer.kind) return reader.kind === 'union';
  if (reader.kind === 'record' || reader.kind === 'enum' || reader.kind === 'fixed')
    return namesMatch(reader, writer as AvroNamed);
  return true;
}

/** Avro's name check: unqualified names equal, or the writer's full name among the reader's aliases. */
export function namesMatch(reader: AvroNamed, writer: AvroNamed): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

function nameMismatch(reader: AvroNamed, writer: AvroNamed): string | undefined {
  return namesMatch(reader, writer)
    ? undefined
    : `${reader.kind} name ${reader.fullName} does not match the written ${writer.fullName} (nor does a reader alias)`;
}
