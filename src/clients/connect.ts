import {ServiceError} from '../errors.js';
import type {HttpClient} from './http.js';

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
  version?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: {state: ConnectorState; worker_id: string; trace?: string; version?: string};
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
    definition: {name: string; type: string; required: boolean; default_value: string | null; documentation: string};
    value: {name: string; value: string | null; recommended_values: string[]; errors: string[]; visible: boolean};
  }>;
}

export interface PluginInfo {
  class: string;
  type: string;
  version?: string;
}

/** Kafka Connect's documented transient answers: rebalance conflicts (409) and staged timeouts (500). */
export function isTransientConnectAnswer(status: number, body: unknown): boolean {
  const message = String((body as {message?: unknown} | undefined)?.message ?? '');
  if (status === 409) return /rebalance|stale configuration|conflicting operation|no known leader/i.test(message);
  if (status === 500) return /^Request timed out/i.test(message);
  return false;
}

/** Minimum Kafka versions of REST features (service-apis.md §1.5). */
export const connectFeatures = {
  restartFiltered: '3.0.0',
  stop: '3.5.0',
  offsets: '3.6.0',
  initialState: '3.7.0',
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
    this.info ??= await this.http.get<ServerInfo>('/');
    return this.info;
  }

  /** True when the worker supports `feature`; `GET /` is asked once per client. */
  async supports(feature: ConnectFeature): Promise<boolean> {
    return versionAtLeast((await this.serverInfo()).version, connectFeatures[feature]);
  }

  /** `GET /health` (Kafka ≥ 3.9): 200 healthy, 503 starting, 500 unhealthy — all three are answers. */
  async health(): Promise<WorkerHealth & {httpStatus: number}> {
    const res = await this.http.request<WorkerHealth>({
      method: 'GET',
      path: '/health',
      accept: [500, 503],
      idempotent: false,
    });
    return {...(res.body ?? {status: 'unknown', message: ''}), httpStatus: res.status};
  }

  async listNames(): Promise<string[]> {
    return this.http.get<string[]>('/connectors', undefined, {retryOn: isTransientConnectAnswer});
  }

  /** Every connector with its status and config in one call (`expand=status&expand=info`). */
  async listExpanded(): Promise<Record<string, ExpandedConnector>> {
    return this.http.get<Record<string, ExpandedConnector>>(
      '/connectors',
      {expand: ['status', 'info']},
      {
        retryOn: isTransientConnectAnswer,
      },
    );
  }

  async get(name: string): Promise<ConnectorInfo> {
    return this.http.get<ConnectorInfo>(`/connectors/${enc(name)}`, undefined, {retryOn: isTransientConnectAnswer});
  }

  /** The live config, or undefined when the connector does not exist. */
  async getConfig(name: string): Promise<Record<string, string> | undefined> {
    try {
      return await this.http.get<Record<string, string>>(`/connectors/${enc(name)}/config`, undefined, {
        retryOn: isTransientConnectAnswer,
      });
    } catch (err) {
      if (err instanceof ServiceError && err.status === 404) return undefined;
      throw err;
    }
  }

  async status(name: string): Promise<ConnectorStatus> {
    return this.http.get<ConnectorStatus>(`/connectors/${enc(name)}/status`, undefined, {
      retryOn: isTransientConnectAnswer,
    });
  }

  /** Creates or updates (idempotent). Returns whether it was created. */
  async putConfig(name: string, config: Record<string, string>): Promise<{created: boolean; info: ConnectorInfo}> {
    const res = await this.http.request<ConnectorInfo>({
      method: 'PUT',
      path: `/connectors/${enc(name)}/config`,
      body: config,
      retryOn: isTransientConnectAnswer,
    });
    return {created: res.status === 201, info: res.body};
  }

  async validate(pluginClass: string, config: Record<string, string>): Promise<ConfigValidation> {
    return (
      await this.http.request<ConfigValidation>({
        method: 'PUT',
        path: `/connector-plugins/${enc(pluginClass)}/config/validate`,
        body: config,
        retryOn: isTransientConnectAnswer,
      })
    ).body;
  }

  async plugins(connectorsOnly = true): Promise<PluginInfo[]> {
    return this.http.get<PluginInfo[]>('/connector-plugins', {connectorsOnly});
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
