import type {RunContext} from '../../runtime.js';
import {backupKey, reportKey} from './config.js';
import {pseudonymise} from './crypto.js';

/**
 * The GDPR keys of a context, each resolved from its config (secret reference → validated key) once
 * per run and only when first needed, so that a command fails for a missing key exactly where it
 * needs it: the backup key seals the subject id, the located keys and the backup (AES-256-GCM); the
 * report key pseudonymises subject ids (HMAC).
 */
export interface GdprKeys {
  /** The backup key (gdpr.backupKey). */
  backup(): Buffer;
  /** The subject's pseudonym: HMAC-SHA256 of the id with the report key (gdpr.reportKey). */
  pseudonym(subject: string): string;
}

export function gdprKeys(ctx: RunContext): GdprKeys {
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
