import * as z from 'zod/mini';
import {parseAnswer, type Shape} from '../../clients/answer.js';
import {cassandraClient, cassandraError} from '../../clients/cassandra.js';
import {HttpClient} from '../../clients/http.js';
import {clusterInfo, groupLag, withAdmin} from '../../clients/kafka.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import type {DebeziumHealthConfig} from '../../config/schema.js';
import {CdcError} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';

/**
 * Health checks of the pipeline's components other than Kafka Connect: Kafka (reachability,
 * brokers, sink consumer lag), Debezium health endpoints, and the databases. Each returns what it
 * saw; none throws for a component that is down — that is an answer, not an error.
 */

export interface KafkaHealth {
  reachable: boolean;
  brokers?: number;
  clusterId?: string;
  error?: string;
  lag: SinkLag[];
}

export interface SinkLag {
  connector: string;
  groupId: string;
  /** Σ lag over the group's partitions (decimal string), or null when it could not be read. */
  total: string | null;
  partitions: number;
  error?: string;
}

export async function kafkaHealth(
  ctx: RunContext,
  sinks: Array<{name: string; groupId: string}>,
): Promise<KafkaHealth | undefined> {
  if (!ctx.config.kafka) return undefined;
  try {
    return await withAdmin(ctx, async (admin) => {
      const info = await clusterInfo(admin);
      const lag = await Promise.all(
        sinks.map(async (s): Promise<SinkLag> => {
          try {
            const g = await groupLag(admin, s.groupId);
            return {connector: s.name, groupId: s.groupId, total: g.total, partitions: g.partitions.length};
          } catch (err) {
            return {connector: s.name, groupId: s.groupId, total: null, partitions: 0, error: (err as Error).message};
          }
        }),
      );
      return {reachable: true, brokers: info.brokers.length, clusterId: info.clusterId, lag};
    });
  } catch (err) {
    if (!(err instanceof CdcError)) throw err;
    return {reachable: false, error: err.message, lag: []};
  }
}

export interface EndpointHealth {
  name: string;
  kind: DebeziumHealthConfig['kind'];
  url: string;
  /** up, down, disabled (404: the health extension is off), unreachable. */
  status: 'up' | 'down' | 'disabled' | 'unreachable';
  detail: string;
  /** Debezium Server's named checks (`debezium`, the sink …) with their own status and data. */
  checks?: Array<{name: string; status: string; data?: Record<string, unknown>}>;
}

export async function debeziumHealth(ctx: RunContext): Promise<EndpointHealth[]> {
  const endpoints = ctx.config.debezium?.health ?? [];
  return Promise.all(endpoints.map((e, i) => probeDebezium(ctx, e, i)));
}

export async function probeDebezium(ctx: RunContext, e: DebeziumHealthConfig, i: number): Promise<EndpointHealth> {
  const service = e.kind === 'server' ? 'Debezium Server' : 'Debezium Cassandra agent';
  const http = new HttpClient({
    service,
    endpoint: e,
    keyPath: `contexts.${ctx.contextName}.debezium.health.${i}`,
    timeoutMs: Math.min(ctx.timeoutMs ?? e.timeoutMs ?? DEFAULT_TIMEOUT_MS, 10_000),
    retry: {maxAttempts: 1},
    trace: ctx.trace,
    userAgent: ctx.userAgent,
    origin: `the url of contexts.${ctx.contextName}.debezium.health "${e.name}"`,
  });
  const base = {name: e.name, kind: e.kind, url: http.displayUrl};
  try {
    const path = e.kind === 'server' ? '/q/health' : '/health';
    const shape: Shape<unknown> = e.kind === 'server' ? serverHealthShape : agentHealthShape;
    const res = await http.request<unknown>({method: 'GET', path, accept: [404, 500, 503], expect: shape});
    if (res.status === 404)
      return {...base, status: 'disabled', detail: `${path} answered 404: health checks are not enabled`};
    // 500 and 503 carry the same document as 200 (the HTTP layer checks only 2xx answers against `expect`)
    const body =
      res.status === 200 || res.body === undefined ? res.body : parseAnswer(shape, res.body, http.answerSource(res));
    return {
      ...base,
      ...(e.kind === 'server' ? readServerHealth(res.status, body) : readAgentHealth(res.status, body)),
    };
  } catch (err) {
    if (!(err instanceof CdcError)) throw err;
    return {...base, status: 'unreachable', detail: err.message};
  } finally {
    await http.close();
  }
}

/** What the health endpoints answer (service-apis.md §2.4); objects stay open to newer fields. */
const serverHealthShape = z.looseObject({
  status: z.string(),
  checks: z.optional(
    z.array(z.looseObject({name: z.string(), status: z.string(), data: z.optional(z.record(z.string(), z.unknown()))})),
  ),
});
const agentHealthShape = z.record(
  z.string(),
  z.looseObject({healthy: z.optional(z.boolean()), message: z.optional(z.nullable(z.string()))}),
);

/** Quarkus SmallRye health: `{"status": "UP|DOWN", "checks": [{name, status}]}`. */
export function readServerHealth(status: number, body: unknown): Pick<EndpointHealth, 'status' | 'detail' | 'checks'> {
  const b = (body ?? {}) as {
    status?: string;
    checks?: Array<{name: string; status: string; data?: Record<string, unknown>}>;
  };
  const checks = (b.checks ?? []).map((c) => ({name: c.name, status: c.status, ...(c.data ? {data: c.data} : {})}));
  const down = checks.filter((c) => c.status !== 'UP').map((c) => c.name);
  const up = status === 200 && b.status === 'UP';
  const named = checks.length ? ` (${checks.map((c) => `${c.name} ${c.status}`).join(', ')})` : '';
  return {
    status: up ? 'up' : 'down',
    detail: up ? `UP${named}` : `DOWN${down.length ? `: ${down.join(', ')}` : ''}`,
    ...(checks.length ? {checks} : {}),
  };
}

/** Dropwizard health of the Cassandra agent; `message` is itself a JSON string of component → healthy. */
export function readAgentHealth(status: number, body: unknown): Pick<EndpointHealth, 'status' | 'detail'> {
  const checks = (body ?? {}) as Record<string, {healthy?: boolean; message?: string}>;
  const failing: string[] = [];
  for (const [name, c] of Object.entries(checks)) {
    if (c.healthy === false) failing.push(name);
    try {
      const parts = JSON.parse(c.message ?? '{}') as Record<string, boolean>;
      for (const [part, ok] of Object.entries(parts)) if (ok === false) failing.push(part.split('.').at(-1) ?? part);
    } catch {
      // a plain-text message: nothing more to read
    }
  }
  const up = status === 200 && failing.length === 0;
  return {
    status: up ? 'up' : 'down',
    detail: up ? 'healthy' : `unhealthy${failing.length ? `: ${[...new Set(failing)].join(', ')}` : ''}`,
  };
}

export interface DatabaseHealth {
  name: 'postgres' | 'cassandra';
  target: string;
  reachable: boolean;
  detail: string;
}

export async function databaseHealth(ctx: RunContext): Promise<DatabaseHealth[]> {
  const checks: Array<Promise<DatabaseHealth>> = [];
  const timeout = Math.min(ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS, 10_000);
  if (ctx.config.postgres) {
    checks.push(
      (async () => {
        const target = pgTarget(ctx.config.postgres!, `contexts.${ctx.contextName}.postgres`, timeout);
        const pool = await createPool(target);
        try {
          const r = await pool.query<{v: string}>('SELECT current_setting($1) AS v', ['server_version']);
          return {name: 'postgres', target: target.display, reachable: true, detail: `PostgreSQL ${r.rows[0]?.v}`};
        } catch (err) {
          return {
            name: 'postgres',
            target: target.display,
            reachable: false,
            detail: pgError(err, target, 'checking reachability').message,
          };
        } finally {
          await pool.end().catch(() => {});
        }
      })(),
    );
  }
  if (ctx.config.cassandra) {
    checks.push(
      (async () => {
        const {client, display} = await cassandraClient({...ctx, timeoutMs: timeout});
        try {
          await client.connect();
          const r = await client.execute('SELECT release_version FROM system.local');
          return {
            name: 'cassandra',
            target: display,
            reachable: true,
            detail: `Cassandra ${r.first()?.release_version}`,
          };
        } catch (err) {
          return {
            name: 'cassandra',
            target: display,
            reachable: false,
            detail: cassandraError(err, display, 'checking reachability').message,
          };
        } finally {
          await client.shutdown().catch(() => {});
        }
      })(),
    );
  }
  return Promise.all(checks);
}
