import type {CreatedKey} from '../services/access/api-keys.js';
import type {VerifyResult} from '../services/webhooks/signing.js';
import type {AddResult, HealthResult, TestResult} from '../services/webhooks/subscriptions.js';
import type {SubscriptionView} from '../services/webhooks/types.js';
import type {ApiKeyRow} from '../store/api-keys.js';
import type {DeliveryRow} from '../store/webhooks.js';
import {color, paintState, renderTable} from './render.js';

export function renderSubscriptions(rows: SubscriptionView[], wide: boolean): string {
  if (rows.length === 0) return 'No webhook subscriptions. Add one with `cdcctl webhooks add`.\n';
  return renderTable(
    rows,
    [
      {header: 'NAME', value: (s) => s.name},
      {header: 'STATE', value: (s) => paintState(s.state)},
      {header: 'EVENTS', value: (s) => s.events.join(',')},
      {header: 'URL', value: (s) => s.url},
      {header: 'TOPICS', value: (s) => s.topics.join(','), wide: true},
      {header: 'FILTER', value: (s) => s.filter ?? '', wide: true},
      {header: 'ORDERED', value: (s) => (s.ordered ? 'yes' : ''), wide: true},
      {header: 'FAILURES', value: (s) => String(s.consecutiveFailures), wide: true},
    ],
    wide,
  );
}

export function renderSubscription(s: SubscriptionView): string {
  const lines = [
    `name:        ${s.name}`,
    `state:       ${paintState(s.state)}${s.disabledReason ? ` (${s.disabledReason})` : ''}`,
    `url:         ${s.url}`,
    `events:      ${s.events.join(', ')}`,
  ];
  if (s.topics.length) lines.push(`topics:      ${s.topics.join(', ')}`);
  if (s.ops.length) lines.push(`ops:         ${s.ops.join(',')}`);
  if (s.filter) lines.push(`filter:      ${s.filter}`);
  lines.push(`secret:      ${s.secret}`);
  for (const [k, v] of Object.entries(s.headers)) lines.push(`header:      ${k}: ${v}`);
  lines.push(
    `timeout:     ${s.timeoutMs} ms`,
    `rate:        ${s.ratePerSec ? `${s.ratePerSec}/s` : 'unlimited'}`,
    `ordered:     ${s.ordered ? 'yes (one in flight per key)' : 'no'}`,
    `disable after ${s.disableAfter} consecutive failures (now ${s.consecutiveFailures})`,
    `created:     ${s.createdAt} by ${s.createdBy}`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderAdded(r: AddResult, verb: string): string {
  const c = color();
  let out = `${verb} webhook subscription ${r.subscription.name} → ${r.subscription.url}\n`;
  if (r.secret) {
    out += `\n${c.bold('Signing secret (shown once, store it now):')}\n${r.secret}\n`;
  }
  return out;
}

export function renderTest(r: TestResult): string {
  const status = r.responseCode === null ? r.error : `HTTP ${r.responseCode}${r.ok ? '' : ` (${r.error})`}`;
  return `${r.ok ? 'delivered' : 'FAILED'}: ${r.subscription} → ${r.url}: ${status} in ${r.latencyMs} ms (webhook-id ${r.webhookId})\n${
    r.responseBody ? `response: ${r.responseBody.slice(0, 200)}\n` : ''
  }`;
}

export function renderDeliveries(r: {subscription: string; deliveries: DeliveryRow[]}, wide: boolean): string {
  if (r.deliveries.length === 0) return `No deliveries for ${r.subscription}.\n`;
  return renderTable(
    r.deliveries,
    [
      {header: 'ID', value: (d) => d.id},
      {header: 'STATUS', value: (d) => paintState(d.status)},
      {header: 'EVENT', value: (d) => d.eventType},
      {header: 'ATTEMPTS', value: (d) => String(d.attempts)},
      {header: 'CODE', value: (d) => (d.responseCode === null ? '' : String(d.responseCode))},
      {header: 'LATENCY', value: (d) => (d.latencyMs === null ? '' : `${d.latencyMs}ms`)},
      {header: 'AT', value: (d) => d.finishedAt ?? d.enqueuedAt},
      {header: 'WEBHOOK-ID', value: (d) => d.webhookId, wide: true},
      {header: 'ERROR', value: (d) => d.error ?? '', wide: true},
      {header: 'BODY', value: (d) => (d.responseBody ?? '').replace(/\s+/g, ' ').slice(0, 80), wide: true},
    ],
    wide,
  );
}

export function renderHealth(r: HealthResult, wide: boolean): string {
  if (r.subscriptions.length === 0) return 'No webhook subscriptions.\n';
  return renderTable(
    r.subscriptions,
    [
      {header: 'NAME', value: (s) => s.name},
      {header: 'STATE', value: (s) => paintState(s.state)},
      {header: 'SUCCESS', value: (s) => (s.successRate === null ? '-' : `${(s.successRate * 100).toFixed(1)}%`)},
      {header: 'DELIVERED', value: (s) => String(s.delivered)},
      {header: 'FAILED', value: (s) => String(s.failed)},
      {header: 'P95', value: (s) => (s.p95LatencyMs === null ? '-' : `${s.p95LatencyMs}ms`)},
      {header: 'QUEUED', value: (s) => String(s.queued)},
      {header: 'LAST ERROR', value: (s) => (s.lastError ?? '').slice(0, 60)},
      {header: 'LAST ERROR AT', value: (s) => s.lastErrorAt ?? '', wide: true},
      {header: 'STREAK', value: (s) => String(s.consecutiveFailures), wide: true},
    ],
    wide,
  );
}

export function renderVerify(r: VerifyResult): string {
  return r.valid ? `valid: webhook-id ${r.webhookId}, timestamp ${r.timestamp}\n` : `INVALID: ${r.problem}\n`;
}

export function renderKeyCreated(k: CreatedKey): string {
  const c = color();
  return `created API key ${k.name} (id ${k.keyId}, role ${k.role}${k.expiresAt ? `, expires ${k.expiresAt}` : ''})\n\n${c.bold(
    'Key (shown once, store it now):',
  )}\n${k.key}\n`;
}

export function renderKeys(rows: ApiKeyRow[], wide: boolean): string {
  if (rows.length === 0) return 'No API keys. Create one with `cdcctl auth keys create`.\n';
  return renderTable(
    rows,
    [
      {header: 'NAME', value: (k) => k.name},
      {header: 'ID', value: (k) => k.keyId},
      {header: 'ROLE', value: (k) => k.role},
      {header: 'EXPIRES', value: (k) => k.expiresAt ?? 'never'},
      {
        header: 'STATE',
        value: (k) =>
          k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) < Date.now() ? 'expired' : 'live',
      },
      {header: 'LAST USED', value: (k) => k.lastUsedAt ?? '', wide: true},
      {header: 'CREATED', value: (k) => `${k.createdAt} by ${k.createdBy}`, wide: true},
    ],
    wide,
  );
}
