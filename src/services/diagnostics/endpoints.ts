import {cassandraClient, cassandraError} from '../../clients/cassandra.js';
import {readRing} from '../../clients/cassandra-ring.js';
import {HttpClient} from '../../clients/http.js';
import {clusterInfo, listTopicNames, topicLayout, topicMinIsr, withAdmin} from '../../clients/kafka.js';
import {POSTGRES_SSL_REQUEST, resolveHost, type TlsOptions, tcpConnect, tlsHandshake} from '../../clients/netprobe.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {type HttpServiceKey, httpServices} from '../../config/constants.js';
import type {HttpEndpointConfig} from '../../config/schema.js';
import {resolveSecretString} from '../../config/secrets.js';
import type {CdcError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {probeDebezium} from '../pipeline/components.js';
import {type Emit, firstLine, type Job, skewMs, skewStatus} from './checks.js';
import {replicationCheck, replicationHealth} from './replication.js';
import {ringCheck, ringHealth} from './ring.js';

/**
 * The endpoint half of doctor: per endpoint of the context, the layers one by one — DNS, TCP, TLS —
 * then what only the protocol tells: credentials accepted, server version, clock skew.
 */

/** TLS certificates expiring within this many days warn. */
export const EXPIRY_WARN_DAYS = 14;

interface Layered {
  target: string;
  host: string;
  port: number;
  /** Undefined: plaintext. */
  tls?: TlsOptions;
  /** The configuration key of the endpoint, for hints. */
  where: string;
}

/** DNS → TCP → TLS; false when a layer failed (the protocol step is then pointless). */
async function layers(l: Layered, timeoutMs: number, emit: Emit): Promise<boolean> {
  const dns = await resolveHost(l.host, timeoutMs);
  emit({
    target: l.target,
    check: 'dns',
    status: dns.ok ? 'ok' : 'fail',
    detail: dns.ok ? `${l.host} → ${dns.addresses.join(', ')}` : `${l.host}: ${dns.error}`,
    hint: dns.ok ? undefined : `Fix the host name in ${l.where}, or the resolver (/etc/hosts, DNS).`,
    ms: dns.ms,
    data: {addresses: dns.addresses},
  });
  if (!dns.ok) return false;
  const tcp = await tcpConnect(l.host, l.port, timeoutMs);
  emit({
    target: l.target,
    check: 'tcp',
    status: tcp.ok ? 'ok' : 'fail',
    detail: tcp.ok
      ? `${l.host}:${l.port} connected, rtt ${tcp.rttMs.toFixed(1)} ms`
      : `${l.host}:${l.port}: ${tcp.error}`,
    hint: tcp.ok
      ? undefined
      : `Check that the service listens on ${l.host}:${l.port} (is it running?) and the port in ${l.where}.`,
    ms: tcp.rttMs,
    data: {rttMs: Number(tcp.rttMs.toFixed(2))},
  });
  if (!tcp.ok) return false;
  if (!l.tls) return true;
  const tls = await tlsHandshake(l.host, l.port, timeoutMs, l.tls);
  if (!tls.ok) {
    emit({
      target: l.target,
      check: 'tls',
      status: 'fail',
      detail: `handshake failed: ${tls.error}`,
      hint: `Check the scheme of ${l.where} (https:// / sslmode) against what the server speaks.`,
      ms: tls.ms,
    });
    return false;
  }
  const leaf = tls.chain[0];
  const problems: string[] = [];
  let status: 'ok' | 'warn' | 'fail' = 'ok';
  let hint: string | undefined;
  if (leaf && leaf.daysLeft < 0) {
    problems.push(`certificate expired ${-leaf.daysLeft} days ago (${leaf.validTo})`);
    status = 'fail';
    hint = 'Renew the server certificate.';
  } else if (leaf && leaf.daysLeft < EXPIRY_WARN_DAYS) {
    problems.push(`certificate expires in ${leaf.daysLeft} days`);
    status = 'warn';
    hint = 'Renew the server certificate soon.';
  }
  if (!tls.hostnameMatch) {
    problems.push(`hostname mismatch: ${tls.hostnameError}`);
    status = 'fail';
    hint ??= `Connect by a name the certificate carries (${l.where}), or reissue it with this name.`;
  }
  const expiredOnly = leaf && leaf.daysLeft < 0 && /expired/i.test(tls.trustError ?? '');
  if (expiredOnly && leaf.selfSigned && tls.chain.length === 1 && !l.tls.caFile) {
    // OpenSSL names only the first problem: a self-signed certificate is untrusted as well
    problems.push('self-signed: no CA vouches for it');
    hint ??= `Give the issuing CA in ${l.where}.tls.ca.`;
  } else if (!tls.trusted && !expiredOnly) {
    problems.push(`untrusted chain: ${tls.trustError}`);
    status = 'fail';
    hint ??= `Give the issuing CA in ${l.where}.tls.ca.`;
  }
  emit({
    target: l.target,
    check: 'tls',
    status,
    detail: `${tls.protocol}, ${leaf ? `${leaf.subject} (issuer ${leaf.issuer}), ${leaf.daysLeft} days left` : 'no certificate'}${
      problems.length ? `: ${problems.join('; ')}` : ''
    }`,
    hint,
    ms: tls.ms,
    data: {protocol: tls.protocol, trusted: tls.trusted, hostnameMatch: tls.hostnameMatch, chain: tls.chain},
  });
  return status !== 'fail';
}

function hostPort(url: URL): {host: string; port: number} {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {host: url.hostname.replace(/^\[|\]$/g, ''), port};
}

/** What each REST service says about its version, and where. */
const VERSION_PATHS: Record<string, {path: string; read: (body: unknown) => string | undefined}> = {
  connect: {path: '/', read: (b) => (b as {version?: string}).version},
  alertmanager: {path: 'api/v2/status', read: (b) => (b as {versionInfo?: {version?: string}}).versionInfo?.version},
  prometheus: {path: 'api/v1/status/buildinfo', read: (b) => (b as {data?: {version?: string}}).data?.version},
  pushgateway: {
    path: 'api/v1/status',
    read: (b) => (b as {data?: {build_information?: {version?: string}}}).data?.build_information?.version,
  },
  schemaRegistry: {path: 'subjects', read: () => undefined},
  zipkin: {path: 'info', read: (b) => (b as {zipkin?: {version?: string}}).zipkin?.version},
  jaeger: {path: 'api/services', read: () => undefined},
};

function httpJob(
  ctx: RunContext,
  target: string,
  endpoint: HttpEndpointConfig,
  where: string,
  kind: keyof typeof VERSION_PATHS,
  timeoutMs: number,
): Job {
  return {
    target,
    check: 'reach',
    run: async (emit) => {
      let url: URL;
      try {
        url = new URL(resolveSecretString(endpoint.url, `${where}.url`));
      } catch (err) {
        emit({
          target,
          check: 'config',
          status: 'fail',
          detail: firstLine((err as Error).message),
          hint: `Fix ${where}.url.`,
        });
        return;
      }
      const {host, port} = hostPort(url);
      const tls: TlsOptions | undefined =
        url.protocol === 'https:'
          ? {caFile: endpoint.tls?.ca ? resolveSecretString(endpoint.tls.ca, `${where}.tls.ca`) : undefined}
          : undefined;
      if (!(await layers({target, host, port, tls, where}, timeoutMs, emit))) return;
      const http = new HttpClient({
        service: httpServices[kind as HttpServiceKey] ?? target,
        endpoint,
        keyPath: where,
        timeoutMs,
        retry: {maxAttempts: 1},
        trace: ctx.trace,
        userAgent: ctx.userAgent,
      });
      try {
        await protocolStep(http, target, where, kind, emit);
      } finally {
        await http.close();
      }
    },
  };
}

async function protocolStep(http: HttpClient, target: string, where: string, kind: string, emit: Emit): Promise<void> {
  const v = VERSION_PATHS[kind] ?? {path: '', read: () => undefined};
  const sent = Date.now();
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request({method: 'GET', path: v.path, accept: [401, 403, 407]});
  } catch (err) {
    const e = err as CdcError;
    emit({
      target,
      check: 'auth',
      status: 'fail',
      detail: firstLine(e.message),
      hint: e.hint ?? `Check ${where}.url (the path) and that the service is healthy.`,
    });
    return;
  }
  const received = Date.now();
  if ([401, 403, 407].includes(res.status)) {
    emit({
      target,
      check: 'auth',
      status: 'fail',
      detail: `credentials refused (HTTP ${res.status})`,
      hint: `Fix ${where}.auth (or ${where}.headers): the server answered ${res.status}.`,
    });
    return;
  }
  emit({target, check: 'auth', status: 'ok', detail: `HTTP ${res.status} on ${v.path || '/'}`, ms: received - sent});
  const version = safe(() => v.read(res.body));
  emit({
    target,
    check: 'version',
    status: 'ok',
    detail: version ?? 'not told by this API',
    data: version ? {version} : undefined,
    ms: 0,
  });
  const date = res.headers.date;
  if (typeof date === 'string' && !Number.isNaN(Date.parse(date))) {
    // the Date header has a resolution of one second
    const skew = skewMs(Date.parse(date) + 500, sent, received); // the header truncates to the second: its middle
    const status = skewStatus(skew, 1000);
    emit({
      target,
      check: 'clock',
      status,
      detail: `skew ${describeSkew(skew)} (HTTP Date, 1 s resolution)`,
      hint: status === 'ok' ? undefined : 'Synchronise the clocks (NTP / chrony) of this host and the server.',
      data: {skewMs: skew},
      ms: 0,
    });
  }
}

function describeSkew(skew: number): string {
  return `${skew >= 0 ? '+' : ''}${skew} ms (server ${skew >= 0 ? 'ahead' : 'behind'})`;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export function endpointJobs(ctx: RunContext, timeoutMs: number): Job[] {
  const c = ctx.config;
  const base = `contexts.${ctx.contextName}`;
  const jobs: Job[] = [];
  for (const key of Object.keys(httpServices) as HttpServiceKey[]) {
    const e = c[key];
    if (e) jobs.push(httpJob(ctx, key, e, `${base}.${key}`, key, timeoutMs));
  }
  if (c.tracing)
    jobs.push(httpJob(ctx, `tracing (${c.tracing.kind})`, c.tracing, `${base}.tracing`, c.tracing.kind, timeoutMs));
  (c.debezium?.health ?? []).forEach((h, i) => {
    const where = `${base}.debezium.health.${i}`;
    const target = `debezium ${h.name}`;
    jobs.push({
      target,
      check: 'health',
      run: async (emit) => {
        const url = new URL(resolveSecretString(h.url, `${where}.url`));
        const {host, port} = hostPort(url);
        const tls = url.protocol === 'https:' ? {} : undefined;
        if (!(await layers({target, host, port, tls, where}, timeoutMs, emit))) return;
        const health = await probeDebezium({...ctx, timeoutMs}, h, i);
        emit({
          target,
          check: 'health',
          status: health.status === 'up' ? 'ok' : health.status === 'disabled' ? 'warn' : 'fail',
          detail: `${health.status}: ${health.detail}`,
          hint:
            health.status === 'up'
              ? undefined
              : health.status === 'disabled'
                ? 'Enable the health extension of Debezium Server (quarkus-smallrye-health) or fix the path.'
                : 'Read the Debezium log: a component reports DOWN.',
        });
      },
    });
  });
  if (c.kafka) jobs.push(...kafkaJobs(ctx, timeoutMs));
  if (c.postgres) jobs.push(postgresJob(ctx, timeoutMs));
  if (c.cassandra) jobs.push(cassandraJob(ctx, timeoutMs));
  return jobs;
}

function kafkaJobs(ctx: RunContext, timeoutMs: number): Job[] {
  const k = ctx.config.kafka;
  if (!k) return [];
  const where = `contexts.${ctx.contextName}.kafka`;
  const tls = k.ssl ? {caFile: typeof k.ssl === 'object' && k.ssl.ca ? k.ssl.ca : undefined} : undefined;
  const jobs: Job[] = k.brokers.map((b) => {
    const [host = '', port = '9092'] = b.split(/:(?=\d+$)/);
    const target = `kafka ${b}`;
    return {
      target,
      check: 'reach',
      run: async (emit) => {
        await layers({target, host, port: Number(port), tls, where: `${where}.brokers`}, timeoutMs, emit);
      },
    };
  });
  jobs.push({
    target: 'kafka cluster',
    check: 'auth',
    hint: `Check ${where}.brokers and, with SASL, ${where}.sasl.`,
    run: async (emit) => {
      const t0 = performance.now();
      let authMs = 0;
      // one admin connection: the cluster, then replication across every topic (Connect's internal ones
      // included) — what a dead broker leaves behind
      const {info, health} = await withAdmin({...ctx, timeoutMs}, async (admin) => {
        const info = await clusterInfo(admin);
        authMs = performance.now() - t0;
        const topics = await listTopicNames(admin);
        const [layouts, minIsr] = await Promise.all([topicLayout(admin, topics), topicMinIsr(admin, topics)]);
        const live = info.brokers.map((b) => b.nodeId);
        return {info, health: replicationHealth(layouts, live, minIsr)};
      });
      emit({
        target: 'kafka cluster',
        check: 'auth',
        status: 'ok',
        detail: `cluster ${info.clusterId}: ${info.brokers.length} broker(s), controller ${info.controller ?? '?'}`,
        ms: authMs,
        data: {clusterId: info.clusterId, brokers: info.brokers},
      });
      emit({...replicationCheck(health), ms: performance.now() - t0 - authMs});
      // the advertised listeners are what clients really connect to after the bootstrap
      await Promise.all(
        info.brokers.map(async (b) => {
          const tcp = await tcpConnect(b.host, b.port, timeoutMs);
          emit({
            target: 'kafka cluster',
            check: `advertised ${b.nodeId}`,
            status: tcp.ok ? 'ok' : 'fail',
            detail: `broker ${b.nodeId} advertises ${b.host}:${b.port}${tcp.ok ? `, rtt ${tcp.rttMs.toFixed(1)} ms` : `: ${tcp.error}`}`,
            hint: tcp.ok
              ? undefined
              : "Fix the broker's advertised.listeners: clients cannot reach what it advertises.",
            ms: tcp.rttMs,
          });
        }),
      );
    },
  });
  return jobs;
}

function postgresJob(ctx: RunContext, timeoutMs: number): Job {
  const where = `contexts.${ctx.contextName}.postgres`;
  const target = 'postgres';
  return {
    target,
    check: 'reach',
    run: async (emit) => {
      const t = pgTarget(ctx.config.postgres!, where, timeoutMs);
      const host = String(t.config.host);
      const port = Number(t.config.port);
      const tls = t.config.ssl ? {preamble: POSTGRES_SSL_REQUEST} : undefined;
      if (!(await layers({target, host, port, tls, where: `${where}.url`}, timeoutMs, emit))) return;
      await pgProtocol(t, target, emit);
    },
  };
}

/** Log in, read the version and the server's clock. Shared with the source checks. */
export async function pgProtocol(t: ReturnType<typeof pgTarget>, target: string, emit: Emit): Promise<boolean> {
  const pool = await createPool({...t, config: {...t.config, max: 1}});
  try {
    let row: {v: string; t: string};
    let sent = Date.now();
    const loginStarted = sent;
    try {
      const client = await pool.connect();
      client.release();
      sent = Date.now();
      row = (
        await pool.query<{v: string; t: string}>(
          "SELECT current_setting('server_version') AS v, (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS t",
        )
      ).rows[0] as {v: string; t: string};
    } catch (err) {
      const e = pgError(err, t, 'logging in');
      emit({target, check: 'auth', status: 'fail', detail: firstLine(e.message), hint: e.hint});
      return false;
    }
    const received = Date.now();
    emit({target, check: 'auth', status: 'ok', detail: `logged in as ${t.config.user}`, ms: sent - loginStarted});
    emit({target, check: 'version', status: 'ok', detail: `PostgreSQL ${row.v}`, data: {version: row.v}, ms: 0});
    const skew = skewMs(Number(row.t), sent, received);
    const status = skewStatus(skew, received - sent);
    emit({
      target,
      check: 'clock',
      status,
      detail: `skew ${describeSkew(skew)}`,
      hint: status === 'ok' ? undefined : 'Synchronise the clocks (NTP / chrony) of this host and the database.',
      data: {skewMs: skew},
      ms: 0,
    });
    return true;
  } finally {
    await pool.end().catch(() => {});
  }
}

/** How long a Cassandra node has to answer the ring probe before it counts as down. */
const RING_PROBE_MS = 3000;

function cassandraJob(ctx: RunContext, timeoutMs: number): Job {
  const where = `contexts.${ctx.contextName}.cassandra`;
  const target = 'cassandra';
  return {
    target,
    check: 'reach',
    run: async (emit) => {
      const points = ctx.config.cassandra!.contactPoints;
      const reached = await Promise.all(
        points.map((p) => {
          const [host = '', port = '9042'] = p.split(/:(?=\d+$)/);
          return layers(
            {target: `cassandra ${p}`, host, port: Number(port), where: `${where}.contactPoints`},
            timeoutMs,
            emit,
          );
        }),
      );
      if (!reached.some(Boolean)) return;
      const {client, display} = await cassandraClient({...ctx, timeoutMs});
      try {
        const loginStarted = Date.now();
        try {
          await client.connect();
        } catch (err) {
          const e = cassandraError(err, display, 'logging in');
          emit({target, check: 'auth', status: 'fail', detail: firstLine(e.message), hint: e.hint});
          return;
        }
        const sent = Date.now();
        const rs = await client.execute('SELECT release_version, toUnixTimestamp(now()) AS t FROM system.local');
        const received = Date.now();
        emit({target, check: 'auth', status: 'ok', detail: `connected to ${display}`, ms: sent - loginStarted});
        const row = rs.first();
        const version = String(row?.get('release_version') ?? '?');
        emit({target, check: 'version', status: 'ok', detail: `Cassandra ${version}`, data: {version}, ms: 0});
        const t = row?.get('t');
        if (t !== undefined && t !== null) {
          const skew = skewMs(Number(t.toString()), sent, received);
          const status = skewStatus(skew, received - sent);
          emit({
            target,
            check: 'clock',
            status,
            detail: `skew ${describeSkew(skew)}`,
            hint: status === 'ok' ? undefined : 'Synchronise the clocks (NTP): Cassandra resolves writes by timestamp.',
            data: {skewMs: skew},
            ms: 0,
          });
        }
        const ringStarted = performance.now();
        const localDc = ctx.config.cassandra!.localDataCenter;
        const ring = await readRing(client, Math.min(timeoutMs, RING_PROBE_MS));
        emit({
          ...ringCheck(ringHealth(ring.nodes, ring.keyspaces, localDc), localDc),
          ms: performance.now() - ringStarted,
        });
      } finally {
        await client.shutdown().catch(() => {});
      }
    },
  };
}
