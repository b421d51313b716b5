import type {SchemaRegistryClient, SchemaType, SubjectVersion} from '../../clients/schema-registry.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import {avroFields, canonicalJson, diffAvro, type FieldChange, type FieldInfo, type Incompatibility} from './avro.js';
import {parseVersion, referencedTexts, withRegistry} from './read.js';
import {type DiffLine, lineDiff} from './text-diff.js';

/** How a subject's schema evolved: a field-level diff between two versions, and a fields × versions matrix. */

export interface SchemaDiff {
  subject: string;
  from: number;
  to: number;
  schemaType: SchemaType;
  /** Field-level changes (AVRO only). */
  changes: FieldChange[];
  /** Line diff of the pretty-printed schemas: JSON and PROTOBUF only (AVRO has the field model). */
  text?: DiffLine[];
  /** False when the text diff was too large for an exact LCS and shows the changed middle as a block. */
  textExact?: boolean;
  /** Avro's verdicts on the whole schemas (AVRO; undefined for other types). */
  backward?: boolean;
  forward?: boolean;
  /** Avro's reasons when a direction is incompatible (AVRO). */
  incompatibilities?: {backward: Incompatibility[]; forward: Incompatibility[]};
  identical: boolean;
}

/** Texts of the schemas each side references (AVRO named types defined in other subjects). */
export interface ReferencedTexts {
  before?: string[];
  after?: string[];
}

/** The diff of two schema texts of one type, without the registry (used by diff and check). */
export function compareSchemas(
  type: SchemaType,
  before: string,
  after: string,
  references: ReferencedTexts = {},
): Pick<SchemaDiff, 'changes' | 'text' | 'textExact' | 'backward' | 'forward' | 'incompatibilities' | 'identical'> {
  const identical =
    type === 'PROTOBUF' ? before.trim() === after.trim() : canonicalJson(before) === canonicalJson(after);
  if (type === 'AVRO') return {...diffAvro(before, after, references), identical};
  // the line diff only where it is shown (no field model): bounded by lineDiff itself
  const pretty = (s: string) => (type === 'PROTOBUF' ? s.trim() : prettyJson(s));
  const {lines, exact} = lineDiff(pretty(before), pretty(after));
  return {changes: [], text: lines, textExact: exact, identical};
}

function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

async function versionPair(
  sr: SchemaRegistryClient,
  subject: string,
  fromInput?: string,
  toInput?: string,
): Promise<[SubjectVersion, SubjectVersion]> {
  const to = await sr.version(subject, parseVersion(toInput));
  let from: number | 'latest';
  if (fromInput !== undefined) from = parseVersion(fromInput);
  else {
    const earlier = (await sr.versions(subject)).filter((v) => v < to.version);
    if (!earlier.length)
      throw new UsageError(`subject "${subject}" has no version before ${to.version} to compare with`, {
        hint: 'Give --from and --to explicitly.',
      });
    from = Math.max(...earlier);
  }
  return [await sr.version(subject, from), to];
}

export async function diffSubject(
  ctx: RunContext,
  subject: string,
  options: {from?: string; to?: string} = {},
): Promise<SchemaDiff> {
  return withRegistry(ctx, async (sr) => {
    const [a, b] = await versionPair(sr, subject, options.from, options.to);
    if (a.schemaType !== b.schemaType)
      throw new UsageError(`versions ${a.version} (${a.schemaType}) and ${b.version} (${b.schemaType}) differ in type`);
    return {
      subject,
      from: a.version,
      to: b.version,
      schemaType: b.schemaType,
      ...compareSchemas(b.schemaType, a.schema, b.schema, {
        before: await referencedTexts(sr, a.references),
        after: await referencedTexts(sr, b.references),
      }),
    };
  });
}

export interface HistoryCell {
  present: boolean;
  type?: string;
  /** What changed in this version compared with the previous one. */
  change?: 'added' | 'type-changed' | 'default-changed' | 'renamed' | 'removed';
  default?: string;
}

export interface SchemaHistory {
  subject: string;
  schemaType: SchemaType;
  versions: Array<{version: number; id: number}>;
  /** One row per field path ever seen, in order of first appearance. */
  fields: Array<{path: string; cells: HistoryCell[]}>;
}

/** A fields × versions matrix (AVRO), from every live version of the subject. */
export async function subjectHistory(ctx: RunContext, subject: string): Promise<SchemaHistory> {
  return withRegistry(ctx, async (sr) => {
    const numbers = (await sr.versions(subject)).sort((x, y) => x - y);
    const settled = await mapSettled(numbers, 6, (v) => sr.version(subject, v));
    const versions = settled.map((s) => {
      if (!s.ok) throw s.error;
      return s.value;
    });
    const type = versions.at(-1)?.schemaType ?? 'AVRO';
    if (type !== 'AVRO')
      throw new UsageError(`schemas history needs AVRO schemas; "${subject}" is ${type}`, {
        hint: `Use \`cdcctl schemas diff ${subject} --from N --to M\` for a text diff.`,
      });
    const perVersion: Array<Map<string, FieldInfo>> = [];
    for (const v of versions)
      perVersion.push(new Map(avroFields(v.schema, await referencedTexts(sr, v.references)).map((f) => [f.path, f])));
    const order = new Set<string>();
    for (const m of perVersion) for (const p of m.keys()) order.add(p);
    const fields = [...order].map((path) => ({
      path,
      cells: perVersion.map((m, i): HistoryCell => {
        const f = m.get(path);
        const prev = i > 0 ? perVersion[i - 1]?.get(path) : undefined;
        if (!f) return i > 0 && prev ? {present: false, change: 'removed'} : {present: false};
        const cell: HistoryCell = {present: true, type: f.typeText};
        if (f.hasDefault) cell.default = JSON.stringify(f.default);
        if (i > 0 && !prev) {
          const renamed = f.aliases.some((a) => perVersion[i - 1]?.has(path.replace(/[^.]+$/, a)));
          cell.change = renamed ? 'renamed' : 'added';
        } else if (prev && prev.typeText !== f.typeText) cell.change = 'type-changed';
        else if (prev && JSON.stringify(prev.default) !== JSON.stringify(f.default)) cell.change = 'default-changed';
        return cell;
      }),
    }));
    return {subject, schemaType: type, versions: versions.map((v) => ({version: v.version, id: v.id})), fields};
  });
}
