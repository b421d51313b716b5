import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {eventSourceFlags, startOf} from '../../cli/flags/events.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {type Authenticator, requestAuthenticator} from '../../services/access/api-keys.js';
import {type SseResult, serveEvents} from '../../services/events/sse.js';
import {resolveEventTopics} from '../../services/events/stream.js';
import {parseTimerDuration} from '../../util/time.js';

export default class EventsSse extends BaseCommand<typeof EventsSse> {
  static override summary = 'Serve the change stream as Server-Sent Events for dashboards.';
  static override description =
    `Listens on 127.0.0.1 by default. Clients connect to /events and choose their own filter in the query string: op=c,u · key=1001 · table=inventory.public.orders · topic=… · filter=<expression> (as events tail --filter).

Every client gets the stream from the same start, whenever it connects: with --from-beginning or --since its history first (read for it alone), then the live events; without them, the events from its connection on. Each event is sent as "id: <position>", "event: change", "data: <JSON>" (as events tail writes it, with keyFormat/valueFormat). The id is the position after the event in every partition ("topic:partition:offset" entries joined by commas, the event's own first): a client reconnecting with Last-Event-ID (EventSource does so by itself; or ?lastEventId=) resumes exactly after it, nothing lost or repeated.

A ": keep-alive" comment is sent every --keep-alive. /healthz answers 200.

Every request needs an API key with events:read (Authorization: Bearer <key> or X-API-Key; see cdcctl auth keys create) when the context has any; bound beyond loopback without keys the server refuses to start unless --insecure-no-auth. Ctrl-C closes every stream and stops.`;
  static override enableJsonFlag = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --connector inventory-source --port 8787',
    "curl -N 'http://127.0.0.1:8787/events?op=u&filter=after.status%3D%3D%22shipped%22'",
  ];
  static override args = {topic: Args.string({description: 'Topic to serve (or --connector).'})};
  static override flags = {
    ...eventSourceFlags,
    port: integerFlag({summary: 'Port to listen on (0 picks a free one).', required: true, min: 0, max: 65_535}),
    host: Flags.string({summary: 'Address to bind.', default: '127.0.0.1'}),
    'keep-alive': Flags.string({summary: 'Interval of keep-alive comments.', default: '15s'}),
    'insecure-no-auth': Flags.boolean({summary: 'Serve beyond loopback without API keys (not recommended).'}),
  };

  async run(): Promise<SseResult> {
    if (!this.args.topic && !this.flags.connector) throw new UsageError('name a topic or --connector');
    const ctx = await this.runContext();
    const topics = await resolveEventTopics(ctx, {topic: this.args.topic, connector: this.flags.connector});
    const auth = await requestAuthenticator(ctx, {
      host: this.flags.host,
      insecureNoAuth: this.flags['insecure-no-auth'],
      server: 'events sse',
    });
    const signal = this.stopSignal();
    try {
      return await this.serve(ctx, topics, signal, auth);
    } finally {
      await auth.close();
    }
  }

  private async serve(ctx: RunContext, topics: string[], signal: AbortSignal, auth: Authenticator): Promise<SseResult> {
    const result = await serveEvents(ctx, {
      auth,
      topics,
      host: this.flags.host,
      port: this.flags.port,
      keepAliveMs: parseTimerDuration(this.flags['keep-alive']),
      start: startOf(this.flags),
      signal,
      onListening: (url) =>
        this.log$.info(`serving ${topics.join(', ')} on ${url}${auth.required ? ' (API keys required)' : ''}`),
      onClient: (event, n) => this.log$.info(`client ${event === 'connect' ? 'connected' : 'left'} (${n} connected)`),
      onClientError: (message) => this.log$.warn(message),
    });
    this.log$.info(`stopped: ${result.clientsServed} client(s) served, ${result.eventsSent} event(s) sent`);
    return result;
  }
}
