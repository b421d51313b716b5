import * as z from 'zod/mini';
import {CdcError, ExitCode} from '../errors.js';
import type {RunContext} from '../runtime.js';
import type {Shape} from './answer.js';
import {httpClientFor} from './factory.js';
import {type HttpClient, type HttpRequest, pathSegment, serverMessageOf} from './http.js';

/**
 * The Confluent Schema Registry REST API as served by Confluent, Apicurio (`/apis/ccompat/v7`) and
 * Karapace. It smooths the servers' differences (service-apis.md §4, and what the local Apicurio
 * 3.3 answered): error codes that are 3-digit or 0, `compatibility` vs `compatibilityLevel`,
 * `schemaType` omitted for AVRO, list caps. It knows nothing of cdcctl's commands.
 */

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const REGISTRY_MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type RegistryMode = (typeof REGISTRY_MODES)[number];

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
  /** Always set here: servers omit it for AVRO. */
  schemaType: SchemaType;
  references: SchemaReference[];
}

export interface SchemaById {
  id: number;
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}

export interface NewSchema {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

export interface CompatibilityAnswer {
  compatible: boolean;
  /** The server's reasons (`?verbose=true`); empty when it gives none (Karapace, Apicurio). */
  messages: string[];
}

/** Apicurio caps `/subjects` at 1000 by default and versions at 500 per subject. */
export const LIST_CAPS = {subjects: 1000, versions: 500} as const;

/** Registry error codes cdcctl reacts to (§4.3). */
export const RegistryCode = {
  subjectNotFound: 40401,
  versionNotFound: 40402,
  schemaNotFound: 40403,
  subjectSoftDeleted: 40404,
  subjectNotSoftDeleted: 40405,
  versionSoftDeleted: 40406,
  versionNotSoftDeleted: 40407,
  noSubjectCompatibility: 40408,
  noSubjectMode: 40409,
  incompatible: 40901,
  invalidSchema: 42201,
  invalidVersion: 42202,
  invalidCompatibility: 42203,
  invalidMode: 42204,
  notPermitted: 42205,
  referenceExists: 42206,
} as const;

/**
 * An error answer of the registry, with its normalised 5-digit code. Not-found answers exit 2 (the
 * input named something that does not exist), an incompatible schema exits 3 (the answer is "not OK"),
 * 5xx exit 4.
 */
export class RegistryError extends CdcError {
  constructor(
    readonly registryCode: number,
    readonly status: number,
    readonly serverMessage: string,
    where: string,
    hint?: string,
  ) {
    const exit =
      status >= 500
        ? ExitCode.unreachable
        : registryCode === RegistryCode.incompatible
          ? ExitCode.notOk
          : ExitCode.usage;
    super(registryErrorName(registryCode), exit, `Schema Registry: ${serverMessage || `HTTP ${status}`} (${where})`, {
      hint,
      details: {service: 'Schema Registry', status, errorCode: registryCode, serverMessage},
    });
    this.name = 'RegistryError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

function registryErrorName(code: number): string {
  if (code === RegistryCode.subjectNotFound) return 'SUBJECT_NOT_FOUND';
  if (code === RegistryCode.versionNotFound) return 'VERSION_NOT_FOUND';
  if (code === RegistryCode.schemaNotFound) return 'SCHEMA_NOT_FOUND';
  if (code === RegistryCode.incompatible) return 'INCOMPATIBLE_SCHEMA';
  if (code === RegistryCode.invalidSchema) return 'INVALID_SCHEMA';
  if (code === RegistryCode.subjectNotSoftDeleted || code === RegistryCode.versionNotSoftDeleted)
    return 'NOT_SOFT_DELETED';
  return `REGISTRY_${code}`;
}

/**
 * The 5-digit code of an error body: `error_code` when it is one, else derived from the HTTP status
 * (Apicurio answered `409` and historically `0`/`404` where Confluent says 40901/40401).
 */
export function normaliseErrorCode(status: number, body: unknown): number {
  const raw = Number((body as {error_code?: unknown} | undefined)?.error_code);
  if (Number.isInteger(raw) && raw >= 10000) return raw;
  if (status === 409) return RegistryCode.incompatible;
  if (status === 404) return RegistryCode.subjectNotFound;
  if (status === 422) return RegistryCode.invalidSchema;
  return status * 100;
}

/** Answers whose body carries the registry's own error (502/503/504 stay with the HTTP layer's retries). */
const ERROR_STATUSES = [400, 401, 403, 404, 405, 406, 409, 412, 415, 422, 500];

/**
 * What the registry answers (service-apis.md §4.2, checked against the local Apicurio 3.3): `schemaType`
 * and `references` may be omitted, an id, version and schema text may not (without them a listing
 * showed NaN rows). Objects stay open to the fields newer servers add.
 */
const schemaType = z.enum(['AVRO', 'JSON', 'PROTOBUF']);
const referencesShape = z.optional(
  z.array(z.looseObject({name: z.string(), subject: z.string(), version: z.number()})),
);
const subjectVersionShape = z.looseObject({
  subject: z.optional(z.string()),
  id: z.number(),
  version: z.number(),
  schema: z.string(),
  schemaType: z.optional(schemaType),
  references: referencesShape,
});
/** A lookup's answer: some servers leave out the schema text the caller already has. */
const lookupShape = z.looseObject({...subjectVersionShape.shape, schema: z.optional(z.string())});
const schemaByIdShape = z.looseObject({
  schema: z.string(),
  schemaType: z.optional(schemaType),
  references: referencesShape,
});
const level = z.enum(COMPATIBILITY_LEVELS);
/** `compatibilityLevel` on GET and DELETE, `compatibility` on PUT: one of them. */
const levelShape = z.union([z.looseObject({compatibilityLevel: level}), z.looseObject({compatibility: level})]);
const modeShape = z.looseObject({mode: z.enum(REGISTRY_MODES)});
const numbers = z.array(z.number());

/** Compatibility level from either spelling (`compatibilityLevel` on GET, `compatibility` on PUT). */
export function levelOf(body: unknown): CompatibilityLevel | undefined {
  const b = (body ?? {}) as {compatibilityLevel?: string; compatibility?: string};
  return (b.compatibilityLevel ?? b.compatibility) as CompatibilityLevel | undefined;
}

export class SchemaRegistryClient {
  constructor(readonly http: HttpClient) {}

  get url(): string {
    return this.http.displayUrl;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Every request goes through here so that error bodies keep their `error_code`. */
  private async call<T>(
    req: HttpRequest<T> & {expect: Shape<T>},
    hint?: (code: number) => string | undefined,
  ): Promise<T> {
    const res = await this.http.request({...req, accept: ERROR_STATUSES});
    if (res.status >= 200 && res.status < 300) return res.body;
    const code = normaliseErrorCode(res.status, res.body);
    const message = serverMessageOf(res.body);
    throw new RegistryError(code, res.status, message, `${req.method} ${req.path}`, hint?.(code));
  }

  /** Subjects; the prefix is also applied here because Apicurio 3.3 ignores `subjectPrefix`. */
  async subjects(options: {prefix?: string; deleted?: boolean; deletedOnly?: boolean} = {}): Promise<string[]> {
    const names = await this.call({
      method: 'GET',
      path: '/subjects',
      expect: z.array(z.string()),
      query: {
        subjectPrefix: options.prefix,
        deleted: options.deleted || undefined,
        deletedOnly: options.deletedOnly || undefined,
      },
    });
    return options.prefix ? names.filter((n) => n.startsWith(options.prefix as string)) : names;
  }

  async versions(subject: string, options: {deleted?: boolean} = {}): Promise<number[]> {
    return this.call({
      method: 'GET',
      path: `/subjects/${enc(subject)}/versions`,
      expect: numbers,
      query: {deleted: options.deleted || undefined},
    });
  }

  /** One version (`latest`, `-1` or a number); `deleted` reads soft-deleted versions too. */
  async version(
    subject: string,
    version: number | 'latest',
    options: {deleted?: boolean} = {},
  ): Promise<SubjectVersion> {
    const body = await this.call({
      method: 'GET',
      path: `/subjects/${enc(subject)}/versions/${version}`,
      query: {deleted: options.deleted || undefined},
      expect: subjectVersionShape,
    });
    return {
      subject: body.subject ?? subject,
      id: body.id,
      version: body.version,
      schema: body.schema,
      schemaType: body.schemaType ?? 'AVRO',
      references: body.references ?? [],
    };
  }

  async schemaById(id: number): Promise<SchemaById> {
    const body = await this.call({method: 'GET', path: `/schemas/ids/${id}`, expect: schemaByIdShape});
    return {
      id,
      schema: body.schema,
      schemaType: body.schemaType ?? 'AVRO',
      references: body.references ?? [],
    };
  }

  /** Where a schema id is used: `[{subject, version}]`. */
  async idVersions(id: number): Promise<Array<{subject: string; version: number}>> {
    return this.call({
      method: 'GET',
      path: `/schemas/ids/${id}/versions`,
      expect: z.array(z.looseObject({subject: z.string(), version: z.number()})),
    });
  }

  async types(): Promise<string[]> {
    return this.call({method: 'GET', path: '/schemas/types', expect: z.array(z.string())});
  }

  /** Registers (idempotent: an identical schema returns its existing id). */
  async register(subject: string, schema: NewSchema, options: {normalize?: boolean} = {}): Promise<{id: number}> {
    return this.call(
      {
        method: 'POST',
        path: `/subjects/${enc(subject)}/versions`,
        query: {normalize: options.normalize || undefined},
        body: schemaBody(schema),
        expect: z.looseObject({id: z.number()}),
      },
      (code) =>
        code === RegistryCode.incompatible
          ? `Run \`cdcctl schemas check ${subject} -f <file>\` for the reasons, or change the level with \`cdcctl schemas config set\`.`
          : undefined,
    );
  }

  /** The version under `subject` holding exactly this schema, or undefined. */
  async lookup(subject: string, schema: NewSchema): Promise<SubjectVersion | undefined> {
    try {
      const body = await this.call({
        method: 'POST',
        path: `/subjects/${enc(subject)}`,
        body: schemaBody(schema),
        idempotent: true,
        expect: lookupShape,
      });
      return {
        subject,
        id: body.id,
        version: body.version,
        schema: body.schema ?? schema.schema,
        schemaType: body.schemaType ?? schema.schemaType ?? 'AVRO',
        references: body.references ?? [],
      };
    } catch (err) {
      if (err instanceof RegistryError && err.notFound) return undefined;
      throw err;
    }
  }

  /**
   * Tests `schema` against one version, or (no version) as registration would (honouring
   * TRANSITIVE levels). A subject that does not exist yet is compatible.
   */
  async checkCompatibility(
    subject: string,
    schema: NewSchema,
    version?: number | 'latest',
  ): Promise<CompatibilityAnswer> {
    const path =
      version === undefined
        ? `/compatibility/subjects/${enc(subject)}/versions`
        : `/compatibility/subjects/${enc(subject)}/versions/${version}`;
    try {
      const body = await this.call({
        method: 'POST',
        path,
        query: {verbose: true},
        body: schemaBody(schema),
        idempotent: true,
        expect: z.looseObject({is_compatible: z.boolean(), messages: z.optional(z.array(z.string()))}),
      });
      return {compatible: body.is_compatible === true, messages: body.messages ?? []};
    } catch (err) {
      if (err instanceof RegistryError && err.registryCode === RegistryCode.subjectNotFound)
        return {compatible: true, messages: []};
      throw err;
    }
  }

  /** Soft delete (returns the versions deleted), or permanent (only after a soft delete). */
  async deleteSubject(subject: string, permanent = false): Promise<number[]> {
    return this.call({
      method: 'DELETE',
      path: `/subjects/${enc(subject)}`,
      query: {permanent: permanent || undefined},
      expect: numbers,
    });
  }

  async deleteVersion(subject: string, version: number | 'latest', permanent = false): Promise<number> {
    return this.call({
      method: 'DELETE',
      path: `/subjects/${enc(subject)}/versions/${version}`,
      query: {permanent: permanent || undefined},
      expect: z.number(),
    });
  }

  /**
   * The compatibility level: global, or a subject's own (undefined when it has none: 40408, or
   * 40401 on older servers). `effective` asks for the level in force (`defaultToGlobal`).
   */
  async getCompatibility(subject?: string, effective = false): Promise<CompatibilityLevel | undefined> {
    try {
      const body = await this.call({
        method: 'GET',
        path: subject ? `/config/${enc(subject)}` : '/config',
        query: {defaultToGlobal: (subject && effective) || undefined},
        expect: levelShape,
      });
      return levelOf(body);
    } catch (err) {
      if (
        subject &&
        err instanceof RegistryError &&
        (err.registryCode === RegistryCode.noSubjectCompatibility || err.registryCode === RegistryCode.subjectNotFound)
      )
        return undefined;
      throw err;
    }
  }

  /**
   * A subject's own level. Confluent answers 40408 when it has none; Apicurio's ccompat answers the global
   * level instead, so an answer equal to the global level is settled with Apicurio's core API (the
   * subject's artifact rules); where that is not available the answer stays `known: false`.
   */
  async ownCompatibility(subject: string): Promise<{level?: CompatibilityLevel; known: boolean}> {
    const own = await this.getCompatibility(subject);
    if (own === undefined) return {known: true};
    if (own !== (await this.getCompatibility())) return {level: own, known: true};
    const rules = await this.#apicurioArtifactRules(subject);
    return rules === undefined
      ? {level: own, known: false}
      : {level: rules.includes('COMPATIBILITY') ? own : undefined, known: true};
  }

  /** Apicurio 3 only: the rules set on the artifact behind a ccompat subject, or undefined elsewhere (best effort: not a client method of its own, so a garbage answer leaves the level "not known"). */
  async #apicurioArtifactRules(subject: string): Promise<string[] | undefined> {
    if (!/\/apis\/ccompat\/v[67]\/?$/.test(this.http.baseUrl.pathname)) return undefined;
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: `../../registry/v3/groups/default/artifacts/${enc(subject)}/rules`,
        accept: [404],
      });
      return res.status === 200 && Array.isArray(res.body) && res.body.every((r) => typeof r === 'string')
        ? (res.body as string[])
        : undefined;
    } catch (err) {
      if (err instanceof CdcError) return undefined; // best effort: the level stays "not known"
      throw err;
    }
  }

  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<CompatibilityLevel> {
    const body = await this.call({
      method: 'PUT',
      path: subject ? `/config/${enc(subject)}` : '/config',
      body: {compatibility: level},
      expect: levelShape,
    });
    return levelOf(body) ?? level;
  }

  /** Removes a subject's own level (it then follows the global one); returns the level removed. */
  async deleteCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    return levelOf(await this.call({method: 'DELETE', path: `/config/${enc(subject)}`, expect: levelShape}));
  }

  async getMode(subject?: string): Promise<RegistryMode | undefined> {
    try {
      const body = await this.call({
        method: 'GET',
        path: subject ? `/mode/${enc(subject)}` : '/mode',
        expect: modeShape,
      });
      return body.mode;
    } catch (err) {
      if (subject && err instanceof RegistryError && err.notFound) return undefined;
      throw err;
    }
  }

  async setMode(mode: RegistryMode, subject?: string, force = false): Promise<RegistryMode> {
    const body = await this.call({
      method: 'PUT',
      path: subject ? `/mode/${enc(subject)}` : '/mode',
      query: {force: force || undefined},
      body: {mode},
      expect: modeShape,
    });
    return body.mode ?? mode;
  }
}

function enc(subject: string): string {
  return pathSegment(subject, 'subject');
}

/** `schemaType` is sent only when not AVRO: some older servers reject the field. */
function schemaBody(s: NewSchema): Record<string, unknown> {
  return {
    schema: s.schema,
    ...(s.schemaType && s.schemaType !== 'AVRO' ? {schemaType: s.schemaType} : {}),
    ...(s.references?.length ? {references: s.references} : {}),
  };
}

export function schemaRegistryClient(ctx: RunContext): SchemaRegistryClient {
  return new SchemaRegistryClient(httpClientFor(ctx, 'schemaRegistry'));
}
