import type {ZodMiniType} from 'zod/mini';
import {BadAnswerError} from '../errors.js';

/**
 * The client boundary: an answer leaves a client only as the shape its API documents. A zod
 * schema per API call (`zod/mini`: a few KB, unlike the classic API's start-up cost) says what
 * cdcctl relies on — objects stay loose, extra fields pass through — and anything else (an HTML
 * login page from a proxy, plain text, JSON of another shape) becomes one BadAnswerError (exit 4)
 * naming the service, the URL, the status and the first offending path. Types only here: zod itself
 * is loaded by the client modules that declare schemas.
 */
export type Shape<T> = ZodMiniType<T>;

/** Where an answer came from, for the error that refuses it. */
export interface AnswerSource {
  service: string;
  /** The request's URL, without credentials. */
  url: string;
  status: number;
  /** The configuration key the URL comes from (`contexts.local.connect.url`), named in hints. */
  origin?: string;
}

/** `body` as `shape` describes it, or a BadAnswerError saying where it differs. */
export function parseAnswer<T>(shape: Shape<T>, body: unknown, source: AnswerSource): T {
  if (typeof body === 'string') throw notJson(body, '', source);
  const result = shape.safeParse(body);
  if (result.success) return result.data;
  if (body === undefined) throw badAnswer(source, 'an empty body, not JSON', checkUrlHint(source));
  const issue = result.error.issues[0] as Issue | undefined;
  throw badAnswer(
    source,
    `JSON of an unexpected shape (${issue ? describeIssue(issue, body) : 'invalid'})`,
    checkUrlHint(source),
  );
}

/** The error for a text answer where JSON was expected: an HTML page says so (a proxy or login page). */
export function notJson(text: string, contentType: string, source: AnswerSource): BadAnswerError {
  if (looksLikeHtml(text, contentType)) {
    const title = htmlTitle(text);
    return badAnswer(
      source,
      `an HTML page${title ? ` ("${title}")` : ''}, not JSON`,
      `Is a proxy or a login page in front of ${source.service}? Check ${whereConfigured(source)}.`,
    );
  }
  const type = contentType.split(';')[0]?.trim() || 'text';
  const start = text.trim().split('\n')[0] ?? '';
  return badAnswer(
    source,
    `${type}, not JSON${start ? `: "${start.length > 60 ? `${start.slice(0, 57)}...` : start}"` : ''}`,
    checkUrlHint(source),
  );
}

/**
 * A redirect where the API answers: an SSO gateway sending the client to its login page (REST APIs
 * do not redirect; cdcctl does not follow). Names where it points, without its query (a SAML or OAuth
 * request) and credentials.
 */
export function redirected(location: string, source: AnswerSource): BadAnswerError {
  let target = '';
  try {
    const url = new URL(location, source.url.replace(/\/\/[^/@]*@/, '//'));
    target = ` to ${url.origin}${url.pathname}`;
  } catch {
    // no Location, or not a URL: the status says enough
  }
  return badAnswer(
    source,
    `a redirect${target}, not JSON`,
    `Is a proxy or a login page in front of ${source.service}? Check ${whereConfigured(source)}.`,
  );
}

export function looksLikeHtml(text: string, contentType = ''): boolean {
  return /html/i.test(contentType) || /^\s*</.test(text);
}

/** The `<title>` of an HTML page (what a login page calls itself), short and on one line. */
export function htmlTitle(text: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
  if (!title) return undefined;
  return title.length > 60 ? `${title.slice(0, 57)}...` : title;
}

function badAnswer(source: AnswerSource, what: string, hint: string): BadAnswerError {
  return new BadAnswerError(
    {
      service: source.service,
      url: source.url,
      status: source.status,
      message: `${source.service} at ${source.url} answered ${source.status} with ${what}`,
    },
    {hint},
  );
}

function whereConfigured(source: AnswerSource): string {
  return source.origin
    ? `${source.origin} (\`cdcctl config view\`)`
    : "the context's URL for it (`cdcctl config view`)";
}

function checkUrlHint(source: AnswerSource): string {
  return `Check that ${whereConfigured(source)} points at ${source.service} itself, not at a proxy or another service.`;
}

/** The parts of a zod issue read here (zod/mini leaves `message` generic: the text is made below). */
interface Issue {
  code: string;
  path: PropertyKey[];
  expected?: string;
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  errors?: Issue[][];
}

/** "at [0].connector.state: expected one of RUNNING, PAUSED…, got "ZOMBIE"". */
export function describeIssue(issue: Issue, body: unknown): string {
  const at = issue.path.length ? `at ${pathText(issue.path)}` : 'at the top level';
  const value = valueAt(body, issue.path);
  const expected = expectedOf(issue);
  if (expected === undefined) return `${at}: ${issue.code.replaceAll('_', ' ')}`;
  return value === undefined
    ? `${at}: missing (expected ${expected})`
    : `${at}: expected ${expected}, got ${kindOf(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'an array',
  object: 'an object',
  record: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  tuple: 'an array',
  undefined: 'no body',
};

function expectedOf(issue: Issue): string | undefined {
  const items = issue.origin === 'array' ? ' items' : '';
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected && (TYPE_NAMES[issue.expected] ?? issue.expected);
    case 'invalid_value':
      return (issue.values ?? []).map((v) => JSON.stringify(v)).join(' or ');
    case 'invalid_union': {
      const alternatives = new Set((issue.errors ?? []).map((e) => e[0]?.expected).filter(Boolean));
      return alternatives.size ? [...alternatives].join(' or ') : 'another form';
    }
    case 'too_small':
      return `at least ${issue.minimum}${items}`;
    case 'too_big':
      return `at most ${issue.maximum}${items}`;
    default:
      return undefined;
  }
}

function pathText(path: PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = String(p);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function valueAt(body: unknown, path: PropertyKey[]): unknown {
  let v: unknown = body;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}
