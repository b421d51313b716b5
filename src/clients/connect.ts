import * as z from 'zod/mini';
import {ServiceError} from '../errors.js';
import {parseAnswer, type Shape} from './answer.js';
import {type HttpClient, pathSegment} from './http.js';

/**
 * Kafka Connect's REST API (Apache Kafka 3.x/4.x). Typed calls, the retry rule for rebalances, and
 * version gating; nothing of cdcctl's commands.
 */

export type ConnectorState = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING';
export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string;
}

export interface WorkerHealth {
  status: 'healthy' | 'starting' | 'unhealthy' | string;
  message: string;
}

export interface TaskStatus {
  id: number;
  state: ConnectorState;
  worker_id: string;
  trace?: string;
  /** The plugin's version (Kafka 4.x); null while a task is (re)starting. */
  version?: string | null;
}

export interface ConnectorStatus {
  name: string;
  connector: {state: ConnectorState; worker_id: string; trace?: string; version?: string | null};
  tasks: TaskStatus[];
  type: ConnectorType;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: Array<{connector: string; task: number}>;
  type: ConnectorType;
}

export interface ExpandedConnector {
  status?: ConnectorStatus;
  info?: ConnectorInfo;
}

export interface ConfigValidation {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{
    definition: {
      name: string;
      type: string;
      required: boolean;
      default_value: string | null;
      documentation: string;
    } | null;
    value: {
      name: string;
      value: string | null;
      recommended_values: string[];
      errors: string[];
      visible: boolean;
    } | null;
  }>;
}

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  order_in_group?: number;
  width: string;
  display_name: string;
  dependents: string[];
}

export interface ConnectorOffsets {
  offsets: Array<{partition: Record<string, unknown>; offset: Record<string, unknown> | null}>;
}

export interface PluginInfo {
  class: string;
  type: string;
  version?: string;
}

export interface TaskConfig {
  id: {connector: string; task: number};
  config: Record<string, string>;
}

export type Loggers = Record<string, {level: string; last_modified?: number | null}>;

/**
 * What Kafka Connect answers (service-apis.md §1.3, checked against the local 4.3 worker): the
 * fields cdcctl reads are required, every object stays open to fields newer workers add.
 */
const stringMap = z.record(z.string(), z.string());
const connectorState = z.enum(['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING']);
const connectorType = z.enum(['source', 'sink', 'unknown']);
const serverInfoShape: Shape<ServerInfo> = z.looseObject({
  version: z.string(),
  commit: z.string(),
  kafka_cluster_id: z.string(),
});
const workerHealthShape: Shape<WorkerHealth> = z.looseObject({status: z.string(), message: z.string()});
const connectorStatusShape: Shape<ConnectorStatus> = z.looseObject({
  name: z.string(),
  connector: z.looseObject({
    state: connectorState,
    worker_id: z.string(),
    trace: z.optional(z.string()),
    version: z.optional(z.nullable(z.string())),
  }),
  tasks: z.array(
    z.looseObject({
      id: z.number(),
      state: connectorState,
      worker_id: z.string(),
      trace: z.optional(z.string()),
      version: z.optional(z.nullable(z.string())),
    }),
  ),
  type: connectorType,
});
const connectorInfoShape: Shape<ConnectorInfo> = z.looseObject({
  name: z.string(),
  config: stringMap,
  tasks: z.array(z.looseObject({connector: z.string(), task: z.number()})),
  type: connectorType,
});
const expandedShape: Shape<Record<string, ExpandedConnector>> = z.record(
  z.string(),
  z.looseObject({status: z.optional(connectorStatusShape), info: z.optional(connectorInfoShape)}),
);
const configValidationShape: Shape<ConfigValidation> = z.looseObject({
  name: z.string(),
  error_count: z.number(),
  groups: z.array(z.string()),
  configs: z.array(
    z.looseObject({
      // Either side may be null: no definition for keys the plugin does not declare (seen:
      // consumer.override.*), no value for some it does (seen: Debezium 3.6's
      // internal.legacy.snapshot.max.threads).
      definition: z.nullable(
        z.looseObject({
          name: z.string(),
          type: z.string(),
          required: z.boolean(),
          default_value: z.nullable(z.string()),
          documentation: z.string(),
        }),
      ),
      value: z.nullable(
        z.looseObject({
          name: z.string(),
          value: z.nullable(z.string()),
          recommended_values: z.array(z.string()),
          errors: z.array(z.string()),
          visible: z.boolean(),
        }),
      ),
    }),
  ),
});
const configKeysShape: Shape<ConfigKeyInfo[]> = z.array(
  z.looseObject({
    name: z.string(),
    type: z.string(),
    required: z.boolean(),
    default_value: z.nullable(z.string()),
    importance: z.string(),
    documentation: z.string(),
    group: z.nullable(z.string()),
    order_in_group: z.optional(z.number()),
    width: z.string(),
    display_name: z.string(),
    dependents: z.array(z.string()),
  }),
);
const pluginsShape: Shape<PluginInfo[]> = z.array(
  z.looseObject({class: z.string(), type: z.string(), version: z.optional(z.string())}),
);
const tasksShape: Shape<TaskConfig[]> = z.array(
  z.looseObject({id: z.looseObject({connector: z.string(), task: z.number()}), config: stringMap}),
);
const topicsShape = z.record(z.string(), z.looseObject({topics: z.array(z.string())}));
const offsetsShape: Shape<ConnectorOffsets> = z.looseObject({
  offsets: z.array(
    z.looseObject({
      partition: z.record(z.string(), z.unknown()),
      offset: z.nullable(z.record(z.string(), z.unknown())),
    }),
  ),
});
const messageShape = z.looseObject({message: z.string()});
const loggersShape: Shape<Loggers> = z.record(
  z.string(),
  z.looseObject({level: z.string(), last_modified: z.optional(z.nullable(z.number()))}),
);

/**
 * Kafka Connect's transient answers: rebalance conflicts (409), staged timeouts (500) and the 500 a
 * worker gives while it knows a rebalance is coming ("Request cannot be completed because a
 * rebalance is expected" — seen right after connectors were created or deleted).
 */
export function isTransientConnectAnswer(status: number, body: unknown): boolean {
  const message = String((body as {message?: unknown} | undefined)?.message ?? '');
  if (status === 409) return /rebalance|stale configuration|conflicting operation|no known leader/i.test(message);
  if (status === 500) return /^Request timed out|rebalance is expected/i.test(message);
  return false;
}

/** Minimum Kafka versions of REST features (service-apis.md §1.5). */
export const connectFeatures = {
  restartFiltered: '3.0.0',
  stop: '3.5.0',
  offsets: '3.6.0',
  initialState: '3.7.0',
  clusterLoggers: '3.7.0',
  patchConfig: '3.8.0',
  health: '3.9.0',
  pluginVersions: '4.1.0',
} as const;
export type ConnectFeature = keyof typeof connectFeatures;

export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) =>
    v
      .split(/[.-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const a = parse(version);
  const b = parse(minimum);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

export class ConnectClient {
  private info?: ServerInfo;

  constructor(readonly http: HttpClient) {}

  get url(): string {
    return this.http.displayUrl;
  }

  async serverInfo(): Promise<ServerInfo> {
    this.info ??= await this.http.get('/', undefined, {expect: serverInfoShape});
    return this.info;
  }

  /** True when the worker supports `feature`; `GET /` is asked once per client. */
  async supports(feature: ConnectFeature): Promise<boolean> {
    return versionAtLeast((await this.serverInfo()).version, connectFeatures[feature]);
  }

  /** `GET /health` (Kafka ≥ 3.9): 200 healthy, 503 starting, 500 unhealthy — all three are answers. */
  async health(): Promise<WorkerHealth & {httpStatus: number}> {
    const res = await this.http.request({
      method: 'GET',
      path: '/health',
      accept: [500, 503],
      idempotent: false,
      expect: workerHealthShape,
    });
    // 500 and 503 carry the same document (the HTTP layer checks only 2xx answers against `expect`)
    const body =
      res.status === 200 || res.body === undefined
        ? res.body
        : parseAnswer(workerHealthShape, res.body, this.http.answerSource(res));
    return {...(body ?? {status: 'unknown', message: ''}), httpStatus: res.status};
  }

  async listNames(): Promise<string[]> {
    return this.http.get('/connectors', undefined, {
      retryOn: isTransientConnectAnswer,
      expect: z.array(z.string()),
    });
  }

  /** Every connector with its status and config in one call (`expand=status&expand=info`). */
  /** Every connector with its status and (unless `info` is false: it costs the worker a config read each) its info. */
  async listExpanded(options: {info?: boolean} = {}): Promise<Record<string, ExpandedConnector>> {
    return this.http.get(
      '/connectors',
      {expand: options.info === false ? ['status'] : ['status', 'info']},
      {retryOn: isTransientConnectAnswer, expect: expandedShape},
    );
  }

  async get(name: string): Promise<ConnectorInfo> {
    return this.http.get(`/connectors/${enc(name)}`, undefined, {
      retryOn: isTransientConnectAnswer,
      expect: connectorInfoShape,
    });
  }

  /** The live config, or undefined when the connector does not exist. */
  async getConfig(name: string): Promise<Record<string, string> | undefined> {
    try {
      return await this.http.get(`/connectors/${enc(name)}/config`, undefined, {
        retryOn: isTransientConnectAnswer,
        expect: stringMap,
      });
    } catch (err) {
      if (err instanceof ServiceError && err.status === 404) return undefined;
      throw err;
    }
  }

  async status(name: string): Promise<ConnectorStatus> {
    return this.http.get(`/connectors/${enc(name)}/status`, undefined, {
      retryOn: isTransientConnectAnswer,
      expect: connectorStatusShape,
    });
  }

  /** Creates or updates (idempotent). Returns whether it was created. */
  async putConfig(name: string, config: Record<string, string>): Promise<{created: boolean; info: ConnectorInfo}> {
    const res = await this.http.request({
      method: 'PUT',
      path: `/connectors/${enc(name)}/config`,
      body: config,
      retryOn: isTransientConnectAnswer,
      expect: connectorInfoShape,
    });
    return {created: res.status === 201, info: res.body};
  }

  async validate(pluginClass: string, config: Record<string, string>): Promise<ConfigValidation> {
    return (
      await this.http.request({
        method: 'PUT',
        path: `/connector-plugins/${enc(pluginClass)}/config/validate`,
        body: config,
        retryOn: isTransientConnectAnswer,
        expect: configValidationShape,
      })
    ).body;
  }

  async plugins(connectorsOnly = true): Promise<PluginInfo[]> {
    return this.http.get('/connector-plugins', {connectorsOnly}, {expect: pluginsShape});
  }

  async pluginConfig(pluginClass: string): Promise<ConfigKeyInfo[]> {
    return this.http.get(`/connector-plugins/${enc(pluginClass)}/config`, undefined, {expect: configKeysShape});
  }

  /** PATCH (Kafka ≥ 3.8): `null` removes a key. */
  async patchConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return (
      await this.http.request({
        method: 'PATCH',
        path: `/connectors/${enc(name)}/config`,
        body: patch,
        idempotent: true,
        retryOn: isTransientConnectAnswer,
        expect: connectorInfoShape,
      })
    ).body;
  }

  async pause(name: string): Promise<void> {
    await this.http.request({method: 'PUT', path: `/connectors/${enc(name)}/pause`, retryOn: isTransientConnectAnswer});
  }

  async resume(name: string): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `/connectors/${enc(name)}/resume`,
      retryOn: isTransientConnectAnswer,
    });
  }

  async stop(name: string): Promise<void> {
    await this.http.request({method: 'PUT', path: `/connectors/${enc(name)}/stop`, retryOn: isTransientConnectAnswer});
  }

  /** KIP-745 restart; 204 restarts only the Connector instance, 202 answers with the targets. */
  async restart(
    name: string,
    options: {includeTasks?: boolean; onlyFailed?: boolean} = {},
  ): Promise<ConnectorStatus | undefined> {
    const res = await this.http.request({
      method: 'POST',
      path: `/connectors/${enc(name)}/restart`,
      query: {includeTasks: options.includeTasks ?? false, onlyFailed: options.onlyFailed ?? false},
      idempotent: true,
      retryOn: isTransientConnectAnswer,
      expect: z.optional(connectorStatusShape),
    });
    return res.status === 202 ? res.body : undefined;
  }

  async delete(name: string): Promise<void> {
    await this.http.request({method: 'DELETE', path: `/connectors/${enc(name)}`, retryOn: isTransientConnectAnswer});
  }

  async tasks(name: string): Promise<TaskConfig[]> {
    return this.http.get(`/connectors/${enc(name)}/tasks`, undefined, {
      retryOn: isTransientConnectAnswer,
      expect: tasksShape,
    });
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `/connectors/${enc(name)}/tasks/${task}/restart`,
      idempotent: true,
      retryOn: isTransientConnectAnswer,
    });
  }

  /** Topics the connector has used (KIP-558), or undefined when topic tracking is disabled. */
  async topics(name: string): Promise<string[] | undefined> {
    try {
      const body = await this.http.get(`/connectors/${enc(name)}/topics`, undefined, {expect: topicsShape});
      return body[name]?.topics ?? [];
    } catch (err) {
      if (err instanceof ServiceError && err.status === 403) return undefined;
      throw err;
    }
  }

  async offsets(name: string): Promise<ConnectorOffsets> {
    return this.http.get(`/connectors/${enc(name)}/offsets`, undefined, {
      retryOn: isTransientConnectAnswer,
      expect: offsetsShape,
    });
  }

  async alterOffsets(name: string, offsets: ConnectorOffsets): Promise<string> {
    const res = await this.http.request({
      method: 'PATCH',
      path: `/connectors/${enc(name)}/offsets`,
      body: offsets,
      retryOn: isTransientConnectAnswer,
      expect: messageShape,
    });
    return res.body.message;
  }

  async resetOffsets(name: string): Promise<string> {
    const res = await this.http.request({
      method: 'DELETE',
      path: `/connectors/${enc(name)}/offsets`,
      retryOn: isTransientConnectAnswer,
      expect: messageShape,
    });
    return res.body.message;
  }

  async loggers(): Promise<Loggers> {
    return this.http.get('/admin/loggers', undefined, {expect: loggersShape});
  }

  /** Sets a logger's level on this worker (default) or the whole cluster (Kafka ≥ 3.7). */
  async setLogger(logger: string, level: string, scope: 'worker' | 'cluster'): Promise<string[]> {
    const res = await this.http.request({
      method: 'PUT',
      path: `/admin/loggers/${enc(logger)}`,
      query: scope === 'cluster' ? {scope} : undefined,
      body: {level},
      expect: z.optional(z.array(z.string())),
    });
    return res.body ?? [];
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function enc(segment: string): string {
  return pathSegment(segment);
}
