import {ConnectClient, connectFeatures, type ExpandedConnector} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {HttpClient} from '../../clients/http.js';
import {CdcError, ExitCode} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {type ConnectorStatusView, statusView} from '../connectors/inspect.js';
import {type CassandraCdcHealth, cassandraCdcHealth, checksCassandraCdc} from './cassandra-cdc.js';
import {
  type DatabaseHealth,
  databaseHealth,
  debeziumHealth,
  type EndpointHealth,
  type KafkaHealth,
  kafkaHealth,
} from './components.js';

/**
 * One verdict for the whole pipeline, from every component cdcctl can see. Each check adds
 * problems; the verdict is the worst of them: healthy (exit 0), degraded (3), down (4).
 */

export type Verdict = 'healthy' | 'degraded' | 'down';

export interface Problem {
  severity: Exclude<Verdict, 'healthy'>;
  component: string;
  message: string;
}

export interface WorkerStatus {
  id: string;
  url: string;
  reachable: boolean;
  version?: string;
  commit?: string;
  kafkaClusterId?: string;
  health?: string;
  healthMessage?: string;
  error?: string;
}

/** Connector health is the same view `connectors status` shows. */
export type ConnectorHealth = ConnectorStatusView;

export interface PipelineStatus {
  context: string;
  checkedAt: string;
  verdict: Verdict;
  workers: WorkerStatus[];
  connectors: ConnectorHealth[];
  /** Absent when the context names no Kafka brokers. */
  kafka?: KafkaHealth;
  debezium: EndpointHealth[];
  databases: DatabaseHealth[];
  /** The Cassandra CDC state (settings, table flags, cdc_raw), when the context sets debezium.cassandra. */
  cassandraCdc?: CassandraCdcHealth;
  problems: Problem[];
}

export interface StatusOptions {
  /** Sink consumer lag above this (messages) makes the pipeline degraded. */
  maxLag?: number;
}

export async function pipelineStatus(ctx: RunContext, options: StatusOptions = {}): Promise<PipelineStatus> {
  const problems: Problem[] = [];
  const connect = connectClient(ctx);
  try {
    // Every check runs at once and is awaited together: a check that fails early (a password
    // reference that does not resolve) is that failure, never an unhandled rejection while another waits.
    const [{workers, connectors, kafka}, debezium, databases, cassandraCdc] = await Promise.all([
      connectSide(ctx, connect, problems),
      debeziumHealth(ctx),
      databaseHealth(ctx),
      checksCassandraCdc(ctx) ? cassandraCdcHealth(ctx) : undefined,
    ]);
    for (const w of workers) workerProblems(w, w === workers[0], problems);
    componentProblems({kafka, debezium, databases}, options, problems);
    for (const c of cassandraCdc?.components ?? [])
      if (c.verdict === 'degraded') problems.push({severity: 'degraded', component: c.component, message: c.detail});
    return {
      context: ctx.contextName,
      checkedAt: new Date().toISOString(),
      verdict: verdictOf(problems),
      workers,
      connectors,
      ...(kafka ? {kafka} : {}),
      debezium,
      databases,
      ...(cassandraCdc ? {cassandraCdc} : {}),
      problems,
    };
  } finally {
    await connect.close();
  }
}

/** The workers (the configured one first), their connectors, and Kafka with the sinks' consumer lag. */
async function connectSide(
  ctx: RunContext,
  connect: ConnectClient,
  problems: Problem[],
): Promise<{workers: WorkerStatus[]; connectors: ConnectorHealth[]; kafka?: KafkaHealth}> {
  const entry = await probeWorker(connect, workerIdOf(connect.http.baseUrl));
  const workers = [entry];
  let connectors: ConnectorHealth[] = [];
  let sinks: Array<{name: string; groupId: string}> = [];
  if (entry.reachable) {
    const expanded = await connect.listExpanded();
    connectors = connectorHealth(expanded, problems);
    sinks = Object.entries(expanded)
      .filter(([, e]) => (e.status?.type ?? e.info?.type) === 'sink')
      .map(([name, e]) => ({name, groupId: e.info?.config['consumer.override.group.id'] ?? `connect-${name}`}));
    const otherIds = [...new Set(connectors.flatMap((c) => [c.workerId, ...c.tasks.map((t) => t.workerId)]))].filter(
      (id): id is string => Boolean(id) && id !== entry.id,
    );
    workers.push(...(await Promise.all(otherIds.map((id) => probeOtherWorker(ctx, connect, id)))));
  }
  return {workers, connectors, kafka: await kafkaHealth(ctx, sinks)};
}

function componentProblems(
  c: {kafka?: KafkaHealth; debezium: EndpointHealth[]; databases: DatabaseHealth[]},
  options: StatusOptions,
  problems: Problem[],
): void {
  if (c.kafka && !c.kafka.reachable)
    problems.push({severity: 'down', component: 'kafka', message: c.kafka.error ?? 'unreachable'});
  for (const l of c.kafka?.lag ?? []) {
    if (l.total === null)
      problems.push({severity: 'degraded', component: `connector ${l.connector}`, message: `lag unknown: ${l.error}`});
    else if (options.maxLag !== undefined && BigInt(l.total) > BigInt(options.maxLag)) {
      problems.push({
        severity: 'degraded',
        component: `connector ${l.connector}`,
        message: `consumer lag ${l.total} > ${options.maxLag} (group ${l.groupId})`,
      });
    }
  }
  for (const d of c.debezium) {
    if (d.status === 'down' || d.status === 'unreachable')
      problems.push({severity: 'degraded', component: `debezium ${d.name}`, message: d.detail});
  }
  for (const db of c.databases) {
    if (!db.reachable) problems.push({severity: 'degraded', component: db.name, message: db.detail});
  }
}

export function verdictOf(problems: Problem[]): Verdict {
  if (problems.some((p) => p.severity === 'down')) return 'down';
  return problems.length > 0 ? 'degraded' : 'healthy';
}

export function verdictExitCode(verdict: Verdict): ExitCode {
  return verdict === 'healthy' ? ExitCode.ok : verdict === 'down' ? ExitCode.unreachable : ExitCode.notOk;
}

function connectorHealth(expanded: Record<string, ExpandedConnector>, problems: Problem[]): ConnectorHealth[] {
  const out = Object.entries(expanded)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, e]) => statusView(name, e));
  for (const health of out) {
    const component = `connector ${health.name}`;
    if (health.state !== 'RUNNING') {
      problems.push({
        severity: 'degraded',
        component,
        message: `connector is ${health.state}${health.cause ? `: ${health.cause}` : ''}`,
      });
    }
    for (const t of health.tasks) {
      if (t.state !== 'RUNNING' && !(t.state === 'PAUSED' && health.state === 'PAUSED')) {
        problems.push({
          severity: 'degraded',
          component,
          message: `task ${t.id} is ${t.state}${t.cause ? `: ${t.cause}` : ''}`,
        });
      }
    }
    if (health.state === 'RUNNING' && health.tasks.length === 0) {
      problems.push({severity: 'degraded', component, message: 'connector is RUNNING with no tasks'});
    }
  }
  return out;
}

async function probeWorker(connect: ConnectClient, id: string): Promise<WorkerStatus> {
  const status: WorkerStatus = {id, url: connect.url, reachable: false};
  try {
    const info = await connect.serverInfo();
    Object.assign(status, {
      reachable: true,
      version: info.version,
      commit: info.commit,
      kafkaClusterId: info.kafka_cluster_id,
    });
  } catch (err) {
    if (!(err instanceof CdcError)) throw err;
    status.error = err.message;
    return status;
  }
  if (await connect.supports('health')) {
    try {
      const h = await connect.health();
      status.health = h.status;
      status.healthMessage = h.message;
    } catch (err) {
      if (!(err instanceof CdcError)) throw err;
      status.error = err.message;
    }
  } else {
    status.health = 'unsupported';
    status.healthMessage = `GET /health needs Kafka ${connectFeatures.health} or later; this worker runs ${status.version}`;
  }
  return status;
}

/** Workers that host tasks but are not the configured URL: probed at their advertised REST address. */
async function probeOtherWorker(ctx: RunContext, connect: ConnectClient, id: string): Promise<WorkerStatus> {
  const endpoint = ctx.config.connect!;
  const url = `${connect.http.baseUrl.protocol}//${id}`;
  const client = new ConnectClient(
    new HttpClient({
      service: 'Kafka Connect',
      endpoint: {...endpoint, url},
      keyPath: `contexts.${ctx.contextName}.connect`,
      timeoutMs: Math.min(ctx.timeoutMs ?? endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS, 5000),
      retry: {maxAttempts: 1},
      trace: ctx.trace,
      userAgent: ctx.userAgent,
      origin: `the REST address worker ${id} advertises (its rest.advertised.host.name and port)`,
    }),
  );
  try {
    return await probeWorker(client, id);
  } finally {
    await client.close();
  }
}

/** The configured worker unreachable means the pipeline is down; another worker, that it is degraded. */
function workerProblems(w: WorkerStatus, primary: boolean, problems: Problem[]): void {
  const component = `worker ${w.id}`;
  if (!w.reachable)
    problems.push({severity: primary ? 'down' : 'degraded', component, message: w.error ?? 'unreachable'});
  else if (w.health === 'starting')
    problems.push({severity: 'degraded', component, message: `starting: ${w.healthMessage}`});
  else if (w.health && w.health !== 'healthy' && w.health !== 'unsupported') {
    problems.push({severity: 'down', component, message: `${w.health}: ${w.healthMessage ?? w.error ?? ''}`});
  } else if (!w.health && w.error) problems.push({severity: 'degraded', component, message: w.error});
}

function workerIdOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
