import {ConfigError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {appendAudit} from '../../store/audit-log.js';
import type {AuditEntry, AuditRecord} from '../../store/audit-record.js';
import {runStore, type Store} from '../../store/index.js';

/**
 * Where a run's audit record goes: the context's operational store. The store is opened in the
 * background as soon as the run starts (so the write at the end costs one short transaction), and
 * only for runs that are audited.
 */
export class AuditTrail {
  private store?: Promise<Store>;

  constructor(private readonly ctx: RunContext) {}

  /** Opens (or returns) the store; call early without awaiting to warm it up. */
  open(): Promise<Store> {
    if (!this.store) {
      this.store = this.ctx.config.postgres
        ? runStore(this.ctx)
        : Promise.reject(
            new ConfigError(`context "${this.ctx.contextName}" has no postgres store for audit records`, {
              hint: 'Add postgres to the context (the operational store keeps the audit log).',
            }),
          );
      this.store.catch(() => {});
    }
    return this.store;
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    return appendAudit(await this.open(), entry);
  }
}
