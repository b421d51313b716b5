import {z} from 'zod';
import {connectClient} from '../../clients/factory.js';
import type {RunContext} from '../../runtime.js';
import type {Store} from '../../store/index.js';
import {dlqCounts, erasuresChangedSince, reconcileFinishedSince} from '../../store/webhook-facts.js';
import {enqueue, getWatermark, listSubscriptions, type QueuedMessage, setWatermark} from '../../store/webhooks.js';
import {payloadOf, webhookIdOf} from './payload.js';
import {selects} from './types.js';

/**
 * cdcctl's own domain events, emitted from this one module: every fact a webhook announces is
 * turned into a queued message here. Facts come from where they are recorded — the store
 * (reconcile results, the erasure journal, DLQ records), a watcher over Kafka Connect (connector
 * and task states), Alertmanager's webhook notifications — and from the delivery service itself
 * (a subscription disabled after N failures). Each event has a stable key, so that a watcher that
 * re-reads after a crash queues nothing twice (the webhook-id is derived from it).
 */

export interface DomainEvent {
  type: string;
  /** What makes this occurrence unique (the idempotency key's source). */
  key: string;
  data: Record<string, unknown>;
  at?: Date;
}

/** Queues the events for every subscription (of the context, not disabled) that selects their type. */
export async function emitDomainEvents(store: Store, context: string, events: DomainEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const subs = (await listSubscriptions(store, context)).filter((s) => s.state !== 'disabled');
  const messages: QueuedMessage[] = [];
  for (const ev of events) {
    for (const s of subs) {
      if (!selects(s.eventTypes, ev.type)) continue;
      // a disabled-subscription event never goes to the subscription it is about
      if (ev.type === 'webhook.disabled' && ev.data.subscription === s.name) continue;
      messages.push({
        subscriptionId: s.id,
        webhookId: webhookIdOf(s.id, `${ev.type}|${ev.key}`),
        eventType: ev.type,
        orderKey: s.ordered ? ev.type : null,
        payload: payloadOf(ev.type, ev.data, ev.at),
      });
    }
  }
  return enqueue(store, messages);
}

export function subscriptionDisabled(name: string, failures: number, at = new Date()): DomainEvent {
  return {
    type: 'webhook.disabled',
    key: `${name}|${at.toISOString()}`,
    data: {subscription: name, consecutiveFailures: failures, reason: `${failures} consecutive failed attempts`},
    at,
  };
}

// ---------------------------------------------------------------------------------------------
// Alertmanager's webhook notification (version 4): each alert becomes alert.firing / alert.resolved.

const alertShape = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});
export const alertmanagerNotification = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  status: z.string().optional(),
  receiver: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alertShape).max(10_000),
});

export function alertEvents(body: unknown): DomainEvent[] {
  const n = alertmanagerNotification.parse(body);
  return n.alerts.map((a) => ({
    type: a.status === 'firing' ? 'alert.firing' : 'alert.resolved',
    key: `${a.fingerprint ?? JSON.stringify(a.labels)}|${a.startsAt}|${a.status}`,
    data: {
      alertname: a.labels.alertname ?? null,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? null,
      generatorURL: a.generatorURL ?? null,
      fingerprint: a.fingerprint ?? null,
      receiver: n.receiver ?? null,
      externalURL: n.externalURL ?? null,
    },
  }));
}

// ---------------------------------------------------------------------------------------------
// The watcher: one pass over every recorded fact since the last pass (watermarks in the store).

const GDPR_COMPLETED = new Set(['verified', 'closed']);
const GDPR_FAILED = new Set(['needs_operator', 'compensating', 'restored']);

export interface WatchPass {
  emitted: number;
  errors: string[];
}

type ConnectorStates = Record<string, {state: string; tasks: Record<string, string>}>;

/**
 * One pass of the watcher. A source that fails (Connect unreachable, a table not there yet) is
 * reported and skipped; the others go on. Watermarks move only after the events are queued.
 */
export async function watchPass(ctx: RunContext, store: Store): Promise<WatchPass> {
  const context = ctx.contextName;
  const errors: string[] = [];
  let emitted = 0;
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  };

  await step('reconcile', async () => {
    const since = new Date((await getWatermark<string>(store, context, 'reconcile')) ?? Date.now());
    const facts = await reconcileFinishedSince(store, context, since);
    const events: DomainEvent[] = [];
    for (const f of facts) {
      const data = {
        runId: f.runId,
        table: f.table,
        missing: f.missing,
        extra: f.extra,
        mismatched: f.mismatched,
        finishedAt: f.finishedAt.toISOString(),
      };
      if (f.status === 'drift')
        events.push({type: 'reconcile.drift_found', key: `${f.runId}|${f.table}`, data, at: f.finishedAt});
      else if (f.previous === 'drift')
        events.push({type: 'reconcile.drift_resolved', key: `${f.runId}|${f.table}`, data, at: f.finishedAt});
    }
    emitted += await emitDomainEvents(store, context, events);
    await setWatermark(store, context, 'reconcile', (facts.at(-1)?.finishedAt ?? since).toISOString());
  });

  await step('gdpr', async () => {
    const since = new Date((await getWatermark<string>(store, context, 'gdpr')) ?? Date.now());
    const facts = await erasuresChangedSince(store, context, since);
    const events: DomainEvent[] = [];
    for (const f of facts) {
      const type = GDPR_COMPLETED.has(f.state)
        ? 'gdpr.erasure_completed'
        : GDPR_FAILED.has(f.state)
          ? 'gdpr.erasure_failed'
          : undefined;
      if (!type) continue;
      // the subject travels as its pseudonym only, as in the journal
      events.push({
        type,
        key: `${f.requestId}|${type === 'gdpr.erasure_completed' ? 'completed' : f.state}`,
        data: {requestId: f.requestId, state: f.state, subject: `hmac:${f.subjectHmac}`, error: f.lastError},
        at: f.updatedAt,
      });
    }
    emitted += await emitDomainEvents(store, context, events);
    await setWatermark(store, context, 'gdpr', (facts.at(-1)?.updatedAt ?? since).toISOString());
  });

  await step('dlq', async () => {
    const threshold = ctx.config.webhooks?.dlqGrowthThreshold ?? 100;
    const before = await getWatermark<Record<string, number>>(store, context, 'dlq');
    const now = await dlqCounts(store);
    const events: DomainEvent[] = [];
    if (before) {
      const at = new Date();
      for (const [k, n] of Object.entries(now)) {
        const grew = n - (before[k] ?? 0);
        if (grew >= threshold) {
          events.push({type: 'dlq.growth', key: `${k}|${n}`, data: {connector: k, records: n, grew, threshold}, at});
        }
      }
    }
    emitted += await emitDomainEvents(store, context, events);
    await setWatermark(store, context, 'dlq', now);
  });

  if (ctx.config.connect) {
    await step('connect', async () => {
      const before = await getWatermark<ConnectorStates>(store, context, 'connect');
      const expanded = await connectClient(ctx).listExpanded({info: false});
      const now: ConnectorStates = {};
      for (const [name, e] of Object.entries(expanded)) {
        if (!e.status) continue;
        now[name] = {
          state: e.status.connector.state,
          tasks: Object.fromEntries(e.status.tasks.map((t) => [String(t.id), t.state])),
        };
      }
      const events: DomainEvent[] = [];
      const at = new Date();
      if (before) {
        for (const [name, s] of Object.entries(now)) {
          const was = before[name];
          if (was?.state !== s.state) {
            events.push({
              type: 'connector.state_changed',
              key: `${name}|${at.toISOString()}|${s.state}`,
              data: {connector: name, from: was?.state ?? null, to: s.state},
              at,
            });
          }
          for (const [task, state] of Object.entries(s.tasks)) {
            const from = was?.tasks[task];
            if (from !== state) {
              events.push({
                type: 'task.state_changed',
                key: `${name}/${task}|${at.toISOString()}|${state}`,
                data: {connector: name, task: Number(task), from: from ?? null, to: state},
                at,
              });
            }
          }
        }
        for (const name of Object.keys(before)) {
          if (!now[name]) {
            events.push({
              type: 'connector.state_changed',
              key: `${name}|${at.toISOString()}|DELETED`,
              data: {connector: name, from: before[name]?.state ?? null, to: 'DELETED'},
              at,
            });
          }
        }
      }
      emitted += await emitDomainEvents(store, context, events);
      await setWatermark(store, context, 'connect', now);
    });
  }
  return {emitted, errors};
}
