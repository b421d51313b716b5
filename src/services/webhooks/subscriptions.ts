import {hasSecretReference, referenceProblem} from '../../config/secrets.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {runStore} from '../../store/index.js';
import {bigintId} from '../../store/sql.js';
import {
  type DeliveryRow,
  deleteSubscription,
  deliveryHealth,
  getSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  type NewSubscription,
  requeue,
  type SubscriptionRow,
  type SubscriptionState,
  setSubscriptionState,
  updateSubscription,
} from '../../store/webhooks.js';
import {compileFilter} from '../events/filter.js';
import {eventMatcher} from '../events/stream.js';
import {fetchVaultSecrets} from '../secrets/vault.js';
import {attemptDelivery, DEFAULT_RETRY, deliverable} from './deliver.js';
import {payloadOf, webhookIdOf} from './payload.js';
import {generateSecret} from './signing.js';
import {transportFor, validateTargetUrl} from './targets.js';
import {EVENT_TYPES, type SubscriptionView, viewOf} from './types.js';

/** Subscriptions: add, change, pause/resume, remove, a signed test delivery, history and health. */

export interface SubscriptionInput {
  url?: string;
  events?: string[];
  topics?: string[];
  ops?: string[];
  filter?: string | null;
  /** A secret reference (`${env:…}` …), or 'generated'. */
  secret?: string;
  headers?: Record<string, string>;
  ratePerSec?: number | null;
  timeoutMs?: number;
  ordered?: boolean;
  disableAfter?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function checkEvents(events: string[]): string[] {
  const known = new Set<string>(EVENT_TYPES);
  const families = new Set(EVENT_TYPES.map((t) => `${t.split('.')[0]}.*`));
  for (const e of events) {
    if (e !== '*' && !known.has(e) && !families.has(e)) {
      throw new UsageError(`unknown event type "${e}"`, {
        hint: `Use ${EVENT_TYPES.join(', ')}, a family such as reconcile.*, or *.`,
      });
    }
  }
  return [...new Set(events)];
}

async function toNew(
  ctx: RunContext,
  input: SubscriptionInput,
  base?: SubscriptionRow,
): Promise<{sub: NewSubscription; secret?: string}> {
  const url = input.url !== undefined ? await validateTargetUrl(ctx, input.url) : base?.url;
  if (!url) throw new UsageError('--url is required');
  const events = input.events !== undefined ? checkEvents(input.events) : (base?.eventTypes ?? []);
  if (events.length === 0)
    throw new UsageError('--events is required', {hint: `One or more of ${EVENT_TYPES.join(', ')}.`});
  const topics = input.topics ?? base?.topics ?? [];
  const wantsChanges = events.some((e) => e === 'change' || e === '*' || e === 'change.*');
  if (wantsChanges && topics.length === 0) {
    throw new UsageError('change events need --topic (one or more Kafka topics)');
  }
  const ops = input.ops ?? base?.ops ?? [];
  const filter = input.filter !== undefined ? input.filter : (base?.filter ?? null);
  // the same checks as events tail: a bad filter or op is refused now, not in the server
  eventMatcher({ops: ops as never, filter: filter ?? undefined});
  if (filter) compileFilter(filter);
  let secretRef = base?.secretRef ?? null;
  let secretGenerated = base?.secretGenerated ?? null;
  let shown: string | undefined;
  if (input.secret !== undefined) {
    if (input.secret === 'generated') {
      shown = generateSecret();
      secretGenerated = shown;
      secretRef = null;
    } else {
      if (!hasSecretReference(input.secret) || !/^\$\{[^}]+\}$/.test(input.secret)) {
        throw new UsageError('--secret-ref takes a secret reference or "generated", never a secret itself', {
          hint: "E.g. --secret-ref '${env:ORDERS_HOOK_SECRET}', ${file:/run/secrets/hook} or ${vault:secret/data/hooks#orders}.",
        });
      }
      const problem = referenceProblem(input.secret);
      if (problem) throw new UsageError(`--secret-ref: ${problem}`);
      secretRef = input.secret;
      secretGenerated = null;
    }
  }
  if (!secretRef && !secretGenerated) throw new UsageError('--secret-ref is required (a reference, or "generated")');
  const headers = input.headers ?? base?.headers ?? {};
  for (const [k, v] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) throw new UsageError(`invalid header name "${k}"`);
    if (/^(webhook-|content-|host$|content-length$|user-agent$)/i.test(k))
      throw new UsageError(`header ${k} is set by cdcctl`);
    const problem = hasSecretReference(v) ? referenceProblem(v) : undefined;
    if (problem) throw new UsageError(`--header ${k}: ${problem}`);
  }
  const timeoutMs = input.timeoutMs ?? base?.timeoutMs ?? 10_000;
  if (timeoutMs < 100 || timeoutMs > 120_000) throw new UsageError('--timeout for a webhook is 100ms to 2m');
  return {
    sub: {
      name: base?.name ?? '',
      url,
      eventTypes: events,
      topics,
      ops,
      filter,
      secretRef,
      secretGenerated,
      headers,
      ratePerSec: input.ratePerSec !== undefined ? input.ratePerSec : (base?.ratePerSec ?? null),
      timeoutMs,
      ordered: input.ordered ?? base?.ordered ?? false,
      maxFailures: input.disableAfter ?? base?.maxFailures ?? 20,
    },
    secret: shown,
  };
}

export interface AddResult {
  subscription: SubscriptionView;
  /** The generated secret, shown this once. */
  secret?: string;
}

export async function addSubscription(ctx: RunContext, name: string, input: SubscriptionInput): Promise<AddResult> {
  if (!NAME.test(name))
    throw new UsageError(`invalid subscription name "${name}"`, {hint: 'Letters, digits, ".", "_", "-" (at most 63).'});
  const {sub, secret} = await toNew(ctx, input);
  const store = await runStore(ctx);
  const row = await insertSubscription(store, ctx.contextName, {...sub, name}, ctx.actor);
  if (!row)
    throw new UsageError(`webhook subscription "${name}" already exists`, {
      hint: 'Change it with `cdcctl webhooks update`.',
    });
  return {subscription: viewOf(row), ...(secret ? {secret} : {})};
}

export async function updateExisting(ctx: RunContext, name: string, input: SubscriptionInput): Promise<AddResult> {
  const store = await runStore(ctx);
  const base = await mustGet(ctx, name);
  const {sub, secret} = await toNew(ctx, input, base);
  const row = await updateSubscription(store, ctx.contextName, name, sub);
  if (!row) throw notFound(name);
  return {subscription: viewOf(row), ...(secret ? {secret} : {})};
}

function notFound(name: string): CdcError {
  return new UsageError(`webhook subscription "${name}" not found`, {hint: 'See `cdcctl webhooks list`.'});
}

export async function mustGet(ctx: RunContext, name: string): Promise<SubscriptionRow> {
  const row = await getSubscription(await runStore(ctx), ctx.contextName, name);
  if (!row) throw notFound(name);
  return row;
}

export async function listViews(ctx: RunContext): Promise<SubscriptionView[]> {
  return (await listSubscriptions(await runStore(ctx), ctx.contextName)).map(viewOf);
}

export async function showSubscription(ctx: RunContext, name: string): Promise<SubscriptionView> {
  return viewOf(await mustGet(ctx, name));
}

export async function setState(ctx: RunContext, name: string, state: SubscriptionState): Promise<SubscriptionView> {
  const row = await setSubscriptionState(
    await runStore(ctx),
    ctx.contextName,
    name,
    state,
    state === 'paused' ? `paused by ${ctx.actor}` : null,
  );
  if (!row) throw notFound(name);
  return viewOf(row);
}

export async function removeSubscription(ctx: RunContext, name: string): Promise<{removed: string}> {
  if (!(await deleteSubscription(await runStore(ctx), ctx.contextName, name))) throw notFound(name);
  return {removed: name};
}

export interface TestResult {
  subscription: string;
  url: string;
  webhookId: string;
  ok: boolean;
  responseCode: number | null;
  responseBody: string | null;
  error: string | null;
  latencyMs: number;
}

/** One signed sample delivery (`webhook.test`), straight from this process; not queued, not retried. */
export async function testSubscription(ctx: RunContext, name: string): Promise<TestResult> {
  const row = await mustGet(ctx, name);
  await fetchVaultSecrets(ctx, [row.secretRef, row.headers]);
  const d = deliverable(row, ctx.contextName);
  const webhookId = webhookIdOf(row.id, `test:${Date.now()}:${Math.random()}`);
  const payload = payloadOf('webhook.test', {subscription: name, message: 'a test delivery from cdcctl webhooks test'});
  const transport = transportFor(ctx);
  try {
    const o = await attemptDelivery(
      transport,
      d,
      {queueId: '0', webhookId, payload, attempt: 1},
      {...DEFAULT_RETRY, maxAttempts: 1},
      ctx.userAgent,
    );
    const result: TestResult = {
      subscription: name,
      url: row.url,
      webhookId,
      ok: o.result === 'delivered',
      responseCode: o.responseCode,
      responseBody: o.responseBody,
      error: o.error,
      latencyMs: Math.round(o.latencyMs),
    };
    return result;
  } finally {
    transport.close();
  }
}

export async function deliveriesOf(
  ctx: RunContext,
  name: string,
  o: {failedOnly?: boolean; since?: Date; limit: number},
): Promise<{subscription: string; deliveries: DeliveryRow[]}> {
  const row = await mustGet(ctx, name);
  return {subscription: name, deliveries: await listDeliveries(await runStore(ctx), row.id, o)};
}

export async function redeliver(
  ctx: RunContext,
  sel: {deliveryIds?: string[]; subscription?: string; failedSince?: Date},
): Promise<{queued: Array<{subscription: string; webhookId: string}>}> {
  const store = await runStore(ctx);
  const ids = sel.deliveryIds?.map((i) => {
    const id = bigintId(i);
    if (!id)
      throw new UsageError(`invalid delivery id "${i}"`, {
        hint: 'Ids are the ID column of `cdcctl webhooks deliveries`.',
      });
    return id;
  });
  const subscriptionId = sel.subscription ? (await mustGet(ctx, sel.subscription)).id : undefined;
  const queued = await requeue(store, ctx.contextName, {
    deliveryIds: ids,
    subscriptionId,
    failedSince: sel.failedSince,
  });
  if (queued.length === 0 && ids) {
    throw new CdcError(
      'NOTHING_TO_REDELIVER',
      ExitCode.usage,
      'nothing to redeliver: no finished delivery has those ids',
      {
        hint: 'See `cdcctl webhooks deliveries <name> --failed`.',
      },
    );
  }
  return {queued};
}

export interface HealthEntry {
  name: string;
  state: SubscriptionState;
  delivered: number;
  failed: number;
  successRate: number | null;
  p95LatencyMs: number | null;
  queued: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  disabledReason: string | null;
}

export interface HealthResult {
  since: string;
  healthy: boolean;
  subscriptions: HealthEntry[];
}

/** Per subscription since `since`: success rate, p95 latency, last error, state. Unhealthy: any disabled. */
export async function webhookHealth(ctx: RunContext, since: Date): Promise<HealthResult> {
  const store = await runStore(ctx);
  const [subs, rows] = await Promise.all([
    listSubscriptions(store, ctx.contextName),
    deliveryHealth(store, ctx.contextName, since),
  ]);
  const byId = new Map(rows.map((r) => [r.subscriptionId, r]));
  const entries = subs.map((s): HealthEntry => {
    const h = byId.get(s.id);
    const total = (h?.delivered ?? 0) + (h?.failed ?? 0);
    return {
      name: s.name,
      state: s.state,
      delivered: h?.delivered ?? 0,
      failed: h?.failed ?? 0,
      successRate: total === 0 ? null : (h?.delivered ?? 0) / total,
      p95LatencyMs: h?.p95LatencyMs ?? null,
      queued: h?.queued ?? 0,
      consecutiveFailures: s.consecutiveFailures,
      lastError: h?.lastError ?? null,
      lastErrorAt: h?.lastErrorAt ?? null,
      disabledReason: s.disabledReason,
    };
  });
  return {since: since.toISOString(), healthy: entries.every((e) => e.state !== 'disabled'), subscriptions: entries};
}
