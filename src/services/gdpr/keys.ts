import type {RunContext} from '../../runtime.js';
import {backupKey, reportKey} from './config.js';
import {pseudonymise} from './crypto.js';

/**
 * The GDPR keys of a context, each resolved from its config (secret reference → validated key) once
 * per run (per RunContext) and only when first needed, so that a command fails for a missing key
 * exactly where it needs it: the backup key seals the subject id, the located keys and the backup
 * (AES-256-GCM); the report key pseudonymises subject ids (HMAC).
 */
export interface GdprKeys {
  /** The backup key (gdpr.backupKey). */
  backup(): Buffer;
  /** The subject's pseudonym: HMAC-SHA256 of the id with the report key (gdpr.reportKey). */
  pseudonym(subject: string): string;
}

/** One set per run context: every part of a run that needs a key shares its single resolution. */
const perRun = new WeakMap<RunContext, GdprKeys>();

export function gdprKeys(ctx: RunContext): GdprKeys {
  let keys = perRun.get(ctx);
  if (!keys) {
    keys = resolveOnFirstUse(ctx);
    perRun.set(ctx, keys);
  }
  return keys;
}

function resolveOnFirstUse(ctx: RunContext): GdprKeys {
  let backup: Buffer | undefined;
  let report: string | undefined;
  return {
    backup: () => {
      backup ??= backupKey(ctx);
      return backup;
    },
    pseudonym: (subject) => {
      report ??= reportKey(ctx);
      return pseudonymise(report, subject);
    },
  };
}
