import type {RunContext} from '../runtime.js';
import {httpClientFor} from './factory.js';
import type {HttpClient} from './http.js';

/**
 * Prometheus Pushgateway: metric families rendered in the text exposition format (0.0.4) and pushed
 * under a job and grouping key. Label values containing "/" (or empty) go into the URL path as
 * `<name>@base64/<urlsafe base64>`, as the Pushgateway documents. Callers treat failures as
 * warnings: a monitoring outage must never fail the work being monitored.
 */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'untyped';
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function escapeHelp(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** The text exposition format of these families. */
export function renderExposition(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL_NAME.test(k)) throw new Error(`invalid label name "${k}"`);
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
      lines.push(`${f.name}${l} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `/metrics/job/<job>/<label>/<value>…`, each part encoded; `@base64` where a value has "/" or is empty. */
export function groupingPath(job: string, grouping: Record<string, string> = {}): string {
  const part = (name: string, value: string) => {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid grouping label "${name}"`);
    if (value === '' || value === '.' || value === '..' || value.includes('/'))
      return `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`;
    return `${name}/${encodeURIComponent(value)}`;
  };
  return `/metrics/${[part('job', job), ...Object.entries(grouping).map(([k, v]) => part(k, v))].join('/')}`;
}

export class PushgatewayClient {
  constructor(readonly http: HttpClient) {}

  /** PUT: replaces every metric of the group with these. */
  async push(job: string, grouping: Record<string, string>, families: MetricFamily[]): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: groupingPath(job, grouping),
      body: renderExposition(families),
      contentType: 'text/plain; version=0.0.4',
    });
  }

  /** POST: replaces only the metrics with the same names in the group. */
  async pushAdd(job: string, grouping: Record<string, string>, families: MetricFamily[]): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: groupingPath(job, grouping),
      body: renderExposition(families),
      contentType: 'text/plain; version=0.0.4',
      idempotent: true,
    });
  }

  async delete(job: string, grouping: Record<string, string>): Promise<void> {
    await this.http.request({method: 'DELETE', path: groupingPath(job, grouping), accept: [404]});
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function pushgatewayClient(ctx: RunContext): PushgatewayClient {
  return new PushgatewayClient(httpClientFor(ctx, 'pushgateway'));
}
