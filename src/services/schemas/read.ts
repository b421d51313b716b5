import {
  type CompatibilityLevel,
  LIST_CAPS,
  RegistryError,
  type SchemaReference,
  type SchemaRegistryClient,
  type SchemaType,
  schemaRegistryClient,
} from '../../clients/schema-registry.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';

/** Reading the registry: subjects, versions, one schema with its references. */

export interface SubjectSummary {
  subject: string;
  latestVersion?: number;
  versionCount?: number;
  id?: number;
  schemaType?: SchemaType;
  /** The subject's effective level (its own, or the global one). */
  compatibility?: CompatibilityLevel;
  /** True when the level is the subject's own rather than the global default. */
  compatibilityOverride?: boolean;
  deleted?: boolean;
  error?: string;
}

export interface SubjectList {
  registry: string;
  globalCompatibility?: CompatibilityLevel;
  subjects: SubjectSummary[];
  warnings: string[];
}

/** Runs `fn` with a registry client and closes it. */
export async function withRegistry<T>(ctx: RunContext, fn: (sr: SchemaRegistryClient) => Promise<T>): Promise<T> {
  const sr = schemaRegistryClient(ctx);
  try {
    return await fn(sr);
  } finally {
    await sr.close();
  }
}

/** At most this many schemas are fetched for one schema's references (their references included). */
const MAX_REFERENCED = 500;

/**
 * The texts of the schemas `references` name, their own references first, each fetched once (a cycle or a
 * diamond costs nothing twice), for parsing a schema that uses named types defined in other subjects.
 */
export async function referencedTexts(sr: SchemaRegistryClient, references: SchemaReference[]): Promise<string[]> {
  const texts: string[] = [];
  const seen = new Set<string>();
  const visit = async (refs: SchemaReference[]): Promise<void> => {
    for (const r of refs) {
      const key = `${r.subject}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_REFERENCED)
        throw new UsageError(`more than ${MAX_REFERENCED} referenced schemas (at ${r.subject} version ${r.version})`);
      const v = await sr.version(r.subject, r.version).catch((err) => {
        if (err instanceof RegistryError && err.notFound)
          throw new UsageError(`reference ${r.name} → ${r.subject} version ${r.version}: ${err.serverMessage}`, {
            hint: `List the versions with \`cdcctl schemas versions ${r.subject}\`.`,
          });
        throw err;
      });
      await visit(v.references);
      texts.push(v.schema);
    }
  };
  await visit(references);
  return texts;
}

/** A list exactly as long as a known server cap was probably truncated by it. */
export function capWarning(length: number, what: 'subjects' | 'versions', where: string): string | undefined {
  const cap = LIST_CAPS[what];
  return length === cap
    ? `${where}: exactly ${cap} ${what} returned: the registry may cap this list (Apicurio: ${
        what === 'subjects' ? 'apicurio.ccompat.max-subjects' : '500 versions per subject'
      }); the list may be incomplete`
    : undefined;
}

export async function listSubjects(
  ctx: RunContext,
  options: {prefix?: string; deleted?: boolean; details?: boolean} = {},
): Promise<SubjectList> {
  return withRegistry(ctx, async (sr) => {
    const [names, live, globalCompatibility] = await Promise.all([
      sr.subjects({prefix: options.prefix, deleted: options.deleted}),
      options.deleted ? sr.subjects({prefix: options.prefix}) : Promise.resolve(undefined),
      sr.getCompatibility(),
    ]);
    const warnings = [capWarning(names.length, 'subjects', 'GET /subjects')].filter((w): w is string => !!w);
    const liveSet = new Set(live ?? names);
    const sorted = [...names].sort();
    if (options.details === false) {
      return {
        registry: sr.url,
        globalCompatibility,
        subjects: sorted.map((subject) => ({subject, deleted: !liveSet.has(subject)})),
        warnings,
      };
    }
    const settled = await mapSettled(sorted, 8, async (subject): Promise<SubjectSummary> => {
      const deleted = !liveSet.has(subject);
      const [versions, own] = await Promise.all([sr.versions(subject, {deleted}), sr.getCompatibility(subject)]);
      const latest = versions.length ? Math.max(...versions) : undefined;
      const v = latest === undefined ? undefined : await sr.version(subject, latest, {deleted});
      return {
        subject,
        latestVersion: latest,
        versionCount: versions.length,
        id: v?.id,
        schemaType: v?.schemaType,
        compatibility: own ?? globalCompatibility,
        compatibilityOverride: own !== undefined && own !== globalCompatibility,
        deleted,
      };
    });
    const subjects = settled.map((s, i) =>
      s.ok ? s.value : {subject: sorted[i] as string, error: (s.error as Error).message},
    );
    return {registry: sr.url, globalCompatibility, subjects, warnings};
  });
}

export interface VersionInfo {
  version: number;
  /** Undefined when the registry would not serve the version (e.g. Apicurio: any version of a soft-deleted subject). */
  id?: number;
  schemaType?: SchemaType;
  deleted: boolean;
  references?: number;
  /** Why id, type and references are unknown. */
  error?: string;
}

export async function listVersions(
  ctx: RunContext,
  subject: string,
  options: {deleted?: boolean} = {},
): Promise<{subject: string; versions: VersionInfo[]; warnings: string[]}> {
  return withRegistry(ctx, async (sr) => {
    const [all, live] = await Promise.all([
      sr.versions(subject, {deleted: options.deleted}),
      options.deleted ? sr.versions(subject).catch(() => [] as number[]) : Promise.resolve(undefined),
    ]);
    const liveSet = new Set(live ?? all);
    const settled = await mapSettled(all, 8, async (version) => {
      const deleted = !liveSet.has(version);
      const v = await sr.version(subject, version, {deleted});
      return {version, id: v.id, schemaType: v.schemaType, deleted, references: v.references.length};
    });
    const versions = settled.map((s, i): VersionInfo => {
      if (s.ok) return s.value;
      if (!(s.error instanceof RegistryError)) throw s.error;
      return {version: all[i] as number, deleted: !liveSet.has(all[i] as number), error: s.error.serverMessage};
    });
    const unreadable = versions.filter((v) => v.error).length;
    const warnings = [
      capWarning(all.length, 'versions', `GET /subjects/${subject}/versions`),
      unreadable
        ? `${unreadable} version(s) listed but not readable (the registry does not serve them${
            live?.length === 0 ? ': the whole subject is soft-deleted' : ''
          }); their id and type are unknown`
        : undefined,
    ].filter((w): w is string => !!w);
    return {subject, versions, warnings};
  });
}

export interface SchemaView {
  subject?: string;
  version?: number;
  id: number;
  schemaType: SchemaType;
  /** The schema as the registry stores it. */
  schema: string;
  /** Parsed JSON for AVRO and JSON schemas (pretty output); undefined for Protobuf. */
  parsed?: unknown;
  references: Array<SchemaReference & {id?: number}>;
  /** Every subject/version using this id (`/schemas/ids/{id}/versions`), when asked by id. */
  usedBy?: Array<{subject: string; version: number}>;
}

/** Parses `--version`: a positive number, `latest` or -1. */
export function parseVersion(input: string | undefined): number | 'latest' {
  if (input === undefined || input === 'latest' || input === '-1') return 'latest';
  const n = Number(input);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`invalid version "${input}"`, {hint: 'Use a number ≥ 1 or "latest".'});
  return n;
}

export async function showSchema(
  ctx: RunContext,
  target: {subject?: string; version?: number | 'latest'; id?: number; deleted?: boolean},
): Promise<SchemaView> {
  return withRegistry(ctx, async (sr) => {
    let view: SchemaView;
    if (target.id !== undefined) {
      const s = await sr.schemaById(target.id);
      const usedBy = await sr.idVersions(target.id).catch(() => undefined);
      view = {...s, parsed: parseMaybe(s.schema, s.schemaType), usedBy};
      if (target.subject) view.subject = target.subject;
    } else {
      if (!target.subject) throw new UsageError('give a subject or --id');
      const v = await sr.version(target.subject, target.version ?? 'latest', {deleted: target.deleted});
      view = {...v, parsed: parseMaybe(v.schema, v.schemaType)};
    }
    // references: resolve each to its id (best effort: a reference to a deleted version keeps no id)
    view.references = await Promise.all(
      view.references.map(async (r) => {
        try {
          return {...r, id: (await sr.version(r.subject, r.version)).id};
        } catch (err) {
          if (err instanceof RegistryError) return r;
          throw err;
        }
      }),
    );
    return view;
  });
}

function parseMaybe(schema: string, type: SchemaType): unknown {
  if (type === 'PROTOBUF') return undefined;
  try {
    return JSON.parse(schema);
  } catch {
    return undefined;
  }
}
