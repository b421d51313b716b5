import type {Store} from './index.js';

/**
 * Webhook subscriptions, the durable delivery queue shared by every `webhooks serve` process, the
 * delivery history, and the watermarks of the domain-event watcher. The queue is claimed with
 * `FOR UPDATE SKIP LOCKED` plus a lease: a row is in flight while `locked_until` is in the future;
 * a process that dies leaves its rows to come back when their lease ends (same webhook-id).
 */

export type SubscriptionState = 'active' | 'paused' | 'disabled';

export interface SubscriptionRow {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  topics: string[];
  ops: string[];
  filter: string | null;
  secretRef: string | null;
  /** The generated secret (whsec_…): never shown after creation, only used to sign. */
  secretGenerated: string | null;
  headers: Record<string, string>;
  ratePerSec: number | null;
  timeoutMs: number;
  ordered: boolean;
  maxFailures: number;
  state: SubscriptionState;
  consecutiveFailures: number;
  disabledReason: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** What `webhooks add` gives; the rest of a row (id, state, failures, times, actor) is the store's. */
export type NewSubscription = Omit<
  SubscriptionRow,
  'id' | 'state' | 'consecutiveFailures' | 'disabledReason' | 'createdAt' | 'createdBy' | 'updatedAt'
>;

const SUB_COLS = `id::text AS id, name, url, event_types, topics, ops, filter, secret_ref, secret_generated, headers,
  rate_per_sec, timeout_ms, ordered, max_failures, state, consecutive_failures, disabled_reason, created_at, created_by, updated_at`;

interface SubRaw {
  id: string;
  name: string;
  url: string;
  event_types: string[];
  topics: string[];
  ops: string[];
  filter: string | null;
  secret_ref: string | null;
  secret_generated: string | null;
  headers: Record<string, string>;
  rate_per_sec: number | null;
  timeout_ms: number;
  ordered: boolean;
  max_failures: number;
  state: SubscriptionState;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
}

function subOf(r: SubRaw): SubscriptionRow {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    eventTypes: r.event_types,
    topics: r.topics,
    ops: r.ops,
    filter: r.filter,
    secretRef: r.secret_ref,
    secretGenerated: r.secret_generated,
    headers: r.headers,
    ratePerSec: r.rate_per_sec,
    timeoutMs: r.timeout_ms,
    ordered: r.ordered,
    maxFailures: r.max_failures,
    state: r.state,
    consecutiveFailures: r.consecutive_failures,
    disabledReason: r.disabled_reason,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Inserts a subscription; false when the name is taken in this context. */
export async function insertSubscription(
  store: Store,
  context: string,
  s: NewSubscription,
  actor: string,
): Promise<SubscriptionRow | undefined> {
  const res = await store.pool.query<SubRaw>(
    `INSERT INTO ${store.table('webhook_subscriptions')} (context, name, url, event_types, topics, ops, filter, secret_ref,
       secret_generated, headers, rate_per_sec, timeout_ms, ordered, max_failures, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (context, name) DO NOTHING RETURNING ${SUB_COLS}`,
    [context, s.name, ...editableValues(s), actor],
  );
  return res.rows[0] ? subOf(res.rows[0]) : undefined;
}

/** The editable fields of a subscription as query values, in the column order of insert and update ($3 … $14). */
function editableValues(s: NewSubscription): unknown[] {
  return [
    s.url,
    s.eventTypes,
    s.topics,
    s.ops,
    s.filter,
    s.secretRef,
    s.secretGenerated,
    JSON.stringify(s.headers),
    s.ratePerSec,
    s.timeoutMs,
    s.ordered,
    s.maxFailures,
  ];
}

export async function listSubscriptions(store: Store, context: string): Promise<SubscriptionRow[]> {
  const res = await store.pool.query<SubRaw>(
    `SELECT ${SUB_COLS} FROM ${store.table('webhook_subscriptions')} WHERE context = $1 ORDER BY name`,
    [context],
  );
  return res.rows.map(subOf);
}

export async function getSubscription(
  store: Store,
  context: string,
  name: string,
): Promise<SubscriptionRow | undefined> {
  const res = await store.pool.query<SubRaw>(
    `SELECT ${SUB_COLS} FROM ${store.table('webhook_subscriptions')} WHERE context = $1 AND name = $2`,
    [context, name],
  );
  return res.rows[0] ? subOf(res.rows[0]) : undefined;
}

export async function getSubscriptionById(store: Store, id: string): Promise<SubscriptionRow | undefined> {
  const res = await store.pool.query<SubRaw>(
    `SELECT ${SUB_COLS} FROM ${store.table('webhook_subscriptions')} WHERE id = $1`,
    [id],
  );
  return res.rows[0] ? subOf(res.rows[0]) : undefined;
}

/** Replaces the editable fields of a subscription (the caller merged them); undefined when gone. */
export async function updateSubscription(
  store: Store,
  context: string,
  name: string,
  s: NewSubscription,
): Promise<SubscriptionRow | undefined> {
  const res = await store.pool.query<SubRaw>(
    `UPDATE ${store.table('webhook_subscriptions')} SET url = $3, event_types = $4, topics = $5, ops = $6, filter = $7,
       secret_ref = $8, secret_generated = $9, headers = $10, rate_per_sec = $11, timeout_ms = $12, ordered = $13,
       max_failures = $14, updated_at = now()
     WHERE context = $1 AND name = $2 RETURNING ${SUB_COLS}`,
    [context, name, ...editableValues(s)],
  );
  return res.rows[0] ? subOf(res.rows[0]) : undefined;
}

/** Sets the state (resume also clears the failure streak and the reason). */
export async function setSubscriptionState(
  store: Store,
  context: string,
  name: string,
  state: SubscriptionState,
  reason: string | null = null,
): Promise<SubscriptionRow | undefined> {
  const res = await store.pool.query<SubRaw>(
    `UPDATE ${store.table('webhook_subscriptions')} SET state = $3, disabled_reason = $4, updated_at = now(),
       consecutive_failures = CASE WHEN $3 = 'active' THEN 0 ELSE consecutive_failures END
     WHERE context = $1 AND name = $2 RETURNING ${SUB_COLS}`,
    [context, name, state, reason],
  );
  return res.rows[0] ? subOf(res.rows[0]) : undefined;
}

export async function deleteSubscription(store: Store, context: string, name: string): Promise<boolean> {
  const res = await store.pool.query(
    `DELETE FROM ${store.table('webhook_subscriptions')} WHERE context = $1 AND name = $2`,
    [context, name],
  );
  return (res.rowCount ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------
// The queue

export interface QueuedMessage {
  subscriptionId: string;
  webhookId: string;
  eventType: string;
  orderKey: string | null;
  payload: string;
}

/**
 * Queues messages (one statement). A message whose webhook-id was ever queued for its subscription
 * is skipped (webhook_seen, whose primary key makes concurrent sources wait for each other): a
 * source that re-reads after a crash or a rebalance (Kafka before its offsets were committed, the
 * domain watcher before its watermark moved) queues nothing twice. Returns how many were queued.
 */
export async function enqueue(store: Store, messages: QueuedMessage[]): Promise<number> {
  if (messages.length === 0) return 0;
  const res = await store.pool.query(
    `WITH m AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS m(s, w, e, k, p, n)),
     fresh AS (
       INSERT INTO ${store.table('webhook_seen')} (subscription_id, webhook_id)
       SELECT s, w FROM m ORDER BY n
       ON CONFLICT DO NOTHING RETURNING subscription_id, webhook_id)
     INSERT INTO ${store.table('webhook_queue')} (subscription_id, webhook_id, event_type, order_key, payload)
     SELECT m.s, m.w, m.e, m.k, m.p FROM m JOIN fresh f ON f.subscription_id = m.s AND f.webhook_id = m.w
      ORDER BY m.n
     ON CONFLICT (subscription_id, webhook_id) DO NOTHING`,
    [
      messages.map((m) => m.subscriptionId),
      messages.map((m) => m.webhookId),
      messages.map((m) => m.eventType),
      messages.map((m) => m.orderKey),
      messages.map((m) => m.payload),
    ],
  );
  return res.rowCount ?? 0;
}

export interface ClaimedMessage extends QueuedMessage {
  id: string;
  /** Attempts including this one. */
  attempt: number;
  enqueuedAt: Date;
}

/**
 * Claims up to `limit` due messages of active subscriptions for `leaseMs`. An ordered
 * subscription's message is claimable only when it is the oldest of its key: one in flight per key,
 * in order (the others wait while the head is in flight or waiting for its retry).
 */
export async function claim(store: Store, owner: string, limit: number, leaseMs: number): Promise<ClaimedMessage[]> {
  const q = store.table('webhook_queue');
  const s = store.table('webhook_subscriptions');
  const res = await store.pool.query<{
    id: string;
    subscription_id: string;
    webhook_id: string;
    event_type: string;
    order_key: string | null;
    payload: string;
    attempts: number;
    enqueued_at: Date;
  }>(
    `WITH c AS (
       SELECT q.id FROM ${q} q JOIN ${s} s ON s.id = q.subscription_id AND s.state = 'active'
        WHERE q.next_at <= clock_timestamp() AND (q.locked_until IS NULL OR q.locked_until < clock_timestamp())
          AND (q.order_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM ${q} o WHERE o.subscription_id = q.subscription_id AND o.order_key = q.order_key AND o.id < q.id))
        ORDER BY q.next_at, q.id
        LIMIT $2
        FOR UPDATE OF q SKIP LOCKED)
     UPDATE ${q} u SET locked_until = clock_timestamp() + $3 * interval '1 millisecond', locked_by = $1, attempts = u.attempts + 1
       FROM c WHERE u.id = c.id
     RETURNING u.id::text AS id, u.subscription_id::text AS subscription_id, u.webhook_id, u.event_type, u.order_key,
               u.payload, u.attempts, u.enqueued_at`,
    [owner, limit, leaseMs],
  );
  return res.rows
    .map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      webhookId: r.webhook_id,
      eventType: r.event_type,
      orderKey: r.order_key,
      payload: r.payload,
      attempt: r.attempts,
      enqueuedAt: r.enqueued_at,
    }))
    .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

export interface Outcome {
  queueId: string;
  /** delivered / failed (given up: no retry) / retry (back to the queue at `retryInMs`). */
  result: 'delivered' | 'failed' | 'retry';
  responseCode: number | null;
  responseBody: string | null;
  error: string | null;
  latencyMs: number;
  retryInMs?: number;
}

/**
 * Records the outcomes of a batch of attempts by `owner` in one transaction: finished messages move
 * from the queue to the history, retries get their next time, and each subscription's failure streak
 * is updated. A row whose lease was lost (another process took it after it expired) is left alone.
 * Returns the subscriptions whose streak reached their limit (now disabled).
 */
export async function settle(
  store: Store,
  owner: string,
  outcomes: Outcome[],
): Promise<Array<{id: string; name: string; failures: number}>> {
  if (outcomes.length === 0) return [];
  const q = store.table('webhook_queue');
  const d = store.table('webhook_deliveries');
  const s = store.table('webhook_subscriptions');
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    const finished = outcomes.filter((o) => o.result !== 'retry');
    const retries = outcomes.filter((o) => o.result === 'retry');
    const streak = await client.query<{subscription_id: string; ok: boolean; n: number}>(
      `WITH o AS (
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::int[])
           AS o(id, result, code, body, error, latency, retry_ms)),
       moved AS (
         DELETE FROM ${q} q USING o WHERE q.id = o.id AND q.locked_by = $8 AND o.result <> 'retry'
         RETURNING q.id, q.subscription_id, q.webhook_id, q.event_type, q.order_key, q.payload, q.attempts, q.enqueued_at),
       ins AS (
         INSERT INTO ${d} (subscription_id, webhook_id, event_type, order_key, payload, status, attempts, response_code,
                           response_body, error, latency_ms, enqueued_at, delivered_by)
         SELECT m.subscription_id, m.webhook_id, m.event_type, m.order_key, m.payload, o.result, m.attempts, o.code,
                o.body, o.error, o.latency, m.enqueued_at, $8
           FROM moved m JOIN o ON o.id = m.id
         RETURNING subscription_id, status),
       again AS (
         UPDATE ${q} q SET next_at = clock_timestamp() + o.retry_ms * interval '1 millisecond', locked_until = NULL,
                locked_by = NULL, last_status = o.code, last_error = o.error
           FROM o WHERE q.id = o.id AND q.locked_by = $8 AND o.result = 'retry'
         RETURNING q.subscription_id)
       SELECT subscription_id::text, status = 'delivered' AS ok, count(*)::int AS n FROM ins GROUP BY 1, 2
       UNION ALL SELECT subscription_id::text, false, count(*)::int FROM again GROUP BY 1`,
      [
        [...finished, ...retries].map((o) => o.queueId),
        [...finished, ...retries].map((o) => o.result),
        [...finished, ...retries].map((o) => o.responseCode),
        [...finished, ...retries].map((o) => o.responseBody),
        [...finished, ...retries].map((o) => o.error),
        [...finished, ...retries].map((o) => Math.round(o.latencyMs)),
        [...finished, ...retries].map((o) => Math.round(o.retryInMs ?? 0)),
        owner,
      ],
    );
    // The streak: any success in the batch resets it; otherwise every failed attempt adds one.
    const bySub = new Map<string, {ok: boolean; fails: number}>();
    for (const r of streak.rows) {
      const e = bySub.get(r.subscription_id) ?? {ok: false, fails: 0};
      if (r.ok) e.ok = true;
      else e.fails += r.n;
      bySub.set(r.subscription_id, e);
    }
    const ids = [...bySub.keys()];
    let disabled: Array<{id: string; name: string; failures: number}> = [];
    if (ids.length > 0) {
      const res = await client.query<{id: string; name: string; consecutive_failures: number; newly: boolean}>(
        `UPDATE ${s} s SET consecutive_failures = CASE WHEN u.ok THEN 0 ELSE s.consecutive_failures + u.fails END,
                state = CASE WHEN NOT u.ok AND s.state = 'active' AND s.consecutive_failures + u.fails >= s.max_failures
                             THEN 'disabled' ELSE s.state END,
                disabled_reason = CASE WHEN NOT u.ok AND s.state = 'active' AND s.consecutive_failures + u.fails >= s.max_failures
                             THEN format('%s consecutive failed attempts', s.consecutive_failures + u.fails) ELSE s.disabled_reason END
           FROM unnest($1::bigint[], $2::bool[], $3::int[]) AS u(id, ok, fails)
          WHERE s.id = u.id AND (u.ok AND s.consecutive_failures <> 0 OR NOT u.ok)
          RETURNING s.id::text AS id, s.name, s.consecutive_failures,
                    (NOT u.ok AND s.state = 'disabled' AND s.consecutive_failures - u.fails < s.max_failures) AS newly`,
        [ids, ids.map((i) => bySub.get(i)?.ok ?? false), ids.map((i) => bySub.get(i)?.fails ?? 0)],
      );
      disabled = res.rows
        .filter((r) => r.newly)
        .map((r) => ({id: r.id, name: r.name, failures: r.consecutive_failures}));
    }
    await client.query('COMMIT');
    return disabled;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Gives claimed rows back (a draining process that will not attempt them): due at once, attempt not counted. */
export async function release(store: Store, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await store.pool.query(
    `UPDATE ${store.table('webhook_queue')} SET locked_until = NULL, locked_by = NULL, attempts = attempts - 1
      WHERE id = ANY($1::bigint[]) AND locked_by = $2`,
    [ids, owner],
  );
}

/** Puts claimed rows back to be due after a delay without counting an attempt (rate limit of a subscription). */
export async function defer(store: Store, owner: string, rows: Array<{id: string; delayMs: number}>): Promise<void> {
  if (rows.length === 0) return;
  await store.pool.query(
    `UPDATE ${store.table('webhook_queue')} q SET locked_until = NULL, locked_by = NULL, attempts = q.attempts - 1,
            next_at = clock_timestamp() + d.ms * interval '1 millisecond'
       FROM unnest($1::bigint[], $2::int[]) AS d(id, ms) WHERE q.id = d.id AND q.locked_by = $3`,
    [rows.map((r) => r.id), rows.map((r) => Math.round(r.delayMs)), owner],
  );
}

export interface QueueDepth {
  due: number;
  waiting: number;
  inFlight: number;
}

export async function queueDepth(store: Store): Promise<QueueDepth> {
  const res = await store.pool.query<{due: number; waiting: number; in_flight: number}>(
    `SELECT count(*) FILTER (WHERE locked_until IS NULL OR locked_until < now()) FILTER (WHERE next_at <= now())::int AS due,
            count(*) FILTER (WHERE next_at > now() AND (locked_until IS NULL OR locked_until < now()))::int AS waiting,
            count(*) FILTER (WHERE locked_until >= now())::int AS in_flight
       FROM ${store.table('webhook_queue')}`,
  );
  const r = res.rows[0];
  return {due: r?.due ?? 0, waiting: r?.waiting ?? 0, inFlight: r?.in_flight ?? 0};
}

// ---------------------------------------------------------------------------------------------
// History

export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventType: string;
  status: 'delivered' | 'failed' | 'pending';
  attempts: number;
  responseCode: number | null;
  responseBody: string | null;
  error: string | null;
  latencyMs: number | null;
  enqueuedAt: string;
  finishedAt: string | null;
  nextAttemptAt: string | null;
}

/** Finished deliveries (and, unless `failedOnly`, the messages still queued), newest first. */
export async function listDeliveries(
  store: Store,
  subscriptionId: string,
  o: {failedOnly?: boolean; since?: Date; limit: number},
): Promise<DeliveryRow[]> {
  const res = await store.pool.query<{
    id: string;
    webhook_id: string;
    event_type: string;
    status: DeliveryRow['status'];
    attempts: number;
    response_code: number | null;
    response_body: string | null;
    error: string | null;
    latency_ms: number | null;
    enqueued_at: Date;
    finished_at: Date | null;
    next_at: Date | null;
  }>(
    `SELECT * FROM (
       SELECT id::text AS id, webhook_id, event_type, status, attempts, response_code, response_body, error, latency_ms,
              enqueued_at, finished_at, NULL::timestamptz AS next_at
         FROM ${store.table('webhook_deliveries')}
        WHERE subscription_id = $1 AND ($2::boolean IS NOT TRUE OR status = 'failed') AND ($3::timestamptz IS NULL OR finished_at >= $3)
       UNION ALL
       SELECT 'q' || id::text, webhook_id, event_type, 'pending', attempts, last_status, NULL, last_error, NULL,
              enqueued_at, NULL, next_at
         FROM ${store.table('webhook_queue')}
        WHERE subscription_id = $1 AND $2::boolean IS NOT TRUE AND ($3::timestamptz IS NULL OR enqueued_at >= $3)) x
     ORDER BY COALESCE(finished_at, enqueued_at) DESC LIMIT $4`,
    [subscriptionId, o.failedOnly ?? false, o.since ?? null, o.limit],
  );
  return res.rows.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    responseCode: r.response_code,
    responseBody: r.response_body,
    error: r.error,
    latencyMs: r.latency_ms,
    enqueuedAt: r.enqueued_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    nextAttemptAt: r.next_at?.toISOString() ?? null,
  }));
}

/**
 * Puts finished deliveries back in the queue, with their webhook-id and payload (the receiver can
 * tell a redelivery by the id; the history keeps the earlier outcome beside the new one): by history id, or every failed one of a subscription since a time.
 * Returns the webhook-ids queued again.
 */
export async function requeue(
  store: Store,
  context: string,
  sel: {deliveryIds?: string[]; subscriptionId?: string; failedSince?: Date},
): Promise<Array<{subscription: string; webhookId: string}>> {
  const res = await store.pool.query<{name: string; webhook_id: string}>(
    `WITH pick AS (
       SELECT DISTINCT ON (d.subscription_id, d.webhook_id) d.* FROM ${store.table('webhook_deliveries')} d
         JOIN ${store.table('webhook_subscriptions')} s ON s.id = d.subscription_id AND s.context = $1
        WHERE ($2::bigint[] IS NOT NULL AND d.id = ANY($2::bigint[]))
           OR ($2::bigint[] IS NULL AND d.status = 'failed' AND d.finished_at >= $4
               AND ($3::bigint IS NULL OR d.subscription_id = $3))
        ORDER BY d.subscription_id, d.webhook_id, d.finished_at DESC)
     INSERT INTO ${store.table('webhook_queue')} (subscription_id, webhook_id, event_type, order_key, payload, enqueued_at)
     SELECT p.subscription_id, p.webhook_id, p.event_type, p.order_key, p.payload, clock_timestamp() FROM pick p
     ON CONFLICT (subscription_id, webhook_id) DO NOTHING
     RETURNING (SELECT name FROM ${store.table('webhook_subscriptions')} WHERE id = subscription_id) AS name, webhook_id`,
    [context, sel.deliveryIds ?? null, sel.subscriptionId ?? null, sel.failedSince ?? new Date(0)],
  );
  return res.rows.map((r) => ({subscription: r.name, webhookId: r.webhook_id}));
}

export interface HealthRow {
  subscriptionId: string;
  delivered: number;
  failed: number;
  p95LatencyMs: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  queued: number;
}

export async function deliveryHealth(store: Store, context: string, since: Date): Promise<HealthRow[]> {
  const res = await store.pool.query<{
    id: string;
    delivered: number;
    failed: number;
    p95: number | null;
    last_error: string | null;
    last_error_at: Date | null;
    queued: number;
  }>(
    `SELECT s.id::text AS id,
            (SELECT count(*) FROM ${store.table('webhook_deliveries')} d WHERE d.subscription_id = s.id AND d.finished_at >= $2 AND d.status = 'delivered')::int AS delivered,
            (SELECT count(*) FROM ${store.table('webhook_deliveries')} d WHERE d.subscription_id = s.id AND d.finished_at >= $2 AND d.status = 'failed')::int AS failed,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM ${store.table('webhook_deliveries')} d
              WHERE d.subscription_id = s.id AND d.finished_at >= $2 AND d.status = 'delivered') AS p95,
            e.error AS last_error, e.at AS last_error_at,
            (SELECT count(*) FROM ${store.table('webhook_queue')} q WHERE q.subscription_id = s.id)::int AS queued
       FROM ${store.table('webhook_subscriptions')} s
       LEFT JOIN LATERAL (
         SELECT * FROM (
           SELECT COALESCE(d.error, 'HTTP ' || d.response_code) AS error, d.finished_at AS at FROM ${store.table('webhook_deliveries')} d
            WHERE d.subscription_id = s.id AND d.status = 'failed'
           UNION ALL
           SELECT COALESCE(q.last_error, 'HTTP ' || q.last_status), q.next_at FROM ${store.table('webhook_queue')} q
            WHERE q.subscription_id = s.id AND (q.last_error IS NOT NULL OR q.last_status IS NOT NULL)) x
          ORDER BY at DESC LIMIT 1) e ON true
      WHERE s.context = $1 ORDER BY s.name`,
    [context, since],
  );
  return res.rows.map((r) => ({
    subscriptionId: r.id,
    delivered: r.delivered,
    failed: r.failed,
    p95LatencyMs: r.p95 === null ? null : Math.round(Number(r.p95)),
    lastError: r.last_error,
    lastErrorAt: r.last_error_at?.toISOString() ?? null,
    queued: r.queued,
  }));
}

// ---------------------------------------------------------------------------------------------
// Domain-event watermarks

export async function getWatermark<T>(store: Store, context: string, source: string): Promise<T | undefined> {
  const res = await store.pool.query<{value: T}>(
    `SELECT value FROM ${store.table('webhook_watermarks')} WHERE context = $1 AND source = $2`,
    [context, source],
  );
  return res.rows[0]?.value;
}

export async function setWatermark(store: Store, context: string, source: string, value: unknown): Promise<void> {
  await store.pool.query(
    `INSERT INTO ${store.table('webhook_watermarks')} (context, source, value) VALUES ($1, $2, $3)
     ON CONFLICT (context, source) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [context, source, JSON.stringify(value)],
  );
}
