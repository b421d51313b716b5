import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import type {ConsumeStart} from '../../clients/kafka.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {type ChangeEvent, type ChangeOp, eventMatcher, streamEvents} from './stream.js';

/**
 * The change stream as Server-Sent Events: one Kafka consumer, fanned out to every client, each
 * with its own filter from the query string:
 *   GET /events?op=c,u&key=1001&table=inventory.public.orders&filter=after.status=="x"
 * Each event: `id: topic:partition:offset`, `event: change`, `data: <JSON>`. A comment line
 * (`: keep-alive`) every keep-alive interval holds proxies open. GET /healthz answers 200.
 */

export interface SseOptions {
  topics: string[];
  host: string;
  port: number;
  keepAliveMs: number;
  start: ConsumeStart;
  signal: AbortSignal;
  /** Called once the server listens, with its actual address. */
  onListening?: (url: string) => void;
  onClient?: (event: 'connect' | 'disconnect', clients: number) => void;
}

export interface SseResult {
  url: string;
  clientsServed: number;
  eventsSent: number;
  eventsSeen: number;
}

/** A client whose unsent output exceeds this is too slow to follow and is disconnected. */
const MAX_BUFFERED = 8 * 1024 * 1024;

interface Client {
  res: ServerResponse;
  match: (ev: ChangeEvent) => boolean;
}

export async function serveEvents(ctx: RunContext, opts: SseOptions): Promise<SseResult> {
  const {createServer} = await import('node:http');
  const clients = new Set<Client>();
  let served = 0;
  let sent = 0;

  const server: Server = createServer((req, res) => handle(req, res));
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return plain(res, 405, 'method not allowed\n');
    if (url.pathname === '/healthz') return plain(res, 200, 'ok\n');
    if (url.pathname !== '/events') return plain(res, 404, 'not found: use /events\n');
    let match: (ev: ChangeEvent) => boolean;
    try {
      const ops = url.searchParams.get('op')?.split(',').filter(Boolean) as ChangeOp[] | undefined;
      const inner = eventMatcher({
        ops,
        key: url.searchParams.get('key') ?? undefined,
        filter: url.searchParams.get('filter') ?? undefined,
      });
      const table = url.searchParams.get('table');
      const topic = url.searchParams.get('topic');
      match = (ev) => (!table || ev.table === table) && (!topic || ev.topic === topic) && inner(ev);
    } catch (err) {
      return plain(res, 400, `${(err as Error).message}\n`);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n: connected to ${opts.topics.length} topic(s)\n\n`);
    const client: Client = {res, match};
    clients.add(client);
    served++;
    opts.onClient?.('connect', clients.size);
    req.on('close', () => {
      if (clients.delete(client)) opts.onClient?.('disconnect', clients.size);
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CdcError(
          'SSE_LISTEN',
          ExitCode.usage,
          `cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`,
          {
            hint: err.code === 'EADDRINUSE' ? 'Choose another --port.' : undefined,
          },
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/events`;
  opts.onListening?.(url);

  const keepAlive = setInterval(() => {
    for (const c of clients) c.res.write(': keep-alive\n\n');
  }, opts.keepAliveMs);

  try {
    const result = await streamEvents(
      ctx,
      {topics: opts.topics, start: opts.start, signal: opts.signal},
      () => clients.size > 0,
      (ev) => {
        let data: string | undefined;
        for (const c of clients) {
          if (!c.match(ev)) continue;
          data ??= `id: ${ev.topic}:${ev.partition}:${ev.offset}\nevent: change\ndata: ${JSON.stringify(ev)}\n\n`;
          c.res.write(data);
          sent++;
          if (c.res.writableLength > MAX_BUFFERED) {
            clients.delete(c);
            c.res.destroy();
            opts.onClient?.('disconnect', clients.size);
          }
        }
      },
    );
    return {url, clientsServed: served, eventsSent: sent, eventsSeen: result.seen};
  } finally {
    clearInterval(keepAlive);
    for (const c of clients) c.res.end(': server shutting down\n\n');
    clients.clear();
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {'content-type': 'text/plain; charset=utf-8'});
  res.end(text);
}
