import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

/**
 * Remembers which configuration texts this build of cdcctl has validated, so that an unchanged file
 * is not validated again on every run. Only a marker is kept — an empty file named by
 * SHA-256(schema identity, file text) under `$XDG_CACHE_HOME/cdcctl/valid-config/` — never any of the
 * configuration's content. Any change to the file or to the schema is a new key, so a miss
 * validates in full. Best effort: an unwritable cache only means validating each time.
 */

declare const __CDCCTL_CONFIG_SCHEMA__: string | undefined;

/** The schema's identity, set by bin/bundle.js (hash of schema.ts and zod's version); from source, none: no caching. */
const SCHEMA_ID = typeof __CDCCTL_CONFIG_SCHEMA__ === 'string' ? __CDCCTL_CONFIG_SCHEMA__ : undefined;

export function validationKey(text: string): string | undefined {
  if (!SCHEMA_ID || process.env.CDCCTL_NO_CONFIG_CACHE) return undefined;
  return createHash('sha256').update(SCHEMA_ID).update('\0').update(text).digest('hex');
}

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cdcctl', 'valid-config');
}

export function isKnownValid(key: string): boolean {
  return existsSync(join(cacheDir(), key));
}

export function rememberValid(key: string): void {
  try {
    mkdirSync(cacheDir(), {recursive: true, mode: 0o700});
    writeFileSync(join(cacheDir(), key), '', {mode: 0o600});
  } catch {
    // read-only or missing home: validate every time
  }
}
