import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import {hostname} from 'node:os';
import {type ConsumeStart, consumeTopics} from '../../clients/kafka.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {openStore, type Store} from '../../store/index.js';
import {BEAT_MS, beatServer, registerServer, stopServer} from '../../store/webhook-servers.js';
import {
  type ClaimedMessage,
  claim,
  defer,
  enqueue,
  listSubscriptions,
  type Outcome,
  type QueuedMessage,
  queueDepth,
  release,
  type SubscriptionRow,
  settle,
} from '../../store/webhooks.js';
import {canonicalJson} from '../../util/canonical-json.js';
import {type Authenticator, requestAuthenticator} from '../access/api-keys.js';
import {type CancelWatch, type JobCancelledError, watchCancel} from '../cancellation/watch.js';
import {registrySchemaLookup} from '../events/decode.js';
import {type ChangeEvent, type ChangeOp, eventMatcher, toChangeEvent, toChangeEventSync} from '../events/stream.js';
import {fetchVaultSecrets} from '../secrets/vault.js';
import {attemptDelivery, type Deliverable, deliverable, type RetryPolicy} from './deliver.js';
import {alertEvents, emitDomainEvents, subscriptionDisabled, watchPass} from './domain-events.js';
import {Metrics} from './metrics.js';
import {payloadOf, webhookIdOf} from './payload.js';
import {transportFor} from './targets.js';
import {SERVE_JOB_KIND, selects} from './types.js';

/**
 * `webhooks serve`: the delivery service. Any number of processes share one queue in the store:
 * each claims due messages (FOR UPDATE SKIP LOCKED, with a lease), delivers them signed, and
 * settles the outcomes in batches. The sources feed the queue: change events from Kafka (one
 * consumer group shared by the processes; a batch's offsets are committed only once its messages
 * are queued), cdcctl's domain events (one process at a time watches, under an advisory lock) and
 * Alertmanager notifications posted to /alertmanager. The process answers /health and /metrics.
 * On the stop signal, or `jobs cancel webhook-serve:<owner>` (it registers itself in the store and
 * beats there, which is what `jobs` lists), it stops claiming and reading, finishes what is in
 * flight, settles, and returns.
 */

export interface ServeOptions {
  host: string;
  port: number;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  retry: RetryPolicy;
  /** How long a claim holds a message (a crashed process's messages come back after it). */
  leaseMs: number;
  /** Where change-event sources start when the group has no committed offset. */
  start: ConsumeStart;
  /** The consumer group of the change-event sources (shared by the processes of one deployment). */
  groupId: string;
  /** Interval of the domain-event watcher (0: off). */
  watchIntervalMs: number;
  /** Read change events from Kafka (off: deliver and watch only). */
  changes: boolean;
  insecureNoAuth: boolean;
  signal: AbortSignal;
  onListening?: (url: string, auth: boolean) => void;
  onWarning?: (message: string) => void;
  onInfo?: (message: string) => void;
}

export interface ServeResult {
  url: string;
  owner: string;
  delivered: number;
  failed: number;
  retried: number;
  queuedFromChanges: number;
  domainEvents: number;
  /** The Kafka consumer did not stop in time while draining (the process should exit regardless). */
  abandonedSources?: boolean;
  /** Who stopped it through `jobs cancel`, and why (absent: the stop signal). */
  cancelledBy?: string;
}

const CLAIM_LIMIT = 500;
const SETTLE_BATCH = 500;
const SETTLE_EVERY_MS = 25;
const SUBS_REFRESH_MS = 2000;
const ADVISORY = 0x63647768; // "cdwh"
const DRAIN_SOURCES_MS = 10_000;

interface CachedSub {
  row: SubscriptionRow;
  deliverable?: Deliverable;
  problem?: string;
  match?: (ev: ChangeEvent) => boolean;
  bucket?: {tokens: number; at: number};
}

export async function serveWebhooks(ctx: RunContext, opts: ServeOptions): Promise<ServeResult> {
  const {createServer} = await import('node:http');
  const auth: Authenticator = await requestAuthenticator(ctx, {
    host: opts.host,
    insecureNoAuth: opts.insecureNoAuth,
    server: 'webhooks',
  });
  const store: Store = await openStore(ctx);
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const transport = transportFor(ctx, opts.concurrency);
  const metrics = new Metrics();
  const warn = (m: string) => opts.onWarning?.(m);
  // the stop signal, or a `jobs cancel` request seen in the store
  const stop = new AbortController();
  const signal = stop.signal;
  if (opts.signal.aborted) stop.abort();
  else opts.signal.addEventListener('abort', () => stop.abort(), {once: true});
  const result: ServeResult = {
    url: '',
    owner,
    delivered: 0,
    failed: 0,
    retried: 0,
    queuedFromChanges: 0,
    domainEvents: 0,
  };

  // --- subscriptions, refreshed from the store -------------------------------------------------
  let subs = new Map<string, CachedSub>();
  const loadSubs = async () => {
    const rows = await listSubscriptions(store, ctx.contextName);
    await fetchVaultSecrets(
      ctx,
      rows.map((r) => [r.secretRef, r.headers]),
    ).catch(() => {});
    const next = new Map<string, CachedSub>();
    for (const row of rows) {
      const old = subs.get(row.id);
      const c: CachedSub = {row, bucket: old?.bucket};
      try {
        c.deliverable = deliverable(row, ctx.contextName);
      } catch (err) {
        c.problem = (err as Error).message;
      }
      if (selects(row.eventTypes, 'change')) {
        try {
          c.match = eventMatcher({ops: row.ops as ChangeOp[], filter: row.filter ?? undefined});
        } catch (err) {
          c.problem = `filter: ${(err as Error).message}`;
        }
      }
      next.set(row.id, c);
    }
    subs = next;
  };
  await loadSubs();

  let draining = false;
  const stopped = new Promise<void>((r) => signal.addEventListener('abort', () => r(), {once: true}));
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      if (signal.aborted) return r();
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        r();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, {once: true});
    });

  // --- settling outcomes in batches -------------------------------------------------------------
  let pending: Outcome[] = [];
  let settling: Promise<void> = Promise.resolve();
  let settleTimer: NodeJS.Timeout | undefined;
  const flush = (): Promise<void> => {
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = undefined;
    if (pending.length === 0) return settling;
    const batch = pending;
    pending = [];
    settling = settling.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const disabled = await settle(store, owner, batch);
          for (const d of disabled) {
            warn(`subscription ${d.name} disabled after ${d.failures} consecutive failed attempts`);
            metrics.inc('cdc_webhook_subscriptions_disabled_total', {});
            result.domainEvents += await emitDomainEvents(store, ctx.contextName, [
              subscriptionDisabled(d.name, d.failures),
            ]);
          }
          return;
        } catch (err) {
          // the store is away: keep the outcomes (the lease protects the rows meanwhile) and try again
          warn(`settling ${batch.length} delivery outcome(s) failed (attempt ${attempt}): ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
          if (attempt >= 20) return;
        }
      }
    });
    return settling;
  };
  const record = (o: Outcome) => {
    pending.push(o);
    if (pending.length >= SETTLE_BATCH) void flush();
    else settleTimer ??= setTimeout(() => void flush(), SETTLE_EVERY_MS);
  };

  // --- delivering --------------------------------------------------------------------------------
  let inFlight = 0;
  let slotWaiter: (() => void) | undefined;
  const deliver = async (m: ClaimedMessage) => {
    try {
      let c = subs.get(m.subscriptionId);
      if (!c) {
        await loadSubs();
        c = subs.get(m.subscriptionId);
      }
      if (!c) return; // removed meanwhile: its queue rows went with it
      const rate = c.row.ratePerSec;
      if (rate) {
        const now = Date.now();
        c.bucket ??= {tokens: rate, at: now};
        const b = c.bucket;
        b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
        b.at = now;
        b.tokens -= 1;
        if (b.tokens < 0) {
          const waitMs = (-b.tokens / rate) * 1000;
          if (waitMs > 1000) {
            b.tokens += 1;
            await defer(store, owner, [{id: m.id, delayMs: waitMs}]);
            return;
          }
          await new Promise((r) => setTimeout(r, waitMs));
        }
      }
      let outcome: Outcome;
      if (!c.deliverable) {
        outcome = {
          queueId: m.id,
          result: m.attempt < opts.retry.maxAttempts ? 'retry' : 'failed',
          responseCode: null,
          responseBody: null,
          error: `not deliverable: ${c.problem ?? 'unknown'}`,
          latencyMs: 0,
          retryInMs: opts.retry.baseMs * 2 ** Math.min(m.attempt - 1, 20),
        };
      } else {
        outcome = await attemptDelivery(
          transport,
          c.deliverable,
          {queueId: m.id, webhookId: m.webhookId, payload: m.payload, attempt: m.attempt},
          opts.retry,
          ctx.userAgent,
        );
      }
      metrics.inc('cdc_webhook_deliveries_total', {result: outcome.result});
      metrics.observe('cdc_webhook_delivery_duration_seconds', outcome.latencyMs / 1000);
      if (outcome.result === 'delivered') {
        result.delivered++;
        metrics.observe('cdc_webhook_queue_latency_seconds', (Date.now() - m.enqueuedAt.getTime()) / 1000);
      } else if (outcome.result === 'failed') result.failed++;
      else result.retried++;
      record(outcome);
    } catch (err) {
      warn(`delivery of ${m.webhookId} failed inside cdcctl: ${(err as Error).message}`);
    } finally {
      inFlight--;
      const w = slotWaiter;
      slotWaiter = undefined;
      w?.();
    }
  };

  const pump = async () => {
    let idle = 5;
    while (!draining) {
      const room = opts.concurrency - inFlight;
      if (room < Math.max(1, Math.floor(opts.concurrency / 4))) {
        await new Promise<void>((r) => {
          slotWaiter = r;
        });
        continue;
      }
      let claimed: ClaimedMessage[];
      try {
        const longest = Math.max(0, ...[...subs.values()].map((c) => c.row.timeoutMs));
        claimed = await claim(store, owner, Math.min(room, CLAIM_LIMIT), Math.max(opts.leaseMs, longest + 5000));
      } catch (err) {
        warn(`claiming from the queue failed: ${(err as Error).message}`);
        await sleep(1000);
        continue;
      }
      if (draining) {
        await release(
          store,
          owner,
          claimed.map((m) => m.id),
        ).catch(() => {});
        break;
      }
      if (claimed.length === 0) {
        await sleep(idle);
        idle = Math.min(idle * 2, 100);
        continue;
      }
      idle = 5;
      for (const m of claimed) {
        inFlight++;
        void deliver(m);
      }
    }
  };

  // --- change events from Kafka -----------------------------------------------------------------
  const changeTopics = () =>
    [
      ...new Set([...subs.values()].filter((c) => c.match && c.row.state !== 'disabled').flatMap((c) => c.row.topics)),
    ].sort();
  const lookup = registrySchemaLookup(ctx);
  const changes = async () => {
    while (!draining && opts.changes) {
      const topics = changeTopics();
      if (topics.length === 0) {
        await sleep(SUBS_REFRESH_MS);
        continue;
      }
      const restart = new AbortController();
      const onStop = () => restart.abort();
      signal.addEventListener('abort', onStop, {once: true});
      const watch = setInterval(() => {
        if (changeTopics().join(',') !== topics.join(',')) restart.abort();
      }, SUBS_REFRESH_MS);
      try {
        await consumeTopics(ctx, {
          topics,
          groupId: opts.groupId,
          start: opts.start,
          signal: restart.signal,
          clientIdSuffix: 'webhooks',
          onBatch: async (batch) => {
            const targets = [...subs.values()].filter((c) => c.match && c.row.state !== 'disabled');
            const out: QueuedMessage[] = [];
            for (const m of batch) {
              const fast = toChangeEventSync(m);
              const ev = fast === null ? await toChangeEvent(m, lookup) : fast;
              if (!ev) continue;
              let payload: string | undefined;
              for (const c of targets) {
                if (!c.row.topics.includes(ev.topic) || !c.match?.(ev)) continue;
                payload ??= payloadOf('change', ev, new Date(ev.timestamp));
                out.push({
                  subscriptionId: c.row.id,
                  webhookId: webhookIdOf(c.row.id, `${ev.topic}:${ev.partition}:${ev.offset}`),
                  eventType: 'change',
                  orderKey: c.row.ordered ? `${ev.topic}|${orderKeyOf(ev.key)}` : null,
                  payload,
                });
              }
            }
            // the batch's offsets are committed when this resolves: only once its messages are queued
            const n = await enqueue(store, out);
            result.queuedFromChanges += n;
            metrics.inc('cdc_webhook_events_queued_total', {source: 'change'}, n);
            return true;
          },
        });
      } catch (err) {
        if (!draining) {
          warn(`reading change events from ${topics.join(', ')} failed: ${(err as Error).message}; retrying in 5s`);
          await sleep(5000);
        }
      } finally {
        clearInterval(watch);
        signal.removeEventListener('abort', onStop);
      }
    }
  };

  // --- the domain-event watcher (one process at a time) -----------------------------------------
  const watcher = async () => {
    if (opts.watchIntervalMs <= 0) return;
    const client = await store.pool.connect();
    let leader = false;
    try {
      while (!draining) {
        try {
          if (!leader) {
            const r = await client.query<{ok: boolean}>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
              ADVISORY,
              ctx.contextName,
            ]);
            leader = r.rows[0]?.ok === true;
          }
          if (leader) {
            const pass = await watchPass(ctx, store);
            result.domainEvents += pass.emitted;
            metrics.inc('cdc_webhook_events_queued_total', {source: 'domain'}, pass.emitted);
            for (const e of pass.errors) warn(`domain events: ${e}`);
          }
        } catch (err) {
          warn(`domain events: ${(err as Error).message}`);
        }
        await sleep(opts.watchIntervalMs);
      }
    } finally {
      if (leader)
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [ADVISORY, ctx.contextName]).catch(() => {});
      client.release();
    }
  };

  // --- the HTTP side: /health, /metrics, /alertmanager ------------------------------------------
  let depth = await queueDepth(store).catch(() => ({due: 0, waiting: 0, inFlight: 0}));
  const depthTimer = setInterval(() => {
    void queueDepth(store)
      .then((d) => {
        depth = d;
      })
      .catch(() => {});
    void loadSubs().catch((err) => warn(`reading subscriptions failed: ${(err as Error).message}`));
  }, SUBS_REFRESH_MS);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route =
      req.method === 'GET' && url.pathname === '/health'
        ? 'health'
        : req.method === 'GET' && url.pathname === '/metrics'
          ? 'metrics'
          : req.method === 'POST' && url.pathname === '/alertmanager'
            ? 'alertmanager'
            : undefined;
    if (!route) return send(res, 404, {error: 'not found: GET /health, GET /metrics, POST /alertmanager'});
    const decision = await auth.check(req, route === 'alertmanager' ? 'webhooks:write' : 'webhooks:read');
    if (!decision.allowed) {
      if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer');
      return send(res, decision.status, {error: decision.reason});
    }
    if (route === 'health') {
      return send(res, draining ? 503 : 200, {
        status: draining ? 'draining' : 'ok',
        owner,
        inFlight,
        queue: depth,
        subscriptions: subs.size,
        delivered: result.delivered,
        failed: result.failed,
      });
    }
    if (route === 'metrics') {
      metrics.set('cdc_webhook_queue_depth', {state: 'due'}, depth.due);
      metrics.set('cdc_webhook_queue_depth', {state: 'waiting'}, depth.waiting);
      metrics.set('cdc_webhook_queue_depth', {state: 'in_flight'}, depth.inFlight);
      metrics.set('cdc_webhook_in_flight', {}, inFlight);
      res.writeHead(200, {'content-type': 'text/plain; version=0.0.4; charset=utf-8'});
      return res.end(metrics.render());
    }
    const body = await readBody(req, 4 * 1024 * 1024);
    let events: ReturnType<typeof alertEvents>;
    try {
      events = alertEvents(JSON.parse(body));
    } catch (err) {
      return send(res, 400, {error: `not an Alertmanager notification: ${(err as Error).message.slice(0, 300)}`});
    }
    const n = await emitDomainEvents(store, ctx.contextName, events);
    result.domainEvents += n;
    metrics.inc('cdc_webhook_events_queued_total', {source: 'alert'}, n);
    return send(res, 200, {alerts: events.length, queued: n});
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, {error: (err as Error).message});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CdcError(
          'WEBHOOKS_LISTEN',
          ExitCode.usage,
          `cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  result.url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.onListening?.(result.url, auth.required);

  // --- the registry (what `jobs` lists) and cancellation through it ------------------------------
  const counts = () => ({delivered: result.delivered, failed: result.failed, retried: result.retried, inFlight});
  let registered = false;
  let cancel: CancelWatch | undefined;
  try {
    await registerServer(store, {
      owner,
      context: ctx.contextName,
      host: hostname(),
      pid: process.pid,
      url: result.url,
      actor: ctx.actor,
    });
    registered = true;
    cancel = await watchCancel(store, {kind: SERVE_JOB_KIND, jobId: owner, resume: 'cdcctl webhooks serve'});
    cancel.signal.addEventListener('abort', () => stop.abort(), {once: true});
  } catch (err) {
    warn(`registering this process in the store failed (jobs will not list it): ${(err as Error).message}`);
  }
  const beatTimer = setInterval(() => {
    if (registered) void beatServer(store, owner, counts()).catch(() => {});
  }, BEAT_MS);

  const running = [pump(), changes(), watcher()].map((p) =>
    p.catch((err) => {
      warn(`a part of the service stopped: ${(err as Error).message}`);
    }),
  );
  try {
    await stopped;
  } finally {
    draining = true;
    slotWaiter?.();
    opts.onInfo?.(`draining: ${inFlight} delivery(ies) in flight`);
    // The Kafka consumer may be in the middle of a group rebalance (waiting for a member that died):
    // its stop is not waited for beyond DRAIN_SOURCES_MS. Nothing is lost by leaving it: a batch's
    // offsets are committed only after its messages are queued, and a re-read queues nothing twice.
    const sourcesStopped = await Promise.race([
      Promise.all(running).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), DRAIN_SOURCES_MS)),
    ]);
    if (!sourcesStopped) {
      result.abandonedSources = true;
      warn(`the Kafka consumer did not stop within ${DRAIN_SOURCES_MS / 1000}s (a group rebalance?): left behind`);
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await flush();
    await settling;
    clearInterval(depthTimer);
    clearInterval(beatTimer);
    cancel?.stop();
    const request = cancel?.signal.aborted ? (cancel.signal.reason as JobCancelledError).request : undefined;
    if (request) result.cancelledBy = `${request.requestedBy}${request.reason ? ` (${request.reason})` : ''}`;
    if (registered)
      await stopServer(
        store,
        owner,
        counts(),
        result.cancelledBy ? `cancelled by ${result.cancelledBy}` : 'drained',
      ).catch((err) => warn(`recording the stop in the store failed: ${(err as Error).message}`));
    transport.close();
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
    await lookup?.close();
    await auth.close();
    await store.close();
  }
  return result;
}

/** A key as the ordering key of a message: its canonical JSON (null keys share one order). */
function orderKeyOf(key: unknown): string {
  return key === null || key === undefined ? '' : typeof key === 'string' ? key : canonicalJson(key);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'content-type': 'application/json'});
  res.end(`${JSON.stringify(body)}\n`);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
