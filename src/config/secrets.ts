import {readFileSync} from 'node:fs';
import {ConfigError} from '../errors.js';
import {vaultReferenceProblem, vaultSecret} from './vault.js';

/**
 * Secret references: `${env:NAME}`, `${file:/absolute/path}` and `${vault:<mount>/data/<path>#<key>}`
 * (HashiCorp Vault KV v2) inside any string. They are resolved only when a value is about to be used,
 * kept in memory only, and never written back or printed. `$${` escapes a literal `${` (e.g. to pass
 * a Kafka Connect config-provider reference through). Vault is read over HTTP, so its references are
 * fetched beforehand (services/secrets/prefetch.ts) and resolved here from what was fetched.
 */
const REFERENCE = /\$?\$\{(env|file|vault):([^}]*)\}/g;

/** Anything written like a reference, `${scheme:…}`, known scheme or not (an escaped `$${` is not one). */
const REFERENCE_LIKE = /\$?\$\{([A-Za-z][A-Za-z0-9_.-]*):([^}]*)\}/g;

const KNOWN_FORMS = '${env:NAME}, ${file:/absolute/path} or ${vault:<mount>/data/<path>#<key>}';

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

/** redactText on every string of a JSON-like value (an error's --json document). */
export function redactTextDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactTextDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactTextDeep(v);
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
    if (kind === 'vault') {
      const resolved = vaultSecret(ref, where);
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

/**
 * What is wrong with the references written in `value`, if anything: an unknown scheme (it would be
 * sent as a literal), an empty variable name, a relative file path, a malformed Vault reference.
 * Checked when a configuration file is validated, so that no run starts with one.
 */
export function referenceProblem(value: string): string | undefined {
  for (const m of value.matchAll(REFERENCE_LIKE)) {
    if (m[0].startsWith('$$')) continue;
    const [, scheme = '', ref = ''] = m;
    if (scheme === 'env') {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) return `\${env:${ref}} must name an environment variable`;
    } else if (scheme === 'file') {
      if (!ref.startsWith('/')) return `\${file:${ref}} must name an absolute path`;
    } else if (scheme === 'vault') {
      const problem = vaultReferenceProblem(ref);
      if (problem) return problem;
    } else {
      return `unknown secret reference scheme "${scheme}" in \${${scheme}:…}: write ${KNOWN_FORMS} (or $\${…} for a literal \${…})`;
    }
  }
  return undefined;
}

/** The `${vault:…}` references (the text after `vault:`) in every string of a JSON-like value. */
export function vaultReferencesIn(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REFERENCE)) if (m[1] === 'vault' && !m[0].startsWith('$$')) into.add(m[2]!);
  } else if (Array.isArray(value)) {
    for (const v of value) vaultReferencesIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) vaultReferencesIn(v, into);
  }
  return into;
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

/**
 * Keys whose values are secrets, in cdcctl's config and in connector configs alike: passwords and
 * passphrases, secrets, tokens, credentials, user-info (the registry's `basic.auth.user.info`, which is
 * `user:password`), JAAS configs (they embed passwords), Authorization headers and cookies, API,
 * private and SSL-keystore keys, and cdcctl's own backup/report/HMAC/signing keys.
 */
const SECRET_KEY =
  /(passw(or)?d|passphrase|(^|[._-])pwd$|secret|token|credential|user[._-]?info|jaas\.config|authorization|cookie|api[._-]?key|private[._-]?key|(backup|report|hmac|signing|encryption)[._-]?key|(^|\.)ssl\.key$|keystore\.key$)/i;

/**
 * Keys that name where or what kind of thing a credential is, not the credential itself, although a
 * secret word is in them: `basic.auth.credentials.source`, `sasl.oauthbearer.token.endpoint.url`,
 * `ssl.keystore.type`, `…password.file`-style locations. (A URL's own password is removed from its
 * value by redactUrl.)
 */
const DESCRIPTOR_KEY =
  /[._-](url|uri|source|class|type|location|path|file|enabled?|ms|seconds|mechanism|provider|stdin)$/i;

/** Whether the value under `key` is a secret (`key`, `key.converter`, `ssl.keystore.location` are not). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !DESCRIPTOR_KEY.test(key);
}

/**
 * Hides the passwords in URLs: the user-info part of every URL in the text, whatever its scheme
 * (`https://`, `mongodb+srv://`, JDBC's `jdbc:postgresql://`), and secret query parameters
 * (`?password=…`, `&sslpassword=…`, `;pwd=…`) as JDBC and ODBC URLs carry them.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@:\s]+):([^/\s]*)@/gi, (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`)
    .replace(SECRET_URL_PARAM, (_m, lead) => `${lead}${REDACTED}`);
}

const SECRET_URL_PARAM =
  /([?&;](?:[a-z]*password|passwd|pwd|secret|client[_-]?secret|[a-z_]*token|api[_-]?key|user[_-]?info)=)[^&;#\s]*/gi;

/** Free text made safe to show or keep: no URL password, and no secret value resolved in this process. */
export function redactText(text: string): string {
  return scrubKnownSecrets(redactUrl(text));
}

/**
 * The one rule for a value that is shown, logged, diffed, audited or stored: under a secret key it is
 * masked unless it is only references (a reference names where the secret lives, not the secret);
 * any value loses URL passwords and every secret resolved in this process. Pass the value as the user
 * wrote it (references unresolved): a resolved reference in a non-secret key is only caught when it
 * was resolved in this process.
 */
export function redactValue(key: string, value: string): string {
  if (value === '') return value;
  if (isSecretKey(key) && !isOnlyReferences(value)) return REDACTED;
  return redactText(value);
}

/** redactValue on every string of a JSON-like value, each under the key that holds it. */
export function redact<T>(value: T, key = ''): T {
  if (typeof value === 'string') return redactValue(key, value) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, key)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k);
    return out as T;
  }
  return value;
}

/**
 * Whether `value` could be what `written` became: `written` with its references resolved (when this
 * process can resolve them, exactly; otherwise, and for masked parts, any text in their place). The
 * text that fills those places is a secret this process now knows, and is scrubbed like one: a live
 * config read back from the worker carries it resolved.
 */
export function couldBeWrittenAs(value: string, written: string, where: string): boolean {
  if (!written.includes(REDACTED)) {
    try {
      return resolveSecretString(written, where) === value;
    } catch {
      // not resolvable here: compare the literal parts only
    }
  }
  let pattern = '';
  let last = 0;
  for (const m of written.matchAll(HOLE)) {
    pattern += escapeRegExp(written.slice(last, m.index));
    pattern += m[0].startsWith('$$') ? escapeRegExp(m[0].slice(1)) : '([\\s\\S]*)';
    last = m.index + m[0].length;
  }
  pattern += escapeRegExp(written.slice(last));
  const match = new RegExp(`^${pattern}$`).exec(value);
  for (const fill of match?.slice(1) ?? []) registerSecret(fill);
  return match !== null;
}

/** A reference (or its `$${…}` escape) or a masked part: where a written value differs from the live one. */
const HOLE = /\$?\$\{(?:env|file|vault):[^}]*\}|\*{8}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
