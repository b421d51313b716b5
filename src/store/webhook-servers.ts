import type {Store} from './index.js';

/**
 * The registry of `webhooks serve` processes (migration 702): each registers on start, beats with its
 * counts every BEAT_MS and records how it stopped. What `jobs` lists as webhook-serve jobs.
 */

/** How often a serve process beats; one silent for LOST_AFTER_MS is shown lost (killed, or its host gone). */
export const BEAT_MS = 5000;
export const LOST_AFTER_MS = 4 * BEAT_MS;
/** Stopped or lost processes are forgotten after this long (pruned when a process registers). */
const KEEP_DAYS = 30;

export interface ServerRecord {
  owner: string;
  context: string;
  host: string;
  pid: number;
  url: string;
  actor: string;
  startedAt: string;
  beatAt: string;
  stoppedAt: string | null;
  stopReason: string | null;
  delivered: number;
  failed: number;
  retried: number;
  inFlight: number;
}

interface ServerRow {
  owner: string;
  context: string;
  host: string;
  pid: number;
  url: string;
  actor: string;
  started_at: Date;
  beat_at: Date;
  stopped_at: Date | null;
  stop_reason: string | null;
  delivered: string;
  failed: string;
  retried: string;
  in_flight: number;
}

const toRecord = (r: ServerRow): ServerRecord => ({
  owner: r.owner,
  context: r.context,
  host: r.host,
  pid: r.pid,
  url: r.url,
  actor: r.actor,
  startedAt: r.started_at.toISOString(),
  beatAt: r.beat_at.toISOString(),
  stoppedAt: r.stopped_at?.toISOString() ?? null,
  stopReason: r.stop_reason,
  delivered: Number(r.delivered),
  failed: Number(r.failed),
  retried: Number(r.retried),
  inFlight: r.in_flight,
});

export async function registerServer(
  store: Store,
  s: {owner: string; context: string; host: string; pid: number; url: string; actor: string},
): Promise<void> {
  await store.pool.query(
    `DELETE FROM ${store.table('webhook_servers')}
      WHERE coalesce(stopped_at, beat_at) < now() - make_interval(days => $1)`,
    [KEEP_DAYS],
  );
  await store.pool.query(
    `INSERT INTO ${store.table('webhook_servers')} (owner, context, host, pid, url, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.owner, s.context, s.host, s.pid, s.url, s.actor],
  );
}

export interface ServerCounts {
  delivered: number;
  failed: number;
  retried: number;
  inFlight: number;
}

export async function beatServer(store: Store, owner: string, c: ServerCounts): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('webhook_servers')}
        SET beat_at = now(), delivered = $2, failed = $3, retried = $4, in_flight = $5
      WHERE owner = $1`,
    [owner, c.delivered, c.failed, c.retried, c.inFlight],
  );
}

export async function stopServer(store: Store, owner: string, c: ServerCounts, reason: string): Promise<void> {
  await store.pool.query(
    `UPDATE ${store.table('webhook_servers')}
        SET beat_at = now(), stopped_at = now(), stop_reason = $6,
            delivered = $2, failed = $3, retried = $4, in_flight = $5
      WHERE owner = $1`,
    [owner, c.delivered, c.failed, c.retried, c.inFlight, reason],
  );
}

export async function listServers(store: Store, context: string, limit: number): Promise<ServerRecord[]> {
  const res = await store.pool.query<ServerRow>(
    `SELECT * FROM ${store.table('webhook_servers')} WHERE context = $1 ORDER BY started_at DESC LIMIT $2`,
    [context, limit],
  );
  return res.rows.map(toRecord);
}

export async function getServer(store: Store, owner: string): Promise<ServerRecord | undefined> {
  const res = await store.pool.query<ServerRow>(`SELECT * FROM ${store.table('webhook_servers')} WHERE owner = $1`, [
    owner,
  ]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}
