import {readdir, readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {type CdcNodeState, cassandraClient, cassandraError, cdcNodeState} from '../../clients/cassandra.js';
import type {CassandraCdcConfig} from '../../config/schema.js';
import {CdcError} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {describeMs, parseDuration} from '../../util/time.js';

/**
 * The Cassandra CDC state that breaks a Cassandra → Debezium pipeline without an error anywhere:
 * CDC off on the node, a captured table without `cdc = true` (its changes never reach the commit
 * log's CDC segments), a full cdc_raw directory (Cassandra then refuses writes to every CDC table,
 * or — with cdc_block_writes false — drops the oldest segments the connector has not read), and
 * segments the connector leaves unprocessed (its lag).
 *
 * What a remote operator can see comes over CQL (system_views.settings, system_schema.tables). The
 * cdc_raw directory is a directory on the node: its usage and segments are read only where it is on
 * this machine (cdcctl run on the node, or a mount named by debezium.cassandra.cdcRawDirectory);
 * elsewhere those components say "unknown" and why. Cassandra publishes no cdc_raw size over CQL, and
 * the connector's own figure (CdcDirectoryTotalBytes) is a JMX attribute only.
 */

export type CdcVerdict = 'ok' | 'degraded' | 'unknown';

export interface CdcComponent {
  component: string;
  verdict: CdcVerdict;
  detail: string;
}

export interface CdcSegment {
  /** CommitLog-<version>-<id>.log */
  name: string;
  bytes: number;
  /** Cassandra's `<segment>_cdc.idx`: the offset synced so far, and whether Cassandra is done with the segment. */
  idx: {position: number; completed: boolean} | null;
  /** When the idx (else the segment) was last written: for a completed segment, when it was completed. */
  modifiedAt: string;
  /**
   * completed: Cassandra is done with it (its idx says COMPLETED, or it has left the commit-log
   * directory), so only the connector keeps it in cdc_raw; active: still being written.
   */
  state: 'active' | 'completed';
}

export interface CdcRawUsage {
  directory: string;
  /** Σ bytes of the files in cdc_raw (what Cassandra counts against cdc_total_space). */
  bytes: number;
  totalSpace: number | null;
  /** bytes / totalSpace, 0..1 (null when the limit is unknown). */
  usage: number | null;
  segments: CdcSegment[];
  /** Segments Cassandra completed and the connector has not yet taken out of cdc_raw. */
  unprocessed: number;
  /** Age of the oldest unprocessed segment (ms), 0 with none: how far the connector is behind. */
  lagMs: number;
}

/** The connector's read position (from its offsets) against what Cassandra has synced into cdc_raw. */
export interface ConnectorPosition {
  file: string;
  /** Per captured table, the last commit-log position the connector stored (`<segment>:<offset>`). */
  tables: Record<string, string>;
  /** The furthest position over all tables: where the connector has read to. */
  segment: string | null;
  position: number | null;
  /** CDC bytes Cassandra has synced (its _cdc.idx offsets) past that position. */
  behindBytes: number | null;
  /** With bytes behind: how long the newest of them has been waiting (a lower bound of the lag), else 0. */
  behindMs: number;
  error?: string;
}

export interface CassandraCdcHealth {
  target: string;
  reachable: boolean;
  error?: string;
  /** cdc_enabled, cdc_total_space, cdc_block_writes … as the node reports them. */
  settings: Record<string, string | null>;
  /** The captured tables and their `cdc` flag (null: the table does not exist). */
  tables: Array<{table: string; cdc: boolean | null; expected: boolean}>;
  /** Absent when cdc_raw is not on this machine (`localAccess` says why). */
  cdcRaw?: CdcRawUsage;
  localAccess: {available: boolean; reason: string};
  /** From debezium.cassandra.offsetsFile (node-local). */
  connector?: ConnectorPosition;
  components: CdcComponent[];
}

const DEFAULT_MAX_LAG = '1m';
const DEFAULT_WARN_USAGE = 0.8;

/** Checked when the context names Cassandra and says it is captured (debezium.cassandra, even `{}`). */
export function checksCassandraCdc(ctx: RunContext): boolean {
  return Boolean(ctx.config.cassandra && ctx.config.debezium?.cassandra);
}

export async function cassandraCdcHealth(ctx: RunContext, now = Date.now()): Promise<CassandraCdcHealth> {
  const cfg: CassandraCdcConfig = ctx.config.debezium?.cassandra ?? {};
  const expected = cfg.tables ?? (ctx.config.reconcile?.tables ?? []).map((t) => t.cassandra);
  const timeout = Math.min(ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS, 10_000);
  const {client, display} = await cassandraClient({...ctx, timeoutMs: timeout});
  let node: CdcNodeState;
  try {
    await client.connect().catch((err) => {
      throw cassandraError(err, display, 'reading the CDC state');
    });
    node = await cdcNodeState(client, display);
  } catch (err) {
    if (!(err instanceof CdcError)) throw err;
    const message = err.message;
    return {
      target: display,
      reachable: false,
      error: message,
      settings: {},
      tables: [],
      localAccess: {available: false, reason: 'the CDC settings could not be read'},
      components: [{component: 'cassandra cdc', verdict: 'unknown', detail: message}],
    };
  } finally {
    await client.shutdown().catch(() => {});
  }
  const contactPoints = ctx.config.cassandra?.contactPoints ?? [];
  const local = await localCdcRaw(cfg, node.settings.cdc_raw_directory ?? null, contactPoints);
  let cdcRaw: CdcRawUsage | undefined;
  let localAccess = {available: local.directory !== null, reason: local.reason};
  if (local.directory) {
    try {
      // the commit-log directory tells segments Cassandra has let go of, when it is here too
      const commitlog = cfg.cdcRawDirectory ? null : (node.settings.commitlog_directory ?? null);
      cdcRaw = await readCdcRaw(local.directory, parseSize(node.settings.cdc_total_space ?? null), now, commitlog);
    } catch (err) {
      localAccess = {available: false, reason: `cannot read ${local.directory}: ${(err as Error).message}`};
    }
  }
  const tables = captured(node, expected);
  const connector = cfg.offsetsFile ? await connectorPosition(cfg.offsetsFile, cdcRaw, now) : undefined;
  return {
    target: display,
    reachable: true,
    settings: node.settings,
    tables,
    ...(cdcRaw ? {cdcRaw} : {}),
    localAccess,
    ...(connector ? {connector} : {}),
    components: cdcComponents({
      settings: node.settings,
      tables,
      cdcRaw,
      connector,
      localAccess,
      maxLagMs: parseDuration(cfg.maxLag ?? DEFAULT_MAX_LAG),
      warnUsage: cfg.warnUsage ?? DEFAULT_WARN_USAGE,
    }),
  };
}

/** Expected tables first (in config order), then the other tables created WITH cdc = true. */
export function captured(node: CdcNodeState, expected: string[]): CassandraCdcHealth['tables'] {
  const byName = new Map(node.tables.map((t) => [`${t.keyspace}.${t.table}`, t.cdc]));
  const out: CassandraCdcHealth['tables'] = [...new Set(expected)].map((table) => ({
    table,
    cdc: byName.has(table) ? (byName.get(table) ?? false) : null,
    expected: true,
  }));
  for (const t of node.tables) {
    const name = `${t.keyspace}.${t.table}`;
    if (t.cdc && !expected.includes(name)) out.push({table: name, cdc: true, expected: false});
  }
  return out;
}

/** Where cdc_raw can be read on this machine, or why it cannot. */
async function localCdcRaw(
  cfg: CassandraCdcConfig,
  nodeDir: string | null,
  contactPoints: string[],
): Promise<{directory: string | null; reason: string}> {
  if (cfg.cdcRawDirectory) return {directory: cfg.cdcRawDirectory, reason: 'debezium.cassandra.cdcRawDirectory'};
  if (!nodeDir) return {directory: null, reason: 'the node reports no cdc_raw_directory'};
  const loopback = contactPoints.length > 0 && contactPoints.every((p) => isLoopback(p));
  if (!loopback) {
    return {
      directory: null,
      reason:
        'cdc_raw is a directory on the node: run cdcctl there, or set debezium.cassandra.cdcRawDirectory to a mount of it',
    };
  }
  const s = await stat(nodeDir).catch(() => undefined);
  if (!s?.isDirectory()) return {directory: null, reason: `${nodeDir} (the node's cdc_raw_directory) is not here`};
  return {directory: nodeDir, reason: "the node's cdc_raw_directory (loopback contact points)"};
}

function isLoopback(contactPoint: string): boolean {
  const host = contactPoint
    .replace(/^\[/, '')
    .replace(/\](:\d+)?$/, '')
    .replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const SEGMENT = /^CommitLog-\d+-\d+\.log$/;

/** Reads cdc_raw: every segment with its idx, the bytes counted against cdc_total_space, the backlog. */
export async function readCdcRaw(
  directory: string,
  totalSpace: number | null,
  now = Date.now(),
  commitlogDirectory?: string | null,
): Promise<CdcRawUsage> {
  const names = await readdir(directory);
  const live = commitlogDirectory
    ? await readdir(commitlogDirectory)
        .then((n) => new Set(n))
        .catch(() => null)
    : null;
  let bytes = 0;
  const segments: CdcSegment[] = [];
  const sizes = new Map<string, {size: number; mtimeMs: number}>();
  await Promise.all(
    names.map(async (n) => {
      const s = await stat(join(directory, n)).catch(() => undefined);
      if (!s?.isFile()) return;
      bytes += s.size;
      sizes.set(n, {size: s.size, mtimeMs: s.mtimeMs});
    }),
  );
  for (const name of names.filter((n) => SEGMENT.test(n)).sort(compareSegments)) {
    const seg = sizes.get(name);
    if (!seg) continue;
    const idxName = name.replace(/\.log$/, '_cdc.idx');
    const idxStat = sizes.get(idxName);
    const idxText = idxStat ? await readFile(join(directory, idxName), 'utf8').catch(() => null) : null;
    const idx = idxText === null ? null : parseCdcIdx(idxText);
    segments.push({
      name,
      bytes: seg.size,
      idx,
      modifiedAt: new Date(idxStat?.mtimeMs ?? seg.mtimeMs).toISOString(),
      state: idx?.completed || (live !== null && !live.has(name)) ? 'completed' : 'active',
    });
  }
  const pending = segments.filter((s) => s.state === 'completed');
  const oldest = pending.length ? Math.min(...pending.map((s) => Date.parse(s.modifiedAt))) : undefined;
  return {
    directory,
    bytes,
    totalSpace,
    usage: totalSpace ? bytes / totalSpace : null,
    segments,
    unprocessed: pending.length,
    lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
  };
}

/**
 * The connector's positions from Debezium Server's FileOffsetBackingStore file: a Java-serialised map
 * whose values are the JSON offsets (`{"<ks>.<table>.commitlog": "CommitLog-7-<id>.log:<offset>", …}`).
 * The JSON is read out of the bytes; the Java framing around it is skipped.
 */
export function parseEngineOffsets(bytes: Buffer): Record<string, string> {
  const text = bytes.toString('latin1');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/\{"[^{}]*\}/g)) {
    let o: unknown;
    try {
      o = JSON.parse(Buffer.from(m[0], 'latin1').toString('utf8'));
    } catch {
      continue;
    }
    if (!o || typeof o !== 'object') continue;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (k.endsWith('.commitlog') && typeof v === 'string') out[k.slice(0, -'.commitlog'.length)] = v;
    }
  }
  return out;
}

/** `CommitLog-7-<id>.log:<offset>` → its parts; null for a table not read from the commit log yet (`:-1`). */
export function parsePosition(p: string): {segment: string; position: number} | null {
  const m = /^(CommitLog-\d+-\d+\.log):(\d+)$/.exec(p);
  return m?.[1] && m[2] ? {segment: m[1], position: Number(m[2])} : null;
}

/** The furthest read position, and what Cassandra has synced beyond it (per the segments' idx files). */
export function positionLag(
  tables: Record<string, string>,
  cdcRaw: CdcRawUsage | undefined,
  now: number,
): Pick<ConnectorPosition, 'segment' | 'position' | 'behindBytes' | 'behindMs'> {
  let best: {segment: string; position: number} | null = null;
  for (const v of Object.values(tables)) {
    const p = parsePosition(v);
    if (!p) continue;
    const d = best ? compareSegments(p.segment, best.segment) : 1;
    if (d > 0 || (d === 0 && best && p.position > best.position)) best = p;
  }
  if (!cdcRaw)
    return {segment: best?.segment ?? null, position: best?.position ?? null, behindBytes: null, behindMs: 0};
  let behind = 0;
  let oldestWaiting: number | undefined;
  for (const s of cdcRaw.segments) {
    if (!s.idx) continue;
    const d = best ? compareSegments(s.name, best.segment) : 1;
    const unread = d < 0 ? 0 : d === 0 ? Math.max(0, s.idx.position - (best?.position ?? 0)) : s.idx.position;
    if (unread > 0) {
      behind += unread;
      const t = Date.parse(s.modifiedAt);
      oldestWaiting = oldestWaiting === undefined ? t : Math.min(oldestWaiting, t);
    }
  }
  return {
    segment: best?.segment ?? null,
    position: best?.position ?? null,
    behindBytes: behind,
    behindMs: oldestWaiting === undefined ? 0 : Math.max(0, now - oldestWaiting),
  };
}

async function connectorPosition(
  file: string,
  cdcRaw: CdcRawUsage | undefined,
  now: number,
): Promise<ConnectorPosition> {
  try {
    const tables = parseEngineOffsets(await readFile(file));
    return {file, tables, ...positionLag(tables, cdcRaw, now)};
  } catch (err) {
    return {
      file,
      tables: {},
      segment: null,
      position: null,
      behindBytes: null,
      behindMs: 0,
      error: (err as Error).message,
    };
  }
}

/** Segments in the order Cassandra wrote them: by segment id (CommitLog-<version>-<id>.log). */
export function compareSegments(a: string, b: string): number {
  const id = (n: string) => BigInt(/-(\d+)\.log$/.exec(n)?.[1] ?? '0');
  const d = id(a) - id(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `<offset>\n[COMPLETED\n]`: the synced offset of a segment's CDC data, and whether it is final. */
export function parseCdcIdx(text: string): {position: number; completed: boolean} | null {
  const [first, second] = text.split(/\r?\n/);
  if (!first || !/^\d+$/.test(first.trim())) return null;
  return {position: Number(first.trim()), completed: second?.trim() === 'COMPLETED'};
}

/** Cassandra's size settings: `512MiB`, `1GiB`, `4096KiB`, `100B` (or a bare number of MiB, the old `_in_mb`). */
export function parseSize(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*(\d+)\s*(B|KiB|MiB|GiB|TiB)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? 'MiB').toLowerCase();
  const mult = {b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4}[unit] ?? 1;
  return Number(m[1]) * mult;
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

/**
 * Cassandra's idx offsets count every mutation of a segment, captured or not, so the bytes past the
 * connector's position are an upper bound of what it has to read: the trailing writes of non-CDC
 * tables are in them. Lag is declared only when a whole segment's worth is unread for longer than
 * maxLag — trailing bytes of other tables never reach that.
 */
function lagComponent(c: ConnectorPosition, maxLagMs: number, segmentBytes: number): CdcComponent {
  const component = 'connector lag';
  if (c.error) return {component, verdict: 'unknown', detail: `offsets not readable: ${c.error}`};
  if (!c.segment) return {component, verdict: 'unknown', detail: 'no commit-log position stored yet'};
  const at = `at ${c.segment}:${c.position}`;
  if (c.behindBytes === null) return {component, verdict: 'unknown', detail: `${at}; cdc_raw not readable here`};
  if (c.behindBytes === 0) return {component, verdict: 'ok', detail: `${at}, caught up with cdc_raw`};
  const late = c.behindMs > maxLagMs && c.behindBytes >= Math.max(segmentBytes, 1);
  return {
    component,
    verdict: late ? 'degraded' : 'ok',
    detail: `${at}, ≤ ${formatBytes(c.behindBytes)} of the commit log unread for ${describeMs(c.behindMs)}${late ? ` (> ${describeMs(maxLagMs)}: is the connector reading?)` : ''}`,
  };
}

/** One verdict per component, from what was read: pure, so every rule has a unit test. */
export function cdcComponents(s: {
  settings: Record<string, string | null>;
  tables: CassandraCdcHealth['tables'];
  cdcRaw?: CdcRawUsage;
  connector?: ConnectorPosition;
  localAccess: {available: boolean; reason: string};
  maxLagMs: number;
  warnUsage: number;
}): CdcComponent[] {
  const out: CdcComponent[] = [];
  const enabled = s.settings.cdc_enabled;
  const blocks = s.settings.cdc_block_writes !== 'false';
  const total = parseSize(s.settings.cdc_total_space ?? null);
  if (enabled === undefined) {
    out.push({component: 'cassandra cdc', verdict: 'unknown', detail: 'the node reports no cdc_enabled setting'});
  } else if (enabled !== 'true') {
    out.push({
      component: 'cassandra cdc',
      verdict: 'degraded',
      detail: 'cdc_enabled is false on the node: no change reaches cdc_raw, the connector reads nothing',
    });
  } else {
    out.push({
      component: 'cassandra cdc',
      verdict: 'ok',
      detail: `cdc_enabled, cdc_total_space ${s.settings.cdc_total_space ?? '?'}, ${
        blocks
          ? 'writes to CDC tables are refused when full'
          : 'oldest segments are dropped when full (cdc_block_writes false)'
      }`,
    });
  }
  for (const t of s.tables) {
    const component = `cdc table ${t.table}`;
    if (t.cdc === null) out.push({component, verdict: 'degraded', detail: 'no such table in Cassandra'});
    else if (!t.cdc)
      out.push({
        component,
        verdict: 'degraded',
        detail: 'cdc = false: its changes are not captured (ALTER TABLE … WITH cdc = true)',
      });
    else
      out.push({component, verdict: 'ok', detail: t.expected ? 'cdc = true' : 'cdc = true (not a configured table)'});
  }
  if (!s.cdcRaw) {
    const detail = `needs node-local access: ${s.localAccess.reason}`;
    out.push({component: 'cdc_raw usage', verdict: 'unknown', detail});
    out.push({component: 'cdc segments', verdict: 'unknown', detail});
    if (s.connector) out.push(lagComponent(s.connector, s.maxLagMs, 0));
    return out;
  }
  const r = s.cdcRaw;
  const limit = r.totalSpace ?? total;
  const segSize = parseSize(s.settings.commitlog_segment_size ?? null) ?? 0;
  if (limit === null) {
    out.push({
      component: 'cdc_raw usage',
      verdict: 'unknown',
      detail: `${formatBytes(r.bytes)}; cdc_total_space unknown`,
    });
  } else {
    const pct = `${((r.bytes / limit) * 100).toFixed(1)}%`;
    const used = `${formatBytes(r.bytes)} of ${formatBytes(limit)} (${pct})`;
    if (r.bytes + segSize > limit)
      out.push({
        component: 'cdc_raw usage',
        verdict: 'degraded',
        detail: `${used}: full — ${blocks ? 'Cassandra refuses writes to CDC tables' : 'Cassandra drops unread CDC segments'}`,
      });
    else if (r.bytes / limit >= s.warnUsage)
      out.push({component: 'cdc_raw usage', verdict: 'degraded', detail: `${used}: above ${s.warnUsage * 100}%`});
    else out.push({component: 'cdc_raw usage', verdict: 'ok', detail: used});
  }
  const active = r.segments.filter((x) => x.state === 'active').length;
  const lag = r.unprocessed === 0 ? 'none waiting' : `oldest completed ${describeMs(r.lagMs)} ago`;
  out.push({
    component: 'cdc segments',
    verdict: r.lagMs > s.maxLagMs ? 'degraded' : 'ok',
    detail: `${r.unprocessed} unprocessed, ${active} active; ${lag}${r.lagMs > s.maxLagMs ? ` (> ${describeMs(s.maxLagMs)}: is the connector reading?)` : ''}`,
  });
  if (s.connector) out.push(lagComponent(s.connector, s.maxLagMs, segSize));
  return out;
}
