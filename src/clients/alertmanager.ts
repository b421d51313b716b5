import * as z from 'zod/mini';
import type {RunContext} from '../runtime.js';
import type {Shape} from './answer.js';
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

/** What Alertmanager answers (api/v2/openapi.yaml, service-apis.md §5); objects stay open to newer fields. */
const labels = z.record(z.string(), z.string());
const gettableAlertShape: Shape<GettableAlert> = z.looseObject({
  labels,
  annotations: labels,
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  generatorURL: z.optional(z.string()),
  fingerprint: z.string(),
  receivers: z.array(z.looseObject({name: z.string()})),
  status: z.looseObject({
    state: z.enum(['active', 'suppressed', 'unprocessed']),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
    mutedBy: z.optional(z.array(z.string())),
  }),
});
const groupsShape: Shape<AlertGroup[]> = z.array(
  z.looseObject({labels, receiver: z.looseObject({name: z.string()}), alerts: z.array(gettableAlertShape)}),
);
const statusShape: Shape<AlertmanagerStatus> = z.looseObject({
  cluster: z.looseObject({
    status: z.string(),
    name: z.optional(z.string()),
    peers: z.optional(z.array(z.looseObject({name: z.string(), address: z.string()}))),
  }),
  versionInfo: labels,
  config: z.looseObject({original: z.string()}),
  uptime: z.string(),
});
const silenceShape: Shape<Silence> = z.looseObject({
  id: z.string(),
  matchers: z.array(z.looseObject({name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean()})),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.optional(z.string()),
  createdBy: z.string(),
  comment: z.string(),
  status: z.looseObject({state: z.enum(['active', 'pending', 'expired'])}),
});

export class AlertmanagerClient {
  constructor(readonly http: HttpClient) {}

  get url(): string {
    return this.http.displayUrl;
  }

  /** `POST /api/v2/alerts` (not retried: a retried post could double-send notifications). */
  async postAlerts(alerts: AlertInput[]): Promise<void> {
    // 200 with an empty body: anything else (a gateway's JSON, say) means the alerts went nowhere
    await this.http.request({method: 'POST', path: '/api/v2/alerts', body: alerts, expect: z.undefined()});
  }

  async alerts(q: AlertQuery = {}): Promise<GettableAlert[]> {
    return this.http.get('/api/v2/alerts', queryParams(q), {expect: z.array(gettableAlertShape)});
  }

  async groups(q: AlertQuery = {}): Promise<AlertGroup[]> {
    return this.http.get('/api/v2/alerts/groups', queryParams(q), {expect: groupsShape});
  }

  async status(): Promise<AlertmanagerStatus> {
    return this.http.get('/api/v2/status', undefined, {expect: statusShape});
  }

  async receivers(): Promise<Array<{name: string}>> {
    return this.http.get('/api/v2/receivers', undefined, {expect: z.array(z.looseObject({name: z.string()}))});
  }

  /** Every silence, expired ones included (the server keeps them for a while). */
  async silences(filter?: string[]): Promise<Silence[]> {
    return this.http.get('/api/v2/silences', {filter}, {expect: z.array(silenceShape)});
  }

  /** One silence, or undefined (the server answers 404 with an empty body). */
  async silence(id: string): Promise<Silence | undefined> {
    const res = await this.http.request({
      method: 'GET',
      path: `/api/v2/silence/${pathSegment(id, 'silence id')}`,
      accept: [404],
      expect: silenceShape,
    });
    return res.status === 404 ? undefined : res.body;
  }

  /** Creates (or, with `id`, replaces) a silence; always use the returned id (an update may mint a new one). */
  async createSilence(silence: PostableSilence): Promise<string> {
    const res = await this.http.request({
      method: 'POST',
      path: '/api/v2/silences',
      body: silence,
      expect: z.looseObject({silenceID: z.string()}),
    });
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
