import type {SubscriptionRow} from '../../store/webhooks.js';

/** The jobs kind of a `webhooks serve` process (its job id is `webhook-serve:<owner>`). */
export const SERVE_JOB_KIND = 'webhook-serve';

/** The event types a subscription can ask for (`--events`); a trailing `.*` or `*` selects a family or all. */
export const EVENT_TYPES = [
  'change',
  'reconcile.drift_found',
  'reconcile.drift_resolved',
  'gdpr.erasure_completed',
  'gdpr.erasure_failed',
  'dlq.growth',
  'connector.state_changed',
  'task.state_changed',
  'alert.firing',
  'alert.resolved',
  'webhook.disabled',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The version of the payload envelope (schemas/webhook-payload.v1.schema.json). */
export const PAYLOAD_VERSION = 1;

/** What a subscription shows: never its secret (a generated one only says so). */
export interface SubscriptionView {
  name: string;
  url: string;
  events: string[];
  topics: string[];
  ops: string[];
  filter: string | null;
  secret: string;
  headers: Record<string, string>;
  ratePerSec: number | null;
  timeoutMs: number;
  ordered: boolean;
  disableAfter: number;
  state: SubscriptionRow['state'];
  consecutiveFailures: number;
  disabledReason: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export function viewOf(s: SubscriptionRow): SubscriptionView {
  return {
    name: s.name,
    url: s.url,
    events: s.eventTypes,
    topics: s.topics,
    ops: s.ops,
    filter: s.filter,
    secret: s.secretRef ?? 'generated (shown once, at creation)',
    headers: s.headers,
    ratePerSec: s.ratePerSec,
    timeoutMs: s.timeoutMs,
    ordered: s.ordered,
    disableAfter: s.maxFailures,
    state: s.state,
    consecutiveFailures: s.consecutiveFailures,
    disabledReason: s.disabledReason,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    updatedAt: s.updatedAt,
  };
}

/** Whether a subscription's `--events` list selects an event type. */
export function selects(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
