import {readFileSync} from 'node:fs';
import {extname} from 'node:path';
import {
  type CompatibilityLevel,
  type NewSchema,
  RegistryCode,
  RegistryError,
  type RegistryMode,
  type SchemaType,
} from '../../clients/schema-registry.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {FieldChange} from './avro.js';
import {compareSchemas} from './evolution.js';
import {parseVersion, withRegistry} from './read.js';

/** Compatibility checks, registration, compatibility levels, modes and deletion. */

/** Reads a schema file (`-` = stdin) and decides its type: --type, else the extension, else the content. */
export function loadSchemaFile(file: string, type?: SchemaType): NewSchema {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read schema file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const schemaType = type ?? detectType(file, text);
  if (schemaType !== 'PROTOBUF') {
    try {
      // registries store the text as given: send it compact so identical schemas dedupe
      text = JSON.stringify(JSON.parse(text));
    } catch (err) {
      throw new UsageError(`${file} is not valid JSON (${schemaType} schema): ${(err as Error).message}`);
    }
  }
  return {schema: text, schemaType};
}

function detectType(file: string, text: string): SchemaType {
  const ext = extname(file).toLowerCase();
  if (ext === '.avsc') return 'AVRO';
  if (ext === '.proto') return 'PROTOBUF';
  const t = text.trimStart();
  if (/^(syntax|package|message|import)\b/.test(t)) return 'PROTOBUF';
  try {
    const parsed = JSON.parse(t) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && ('$schema' in parsed || 'properties' in parsed)) return 'JSON';
  } catch {}
  return 'AVRO';
}

export interface CheckResult {
  subject: string;
  schemaType: SchemaType;
  compatible: boolean;
  /** The level in force for the subject. */
  level?: CompatibilityLevel;
  /** The registry's own reasons (`verbose=true`); many registries give none. */
  registryMessages: string[];
  /** cdcctl's field-level analysis against the latest version (AVRO), when the subject exists. */
  analysis?: {againstVersion: number; changes: FieldChange[]; violations: FieldChange[]};
  /** The version that already holds exactly this schema, if any. */
  existing?: {version: number; id: number};
  subjectExists: boolean;
}

/** Which direction a level demands. */
export function directions(level: CompatibilityLevel | undefined): {backward: boolean; forward: boolean} {
  const l = level ?? 'BACKWARD';
  return {backward: /^(BACKWARD|FULL)/.test(l), forward: /^(FORWARD|FULL)/.test(l)};
}

export async function checkSchema(ctx: RunContext, subject: string, schema: NewSchema): Promise<CheckResult> {
  return withRegistry(ctx, async (sr) => {
    const [answer, level, existing, latest] = await Promise.all([
      sr.checkCompatibility(subject, schema),
      sr.getCompatibility(subject, true).catch(() => undefined),
      sr.lookup(subject, schema),
      sr.version(subject, 'latest').catch((err) => {
        if (err instanceof RegistryError && err.notFound) return undefined;
        throw err;
      }),
    ]);
    const result: CheckResult = {
      subject,
      schemaType: schema.schemaType ?? 'AVRO',
      compatible: answer.compatible,
      level,
      registryMessages: answer.messages,
      subjectExists: latest !== undefined,
      ...(existing ? {existing: {version: existing.version, id: existing.id}} : {}),
    };
    if (existing) result.compatible = true; // registering it again is a no-op
    if (latest && latest.schemaType === 'AVRO' && (schema.schemaType ?? 'AVRO') === 'AVRO') {
      const {changes} = compareSchemas('AVRO', latest.schema, schema.schema);
      const need = directions(level);
      const violations =
        level === 'NONE' ? [] : changes.filter((c) => (need.backward && !c.backward) || (need.forward && !c.forward));
      result.analysis = {againstVersion: latest.version, changes, violations};
    }
    return result;
  });
}

export interface RegisterResult {
  subject: string;
  schemaType: SchemaType;
  action: 'registered' | 'unchanged' | 'would-register';
  id?: number;
  version?: number;
  check: CheckResult;
}

/** Registers after a check; refuses an incompatible schema unless `force` (then the registry decides). */
export async function registerSchema(
  ctx: RunContext,
  subject: string,
  schema: NewSchema,
  options: {check: CheckResult; dryRun?: boolean; normalize?: boolean},
): Promise<RegisterResult> {
  const {check} = options;
  const base = {subject, schemaType: schema.schemaType ?? ('AVRO' as SchemaType), check};
  if (check.existing) return {...base, action: 'unchanged', ...check.existing};
  if (options.dryRun) return {...base, action: 'would-register'};
  return withRegistry(ctx, async (sr) => {
    const {id} = await sr.register(subject, schema, {normalize: options.normalize});
    const found = await sr.lookup(subject, schema);
    return {...base, action: 'registered', id, version: found?.version};
  });
}

export interface CompatibilityConfig {
  subject?: string;
  /** The subject's own level (undefined: none set, it follows the global one). */
  level?: CompatibilityLevel;
  global?: CompatibilityLevel;
  effective?: CompatibilityLevel;
}

export async function getCompatibilityConfig(ctx: RunContext, subject?: string): Promise<CompatibilityConfig> {
  return withRegistry(ctx, async (sr) => {
    const global = await sr.getCompatibility();
    if (!subject) return {level: global, global, effective: global};
    const own = await sr.getCompatibility(subject);
    return {subject, level: own, global, effective: own ?? global};
  });
}

export async function setCompatibilityConfig(
  ctx: RunContext,
  level: CompatibilityLevel,
  options: {subject?: string; dryRun?: boolean},
): Promise<CompatibilityConfig & {before?: CompatibilityLevel; changed: boolean; dryRun: boolean}> {
  return withRegistry(ctx, async (sr) => {
    const before = await sr.getCompatibility(options.subject);
    if (options.dryRun || before === level)
      return {subject: options.subject, level, before, changed: before !== level, dryRun: !!options.dryRun};
    const after = await sr.setCompatibility(level, options.subject);
    return {subject: options.subject, level: after, before, changed: true, dryRun: false};
  });
}

export async function getMode(ctx: RunContext, subject?: string): Promise<{subject?: string; mode?: RegistryMode}> {
  return withRegistry(ctx, async (sr) => ({subject, mode: await sr.getMode(subject)}));
}

export async function setMode(
  ctx: RunContext,
  mode: RegistryMode,
  options: {subject?: string; force?: boolean; dryRun?: boolean},
): Promise<{subject?: string; mode: RegistryMode; before?: RegistryMode; changed: boolean; dryRun: boolean}> {
  return withRegistry(ctx, async (sr) => {
    const before = await sr.getMode(options.subject);
    if (options.dryRun || before === mode)
      return {subject: options.subject, mode, before, changed: before !== mode, dryRun: !!options.dryRun};
    return {
      subject: options.subject,
      mode: await sr.setMode(mode, options.subject, options.force),
      before,
      changed: true,
      dryRun: false,
    };
  });
}

export interface DeletePlan {
  subject: string;
  version?: number | 'latest';
  permanent: boolean;
  /** Versions the deletion covers (live ones; with --permanent also the soft-deleted ones). */
  versions: number[];
  /** Versions already soft-deleted (a permanent delete removes them without a soft step). */
  softDeleted: number[];
}

export interface DeleteResult extends DeletePlan {
  dryRun: boolean;
  softDeletedNow: number[];
  permanentlyDeleted: number[];
}

export async function planDelete(
  ctx: RunContext,
  subject: string,
  options: {version?: string; permanent?: boolean},
): Promise<DeletePlan> {
  return withRegistry(ctx, async (sr) => {
    const version = options.version === undefined ? undefined : parseVersion(options.version);
    const all = await sr.versions(subject, {deleted: true});
    const live = await sr.versions(subject).catch((err) => {
      if (err instanceof RegistryError && err.notFound) return [] as number[];
      throw err;
    });
    const softDeleted = all.filter((v) => !live.includes(v));
    let versions: number[];
    if (version === undefined) versions = options.permanent ? all : live;
    else {
      const n = version === 'latest' ? Math.max(...live) : version;
      if (!all.includes(n))
        throw new RegistryError(RegistryCode.versionNotFound, 404, `Version ${version} not found.`, subject);
      if (!options.permanent && !live.includes(n))
        throw new UsageError(`version ${n} of "${subject}" is already soft-deleted`, {
          hint: 'Add --permanent to remove it for good.',
        });
      versions = [n];
    }
    if (!versions.length && !options.permanent)
      throw new UsageError(`subject "${subject}" has no live versions (already soft-deleted)`, {
        hint: 'Add --permanent to remove it for good.',
      });
    return {subject, version, permanent: !!options.permanent, versions, softDeleted};
  });
}

/** Soft delete, then (with `permanent`) the hard delete the registry allows only after it. */
export async function executeDelete(ctx: RunContext, plan: DeletePlan): Promise<DeleteResult> {
  return withRegistry(ctx, async (sr) => {
    const softDeletedNow: number[] = [];
    const permanentlyDeleted: number[] = [];
    if (plan.version === undefined) {
      const live = plan.versions.filter((v) => !plan.softDeleted.includes(v));
      if (live.length) softDeletedNow.push(...(await sr.deleteSubject(plan.subject)));
      if (plan.permanent) permanentlyDeleted.push(...(await sr.deleteSubject(plan.subject, true)));
    } else {
      const v = plan.versions[0] as number;
      if (!plan.softDeleted.includes(v)) softDeletedNow.push(await sr.deleteVersion(plan.subject, v));
      if (plan.permanent) permanentlyDeleted.push(await sr.deleteVersion(plan.subject, v, true));
    }
    return {...plan, dryRun: false, softDeletedNow, permanentlyDeleted};
  });
}
