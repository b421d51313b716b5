import type {RunContext} from '../runtime.js';
import {httpClientFor} from './factory.js';
import {type HttpClient, pathSegment} from './http.js';

/** Alertmanager API v2 (`/api/v2`): alerts, groups, status, receivers, silences. No cdcctl command knowledge. */

export interface AlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false: `!=` / `!~`. */
  isEqual: boolean;
}

export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  fingerprint: string;
  receivers: Array<{name: string}>;
  status: {
    state: 'active' | 'suppressed' | 'unprocessed';
    silencedBy: string[];
    inhibitedBy: string[];
    mutedBy?: string[];
  };
}

export interface AlertGroup {
  labels: Record<string, string>;
  receiver: {name: string};
  alerts: GettableAlert[];
}

export interface AlertmanagerStatus {
  cluster: {status: string; name?: string; peers?: Array<{name: string; address: string}>};
  versionInfo: Record<string, string>;
  config: {original: string};
  uptime: string;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  updatedAt?: string;
  createdBy: string;
  comment: string;
  status: {state: 'active' | 'pending' | 'expired'};
}

export interface PostableSilence {
  id?: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface AlertQuery {
  /** Matchers in Alertmanager syntax (`name="v"`, `name=~"re"`); all must match. */
  filter?: string[];
  /** Regex on the receiver name. */
  receiver?: string;
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
}

export class AlertmanagerClient {
  constructor(readonly http: HttpClient) {}

  get url(): string {
    return this.http.displayUrl;
  }

  /** `POST /api/v2/alerts` (not retried: a retried post could double-send notifications). */
  async postAlerts(alerts: AlertInput[]): Promise<void> {
    await this.http.request({method: 'POST', path: '/api/v2/alerts', body: alerts});
  }

  async alerts(q: AlertQuery = {}): Promise<GettableAlert[]> {
    return this.http.get<GettableAlert[]>('/api/v2/alerts', queryParams(q));
  }

  async groups(q: AlertQuery = {}): Promise<AlertGroup[]> {
    return this.http.get<AlertGroup[]>('/api/v2/alerts/groups', queryParams(q));
  }

  async status(): Promise<AlertmanagerStatus> {
    return this.http.get<AlertmanagerStatus>('/api/v2/status');
  }

  async receivers(): Promise<Array<{name: string}>> {
    return this.http.get('/api/v2/receivers');
  }

  /** Every silence, expired ones included (the server keeps them for a while). */
  async silences(filter?: string[]): Promise<Silence[]> {
    return this.http.get<Silence[]>('/api/v2/silences', {filter});
  }

  /** One silence, or undefined (the server answers 404 with an empty body). */
  async silence(id: string): Promise<Silence | undefined> {
    const res = await this.http.request<Silence>({
      method: 'GET',
      path: `/api/v2/silence/${pathSegment(id, 'silence id')}`,
      accept: [404],
    });
    return res.status === 404 ? undefined : res.body;
  }

  /** Creates (or, with `id`, replaces) a silence; always use the returned id (an update may mint a new one). */
  async createSilence(silence: PostableSilence): Promise<string> {
    const res = await this.http.request<{silenceID: string}>({method: 'POST', path: '/api/v2/silences', body: silence});
    return res.body.silenceID;
  }

  /** Expires (does not remove) a silence. */
  async expireSilence(id: string): Promise<void> {
    await this.http.request({method: 'DELETE', path: `/api/v2/silence/${pathSegment(id, 'silence id')}`});
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function queryParams(q: AlertQuery): Record<string, string | boolean | string[] | undefined> {
  return {
    filter: q.filter?.length ? q.filter : undefined,
    receiver: q.receiver,
    active: q.active,
    silenced: q.silenced,
    inhibited: q.inhibited,
    unprocessed: q.unprocessed,
  };
}

export function alertmanagerClient(ctx: RunContext): AlertmanagerClient {
  return new AlertmanagerClient(httpClientFor(ctx, 'alertmanager'));
}
