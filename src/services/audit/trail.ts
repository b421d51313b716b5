import type {ContextConfig} from '../../config/schema.js';
import {ConfigError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {appendAudit} from '../../store/audit-log.js';
import {runStore, type Store} from '../../store/index.js';
import type {AuditEntry, AuditRecord} from './record.js';

/**
 * Where a run's audit record goes: the context's operational store. The store is opened in the
 * background as soon as the run starts (so the write at the end costs one short transaction), and
 * only for runs that are audited.
 */
export type AuditMode = 'required' | 'optional';

/** `audit:` from the context; by default optional for local contexts and required for any other. */
export function auditMode(config: ContextConfig): AuditMode {
  return config.audit ?? (isLocalContext(config) ? 'optional' : 'required');
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\]|0:0:0:0:0:0:0:1)$/i;

/**
 * A context is local when every endpoint it names is on the loopback interface (localhost,
 * 127.0.0.0/8, ::1) — a developer's own stack. Hosts are judged as written, without DNS; an
 * endpoint whose host cannot be read (e.g. a secret reference in the host) counts as remote.
 */
export function isLocalContext(config: ContextConfig): boolean {
  return endpointHosts(config).every((h) => h !== undefined && LOOPBACK.test(h));
}

function endpointHosts(config: ContextConfig): Array<string | undefined> {
  const urls = [
    config.connect,
    config.schemaRegistry,
    config.alertmanager,
    config.prometheus,
    config.pushgateway,
    ...(config.debezium?.health ?? []),
  ]
    .filter((e) => e !== undefined)
    .map((e) => e.url);
  if (config.postgres) urls.push(config.postgres.url);
  const hostPorts = [...(config.kafka?.brokers ?? []), ...(config.cassandra?.contactPoints ?? [])];
  return [
    ...urls.map((u) => {
      try {
        return new URL(u).hostname;
      } catch {
        return undefined;
      }
    }),
    ...hostPorts.map((hp) => hp.replace(/:\d+$/, '')),
  ];
}

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
