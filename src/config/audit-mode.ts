import type {ContextConfig} from './schema.js';

/**
 * Whether a context's mutating runs must be audited (`required`: no record, no run) or may go
 * without a record when the store is missing (`optional`). Judged from the context alone, so both
 * the audit guard and `auth whoami` read it from here.
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
