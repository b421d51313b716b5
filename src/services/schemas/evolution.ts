import type {SchemaRegistryClient, SchemaType, SubjectVersion} from '../../clients/schema-registry.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import {avroFields, canonicalJson, diffAvro, type FieldChange} from './avro.js';
import {parseVersion, withRegistry} from './read.js';
import {type DiffLine, lineDiff} from './text-diff.js';

/** How a subject's schema evolved: a field-level diff between two versions, and a fields × versions matrix. */

export interface SchemaDiff {
  subject: string;
  from: number;
  to: number;
  schemaType: SchemaType;
  /** Field-level changes (AVRO only). */
  changes: FieldChange[];
  /** Line diff of the pretty-printed schemas (always present; the only diff for JSON and PROTOBUF). */
  text: DiffLine[];
  /** Every change compatible in that direction (AVRO; undefined for other types). */
  backward?: boolean;
  forward?: boolean;
  identical: boolean;
}

/** The diff of two schema texts of one type, without the registry (used by diff and check). */
export function compareSchemas(
  type: SchemaType,
  before: string,
  after: string,
): Pick<SchemaDiff, 'changes' | 'text' | 'backward' | 'forward' | 'identical'> {
  const pretty = (s: string) => (type === 'PROTOBUF' ? s.trim() : prettyJson(s));
  const text = lineDiff(pretty(before), pretty(after));
  const identical =
    type === 'PROTOBUF' ? before.trim() === after.trim() : canonicalJson(before) === canonicalJson(after);
  if (type !== 'AVRO') return {changes: [], text, identical};
  const changes = diffAvro(before, after);
  return {
    changes,
    text,
    identical,
    backward: changes.every((c) => c.backward),
    forward: changes.every((c) => c.forward),
  };
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
      ...compareSchemas(b.schemaType, a.schema, b.schema),
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
    const perVersion = versions.map((v) => new Map(avroFields(v.schema).map((f) => [f.path, f])));
    const order: string[] = [];
    for (const m of perVersion) for (const p of m.keys()) if (!order.includes(p)) order.push(p);
    const fields = order.map((path) => ({
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
