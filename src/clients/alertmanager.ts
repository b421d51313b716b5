import type {RunContext} from '../runtime.js';
import {httpClientFor} from './factory.js';
import type {HttpClient} from './http.js';

/**
 * Alertmanager API v2: posting alerts. (The alerts topic extends this client; the signature of
 * postAlerts is shared.)
 */
export interface AlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export class AlertmanagerClient {
  constructor(readonly http: HttpClient) {}

  /** POST /api/v2/alerts. */
  async postAlerts(alerts: AlertInput[]): Promise<void> {
    await this.http.request({method: 'POST', path: '/api/v2/alerts', body: alerts, idempotent: true});
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function alertmanagerClient(ctx: RunContext): AlertmanagerClient {
  return new AlertmanagerClient(httpClientFor(ctx, 'alertmanager'));
}
