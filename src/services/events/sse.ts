import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import {type ConsumeStart, type OffsetMap, startPositions, withAdmin} from '../../clients/kafka.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {Authenticator} from '../access/api-keys.js';
import {EventCursor, positionsAfter} from './cursor.js';
import {type ChangeEvent, type ChangeOp, eventMatcher, streamEvents} from './stream.js';

/**
 * The change stream as Server-Sent Events, each client with its own filter from the query string:
 *   GET /events?op=c,u&key=1001&table=inventory.public.orders&filter=after.status=="x"
 * Every client gets the whole stream from the server's start (--from-beginning, --since, or the
 * moment it connects), whenever it connects: its history is replayed by a read of its own, then
 * it follows the one live consumer the clients share. A client reconnecting with `Last-Event-ID`
 * resumes right after that event, in every partition (cursor.ts). Each event: `id: <cursor>`,
 * `event: change`, `data: <JSON>`. A comment line (`: keep-alive`) every keep-alive interval holds
 * proxies open. GET /healthz answers 200.
 */

export interface SseOptions {
  topics: string[];
  host: string;
  port: number;
  keepAliveMs: number;
  /** Where a client without Last-Event-ID starts: the history it is given. */
  start: ConsumeStart;
  signal: AbortSignal;
  /** Called once the server listens, with its actual address. */
  onListening?: (url: string) => void;
  onClient?: (event: 'connect' | 'disconnect', clients: number) => void;
  /** A client's replay failed (it is disconnected; the server goes on). */
  onClientError?: (message: string) => void;
  /** Checks every request's API key (permission events:read); absent: open. */
  auth?: Pick<Authenticator, 'check'>;
}

export interface SseResult {
  url: string;
  clientsServed: number;
  eventsSent: number;
  eventsSeen: number;
}

/** A client whose unsent output (or history held back during its replay) exceeds this is too slow to follow. */
const MAX_BUFFERED = 8 * 1024 * 1024;

interface Client {
  res: ServerResponse;
  match: (ev: ChangeEvent) => boolean;
  /** Where the client stands: what it has been given (or skipped by its filter), per partition. */
  cursor?: EventCursor;
  /** Replaying its history: live events are held back (up to MAX_BUFFERED, then re-read). */
  held?: {events: ChangeEvent[]; bytes: number; overflowed: boolean};
  replay: AbortController;
}

export async function serveEvents(ctx: RunContext, opts: SseOptions): Promise<SseResult> {
  const {createServer} = await import('node:http');
  const clients = new Set<Client>();
  let served = 0;
  let sent = 0;
  const dataOf = new WeakMap<ChangeEvent, string>();
  const data = (ev: ChangeEvent) => {
    let d = dataOf.get(ev);
    if (d === undefined) {
      d = JSON.stringify(ev);
      dataOf.set(ev, d);
    }
    return d;
  };

  const drop = (c: Client) => {
    c.replay.abort();
    if (clients.delete(c)) opts.onClient?.('disconnect', clients.size);
  };

  /** Passes the event for the client once (a replayed or held event may come twice); false if already passed. */
  const give = (c: Client, ev: ChangeEvent): boolean => {
    if (!c.cursor?.advance(ev.topic, ev.partition, ev.offset)) return false;
    if (!c.match(ev) || c.res.destroyed || c.res.writableEnded) return true;
    const ok = c.res.write(`id: ${c.cursor.id(ev.topic, ev.partition)}\nevent: change\ndata: ${data(ev)}\n\n`);
    sent++;
    if (!ok && c.res.writableLength > MAX_BUFFERED) {
      c.res.destroy();
      drop(c);
    }
    return ok;
  };

  /** Resolves when the client can take more (drained), is gone, or its replay was stopped. */
  const writable = (c: Client) =>
    new Promise<void>((resolve) => {
      const done = () => {
        c.res.off('drain', done);
        c.res.off('close', done);
        c.replay.signal.removeEventListener('abort', done);
        resolve();
      };
      c.res.once('drain', done);
      c.res.once('close', done);
      c.replay.signal.addEventListener('abort', done, {once: true});
      if (c.res.destroyed || c.replay.signal.aborted) done();
    });

  /** The live consumer's events: to live clients now, held for those still replaying. */
  const fanOut = (ev: ChangeEvent) => {
    liveCursor.advance(ev.topic, ev.partition, ev.offset);
    for (const c of clients) {
      if (!c.held) {
        give(c, ev);
        continue;
      }
      if (c.held.overflowed) continue;
      c.held.events.push(ev);
      c.held.bytes += data(ev).length;
      if (c.held.bytes > MAX_BUFFERED) c.held = {events: [], bytes: 0, overflowed: true};
    }
  };

  /**
   * The client's history, from its start to the end of the topics as they are when each read
   * begins; then what was held back meanwhile, and it is live. A read whose held-back events
   * overflowed is followed by another from where it stopped.
   */
  const replay = async (c: Client, start: ConsumeStart) => {
    const positions = await withAdmin(ctx, (admin) => startPositions(admin, opts.topics, {start}));
    c.cursor = new EventCursor(positions.map((p) => ({topic: p.topic, partition: p.partition, offset: p.start})));
    do {
      c.held = {events: [], bytes: 0, overflowed: false};
      await streamEvents(
        ctx,
        {topics: opts.topics, start: {offsets: c.cursor.offsets()}, stopAtEnd: true, signal: c.replay.signal},
        () => true,
        (ev) => (give(c, ev) || c.res.destroyed ? undefined : writable(c)),
      );
      if (c.replay.signal.aborted) return;
    } while (c.held.overflowed);
    const {events} = c.held;
    c.held = undefined;
    for (const ev of events) give(c, ev);
  };

  const server: Server = createServer((req, res) => {
    if (!opts.auth) return handle(req, res);
    opts.auth
      .check(req, 'events:read')
      .then((d) => {
        if (d.allowed) return handle(req, res);
        if (d.status === 401) res.setHeader('www-authenticate', 'Bearer');
        plain(res, d.status, `${d.reason}\n`);
      })
      .catch((err: unknown) => plain(res, 500, `${(err as Error).message}\n`));
  });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return plain(res, 405, 'method not allowed\n');
    if (url.pathname === '/healthz') return plain(res, 200, 'ok\n');
    if (url.pathname !== '/events') return plain(res, 404, 'not found: use /events\n');
    let match: (ev: ChangeEvent) => boolean;
    let resume: OffsetMap | undefined;
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
      // EventSource sends the header on reconnecting; a query parameter serves clients that cannot set it
      const lastId = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
      if (typeof lastId === 'string' && lastId !== '') resume = positionsAfter(lastId, opts.topics);
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
    const client: Client = {res, match, held: {events: [], bytes: 0, overflowed: false}, replay: new AbortController()};
    clients.add(client);
    served++;
    opts.onClient?.('connect', clients.size);
    req.on('close', () => drop(client));
    // "from now on" is from where the live consumer is: nothing it has yet to hand out is missed
    const start = resume ? {offsets: resume} : opts.start === 'end' ? {offsets: liveCursor.offsets()} : opts.start;
    replay(client, start).catch((err: unknown) => {
      if (client.replay.signal.aborted) return;
      opts.onClientError?.(`replay for a client failed: ${(err as Error).message}`);
      res.end(': replay failed\n\n');
      drop(client);
    });
  };

  // The live consumer starts at the end as of now, before any client can connect: together with
  // each client's replay (which reads to the end as of its connection, or later) nothing falls between.
  const liveStart = await withAdmin(ctx, (admin) => startPositions(admin, opts.topics, {start: 'end'}));
  const liveCursor = new EventCursor(liveStart.map((p) => ({topic: p.topic, partition: p.partition, offset: p.start})));
  const liveOffsets = liveCursor.offsets();

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
      {topics: opts.topics, start: {offsets: liveOffsets}, signal: opts.signal},
      () => true,
      fanOut,
    );
    return {url, clientsServed: served, eventsSent: sent, eventsSeen: result.seen};
  } finally {
    clearInterval(keepAlive);
    for (const c of clients) {
      c.replay.abort();
      c.res.end(': server shutting down\n\n');
    }
    clients.clear();
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {'content-type': 'text/plain; charset=utf-8'});
  res.end(text);
}
