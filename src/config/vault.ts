import {homedir} from 'node:os';
import {join} from 'node:path';
import {CdcError, ConfigError, ExitCode} from '../errors.js';
import type {ContextConfig} from './schema.js';

/**
 * `${vault:<mount>/data/<path>#<key>}` references: their syntax, where the Vault they name is (the
 * context's `vault:` section, else the environment the vault CLI reads), and what this process has
 * read from it. The path is the KV v2 API path exactly as `GET /v1/<path>` takes it (the vault CLI
 * prints it as "Secret Path"), so no mount discovery is needed and the reference is unambiguous.
 * Reading happens over HTTP (services/secrets/prefetch.ts, clients/vault.ts); resolution, which is
 * synchronous, only looks up what was read (secrets.ts).
 */

export interface VaultReference {
  /** The API path after `/v1/`, e.g. `secret/data/cdc/pg`. */
  path: string;
  key: string;
}

const VAULT_REFERENCE = /^([^#\s]+)#([^#]+)$/;

export function parseVaultReference(ref: string): VaultReference | undefined {
  const m = VAULT_REFERENCE.exec(ref);
  if (!m || vaultReferenceProblem(ref)) return undefined;
  return {path: m[1]!.replace(/^\/+/, ''), key: m[2]!};
}

/** Why `ref` (the text after `vault:`) is not a usable KV v2 reference, or undefined when it is. */
export function vaultReferenceProblem(ref: string): string | undefined {
  const form = 'write ${vault:<mount>/data/<path>#<key>}, e.g. ${vault:secret/data/cdc/postgres#password}';
  const m = VAULT_REFERENCE.exec(ref);
  if (!m) return `\${vault:${ref}} names no key: ${form}`;
  const segments = m[1]!.replace(/^\/+/, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return `\${vault:${ref}} has an empty, "." or ".." path segment: ${form}`;
  }
  const data = segments.indexOf('data');
  if (data < 1 || data === segments.length - 1) {
    const guess = segments.length > 1 ? ` (did you mean ${segments[0]}/data/${segments.slice(1).join('/')}?)` : '';
    return `\${vault:${ref}} is not a KV v2 API path${guess}: ${form}`;
  }
  return undefined;
}

/** Where the Vault of a context is and how to reach it (the token is read when it is first needed). */
export interface VaultSettings {
  /** `contexts.<name>.vault`, for messages. */
  where: string;
  address?: string;
  namespace?: string;
  /** The context's `vault.token` as written (usually a reference), else undefined. */
  token?: string;
  /** Where the token comes from when the context does not say: VAULT_TOKEN, else the vault CLI's token file. */
  tokenFromEnv?: string;
  tokenFile: string;
  tls: {ca?: string; cert?: string; key?: string; insecureSkipTlsVerify?: boolean};
  timeoutMs?: number;
}

/**
 * The context's `vault:` section, completed from the environment the vault CLI reads (VAULT_ADDR,
 * VAULT_NAMESPACE, VAULT_TOKEN, VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY):
 * what the context sets wins, the environment fills the rest.
 */
export function vaultSettings(
  contextName: string,
  config: ContextConfig['vault'],
  env: NodeJS.ProcessEnv = process.env,
): VaultSettings {
  const tls = config?.tls ?? {};
  return {
    where: `contexts.${contextName}.vault`,
    address: config?.address ?? (env.VAULT_ADDR || undefined),
    namespace: config?.namespace ?? (env.VAULT_NAMESPACE || undefined),
    token: config?.token,
    tokenFromEnv: env.VAULT_TOKEN || undefined,
    tokenFile: join(env.HOME || homedir(), '.vault-token'),
    tls: {
      ca: tls.ca ?? (env.VAULT_CACERT || undefined),
      cert: tls.cert ?? (env.VAULT_CLIENT_CERT || undefined),
      key: tls.key ?? (env.VAULT_CLIENT_KEY || undefined),
      insecureSkipTlsVerify: tls.insecureSkipTlsVerify ?? truthy(env.VAULT_SKIP_VERIFY),
    },
    timeoutMs: config?.timeoutMs,
  };
}

function truthy(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return !/^(0|false|no|off)$/i.test(value);
}

/** What reading one secret path gave: its key/value data, or the error to report where it is used. */
export type VaultRead = {data: Record<string, unknown>} | {error: CdcError};

/** Every Vault path read in this process, by Vault (address, namespace, token) and path. */
const reads = new Map<string, VaultRead>();
/** The Vault of the run's context, set when its references are fetched; references resolve against it. */
let current: VaultSettings | undefined;

/** Reads are shared by Vault, namespace and token (as written: contexts with other tokens read for themselves). */
function readKey(settings: VaultSettings, path: string): string {
  return [settings.address ?? '', settings.namespace ?? '', settings.token ?? '', path].join('\n');
}

export function useVault(settings: VaultSettings): void {
  current = settings;
}

export function currentVault(): VaultSettings | undefined {
  return current;
}

export function vaultReadOf(settings: VaultSettings, path: string): VaultRead | undefined {
  return reads.get(readKey(settings, path));
}

export function rememberVaultRead(settings: VaultSettings, path: string, read: VaultRead): void {
  reads.set(readKey(settings, path), read);
}

/**
 * The value a `${vault:…}` reference (the text after `vault:`) names, from what this process read;
 * `where` names the place it is used. A read that failed fails here, at the moment of use, with the
 * exit code of its cause: 2 for a missing secret, key or permission, 4 when Vault was unreachable.
 */
export function vaultSecret(ref: string, where: string): string {
  const parsed = parseVaultReference(ref);
  if (!parsed) throw new ConfigError(`${where}: ${vaultReferenceProblem(ref)}`);
  const read = current && vaultReadOf(current, parsed.path);
  if (!read) {
    throw new CdcError(
      'VAULT_NOT_READ',
      ExitCode.bug,
      `${where}: \${vault:${ref}} was needed before it was read from Vault (a bug in cdcctl)`,
      {hint: 'Please report it with the command you ran; as a workaround, use an ${env:…} reference.'},
    );
  }
  if ('error' in read) {
    const e = read.error;
    throw new CdcError(e.code, e.exitCode, `${where}: ${e.message}`, {hint: e.hint, details: e.details});
  }
  if (!(parsed.key in read.data)) {
    const keys = Object.keys(read.data).sort();
    throw new ConfigError(`${where}: the Vault secret ${parsed.path} has no key "${parsed.key}"`, {
      hint: keys.length ? `Its keys: ${keys.join(', ')}.` : 'It has no keys at all.',
      details: {path: parsed.path, key: parsed.key},
    });
  }
  const value = read.data[parsed.key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null)
    throw new ConfigError(`${where}: the key "${parsed.key}" of the Vault secret ${parsed.path} is null`);
  return JSON.stringify(value);
}
