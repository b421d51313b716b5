import {retryTransient} from '../../clients/postgres.js';
import {ConfigError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {appendAudit, getAudit} from '../../store/audit-log.js';
import type {AuditEntry, AuditRecord} from '../../store/audit-record.js';
import {runStore, type Store} from '../../store/index.js';

/**
 * Where a run's audit record goes: the context's operational store. The store is opened in the
 * background as soon as the run starts (so the write at the end costs one short transaction), and
 * only for runs that are audited.
 */
export class AuditTrail {
  constructor(private readonly ctx: RunContext) {}

  /** Opens (or returns) the run's store; call early without awaiting to warm it up. A failed open is tried again on the next call. */
  open(): Promise<Store> {
    if (!this.ctx.config.postgres) {
      const missing = Promise.reject(
        new ConfigError(`context "${this.ctx.contextName}" has no postgres store for audit records`, {
          hint: 'Add postgres to the context (the operational store keeps the audit log).',
        }),
      );
      missing.catch(() => {});
      return missing;
    }
    return runStore(this.ctx);
  }

  /**
   * Appends the record. Through a restart or a blip of the store (see isTransientPgError) the append is
   * tried again on a new connection until `retryForMs` has passed; an append whose commit was not
   * acknowledged is found by its id rather than written twice.
   */
  append(entry: AuditEntry, opts: {retryForMs?: number; onRetry?: (err: unknown) => void} = {}): Promise<AuditRecord> {
    return retryTransient(
      async (attempt) => {
        const store = await this.open();
        const written = attempt > 0 ? await getAudit(store, entry.id) : undefined;
        return written ?? (await appendAudit(store, entry));
      },
      {retryForMs: opts.retryForMs ?? 0, onRetry: opts.onRetry},
    );
  }
}
