import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {DEFAULT_RETRY} from '../../services/webhooks/deliver.js';
import {type ServeResult, serveWebhooks} from '../../services/webhooks/serve.js';
import {parseInstant, parseTimerDuration} from '../../util/time.js';

export default class WebhooksServe extends BaseCommand<typeof WebhooksServe> {
  static override summary = 'Run the delivery service: read the sources, deliver signed webhooks, retry, report.';
  static override description =
    withExitCodes(`Run as many copies as you like (systemd units, a Kubernetes Deployment): they share one queue in the operational store (FOR UPDATE SKIP LOCKED with a lease) and one Kafka consumer group, and never deliver a message twice — except those in flight in a process that was killed, which another process delivers again with the same webhook-id after --lease.

Change events are read from the topics of the change subscriptions; a batch's offsets are committed only once its messages are queued. One process at a time (an advisory lock) watches cdcctl's domain events every --watch-interval: reconcile drift found/resolved, erasures completed/failed, DLQ growth (webhooks.dlqGrowthThreshold), connector and task state changes. POST /alertmanager takes Alertmanager's webhook notifications and fans each alert out as alert.firing / alert.resolved.

Delivery: 2xx is delivered; timeouts, refused connections, 5xx and 429 are retried with exponential backoff and jitter (--retry-base, --retry-max, honouring Retry-After) up to --max-attempts; any other answer fails at once. A subscription is disabled after its --disable-after consecutive failed attempts, and a webhook.disabled event is raised.

HTTP: GET /health (JSON; 503 while draining), GET /metrics (Prometheus: cdc_webhook_deliveries_total{result}, cdc_webhook_delivery_duration_seconds, cdc_webhook_queue_latency_seconds, cdc_webhook_queue_depth{state}), POST /alertmanager. Requests need an API key (Authorization: Bearer or X-API-Key; see \`cdcctl auth keys\`) when the context has any; bound beyond loopback without keys the service refuses to start unless --insecure-no-auth.

SIGTERM or Ctrl-C drains: no new claims or reads, in-flight deliveries finish and are recorded, then the process exits 0. So does \`cdcctl jobs cancel webhook-serve:<owner>\` from anywhere: each process registers in the store and beats every 5s, and \`cdcctl jobs list --kind webhook-serve\` lists them (running, drained, cancelled, or lost when one stopped beating). Under a supervisor that restarts it, a cancelled process is replaced by a new one.`);
  static override permission = 'webhooks:write';
  static override enableJsonFlag = true;
  static override flags = {
    port: integerFlag({
      summary: 'Port of /health, /metrics and /alertmanager (0 picks a free one).',
      default: 8788,
      min: 0,
      max: 65_535,
    }),
    host: Flags.string({summary: 'Address to bind.', default: '127.0.0.1'}),
    concurrency: integerFlag({
      summary: 'Deliveries in flight at once in this process.',
      default: 128,
      min: 1,
      max: 4096,
    }),
    'max-attempts': integerFlag({
      summary: 'Attempts per message before it is given up.',
      default: DEFAULT_RETRY.maxAttempts,
      min: 1,
      max: 1000,
    }),
    'retry-base': Flags.string({summary: 'First retry delay (doubling, with jitter).', default: '1s'}),
    'retry-max': Flags.string({summary: 'Longest retry delay.', default: '10m'}),
    lease: Flags.string({
      summary: 'How long a claimed message is held before another process may take it.',
      default: '2m',
    }),
    'watch-interval': Flags.string({summary: 'Interval of the domain-event watcher (0 turns it off).', default: '10s'}),
    'no-changes': Flags.boolean({summary: 'Do not read change events (deliver and watch only).'}),
    'from-beginning': Flags.boolean({
      summary: 'Change topics the group has no offset for start at their oldest event (default: the end).',
      exclusive: ['since'],
    }),
    since: Flags.string({
      summary: 'Change topics the group has no offset for start at this time (duration or ISO date).',
    }),
    group: Flags.string({summary: 'Kafka consumer group of the change sources (default cdcctl-webhooks-<context>).'}),
    'insecure-no-auth': Flags.boolean({summary: 'Serve beyond loopback without API keys (not recommended).'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> --port 8788',
    '<%= config.bin %> <%= command.id %> --port 0 --concurrency 256 --watch-interval 30s',
  ];

  async run(): Promise<ServeResult> {
    const ctx = await this.runContext();
    const signal = this.stopSignal(() =>
      this.log$.info('stopping: draining in-flight deliveries (Ctrl-C again to exit now)'),
    );
    const f = this.flags;
    const result = await serveWebhooks(ctx, {
      host: f.host,
      port: f.port,
      concurrency: f.concurrency,
      retry: {
        baseMs: parseTimerDuration(f['retry-base']),
        maxMs: parseTimerDuration(f['retry-max']),
        maxAttempts: f['max-attempts'],
      },
      leaseMs: parseTimerDuration(f.lease),
      start: f['from-beginning']
        ? 'beginning'
        : f.since
          ? {timestamp: parseInstant(f.since, 'since').getTime()}
          : 'end',
      groupId: f.group ?? `cdcctl-webhooks-${ctx.contextName}`,
      watchIntervalMs: f['watch-interval'] === '0' ? 0 : parseTimerDuration(f['watch-interval']),
      changes: !f['no-changes'],
      insecureNoAuth: f['insecure-no-auth'],
      signal,
      onListening: (url, auth) =>
        this.log$.info(`webhooks serve listening on ${url} (${auth ? 'API keys required' : 'no API keys'})`),
      onWarning: (m) => this.log$.warn(m),
      onInfo: (m) => this.log$.info(m),
    });
    this.log$.info(
      `stopped${result.cancelledBy ? ` (cancelled by ${result.cancelledBy})` : ''}: ${result.delivered} delivered, ${result.failed} failed, ${result.retried} retries scheduled`,
    );
    // a consumer left in a rebalance keeps sockets open: do not let it hold the process
    if (result.abandonedSources) setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    return result;
  }
}
