import {readFileSync} from 'node:fs';
import {ConfigError} from '../errors.js';

/**
 * Secret references: `${env:NAME}` and `${file:/absolute/path}` inside any string. They are resolved
 * only when a value is about to be used, kept in memory only, and never written back or printed.
 * `$${` escapes a literal `${` (e.g. to pass a Kafka Connect config-provider reference through).
 */
const REFERENCE = /\$?\$\{(env|file):([^}]*)\}/g;

export const REDACTED = '********';

/** Every secret value resolved or used in this process, so that output can be scrubbed of them. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

/** Replaces every known secret value in a text (error messages, traces, server answers). */
export function scrubKnownSecrets(text: string): string {
  return scrub(text, knownSecrets);
}

/** scrubKnownSecrets on every string of a JSON-like value (an error's --json document). */
export function scrubKnownSecretsDeep<T>(value: T): T {
  if (typeof value === 'string') return scrubKnownSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubKnownSecretsDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubKnownSecretsDeep(v);
    return out as T;
  }
  return value;
}

export function hasSecretReference(value: string): boolean {
  REFERENCE.lastIndex = 0;
  for (const m of value.matchAll(REFERENCE)) if (!m[0].startsWith('$$')) return true;
  return false;
}

/** Resolves every reference in `value`; `where` names the place (file and key path) for errors. */
export function resolveSecretString(value: string, where: string): string {
  return value.replace(REFERENCE, (match: string, kind: string, ref: string) => {
    if (match.startsWith('$$')) return match.slice(1);
    if (kind === 'env') {
      const resolved = process.env[ref];
      if (ref === '' || resolved === undefined) {
        throw new ConfigError(`${where}: the environment variable ${ref || '(empty name)'} is not set`, {
          hint: `Export ${ref || 'the variable'} before running cdcctl, or change the reference.`,
        });
      }
      registerSecret(resolved);
      return resolved;
    }
    if (!ref.startsWith('/')) {
      throw new ConfigError(`${where}: \${file:${ref}} must name an absolute path`);
    }
    try {
      const content = readFileSync(ref, 'utf8').replace(/\r?\n$/, '');
      registerSecret(content);
      return content;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`${where}: cannot read the secret file ${ref} (${reason})`, {
        hint: 'Check that the file exists and that cdcctl may read it.',
      });
    }
  });
}

/** Resolves references in every string of a JSON-like value (objects, arrays). */
export function resolveSecrets<T>(value: T, where: string): T {
  if (typeof value === 'string') return resolveSecretString(value, where) as T;
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, `${where}[${i}]`)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveSecrets(v, `${where}.${k}`);
    return out as T;
  }
  return value;
}

/** Keys whose values are secrets, in cdcctl's config and in connector configs alike. */
const SECRET_KEY =
  /(pass(word|wd)?|secret|token|credential|api[._-]?key|private[._-]?key|(backup|report|hmac|signing)[._-]?key|jaas\.config|authorization|ssl\.key|\.key$|^key$)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Hides the passwords in URLs: the user-info part of every URL in the text, whatever its scheme
 * (`https://`, `mongodb+srv://`, JDBC's `jdbc:postgresql://`), and secret query parameters
 * (`?password=…`, `&sslpassword=…`, `;pwd=…`) as JDBC and ODBC URLs carry them.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@:\s]+):([^/@\s]*)@/gi, (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_URL_PARAM, (_m, lead) => `${lead}${REDACTED}`);
}

const SECRET_URL_PARAM =
  /([?&;](?:[a-z]*password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|api[_-]?key)=)[^&;#\s]*/gi;

/**
 * A copy of `value` that is safe to print: values under secret-looking keys are masked unless they
 * are only references (a reference names where the secret lives, not the secret), and URLs lose
 * their passwords.
 */
export function redact<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    if (key && isSecretKey(key) && value !== '' && !isOnlyReferences(value)) return REDACTED as T;
    return redactUrl(value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, key)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k);
    return out as T;
  }
  return value;
}

function isOnlyReferences(value: string): boolean {
  REFERENCE.lastIndex = 0;
  return value.replace(REFERENCE, '').trim() === '' && hasSecretReference(value);
}

/**
 * Removes every occurrence of the given secret values from a text (error messages, traces), so
 * that a server echoing a password back never reaches the terminal.
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}
