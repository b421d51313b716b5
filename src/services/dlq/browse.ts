import {deleteRecordsBefore, offsetsForTimestamp, topicWatermarks, withAdmin} from '../../clients/kafka.js';
import {CdcError, ConfigError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  countDlq,
  type DlqFilter,
  type DlqGroup,
  type DlqRow,
  type DlqStatus,
  discardDlq,
  getDlq,
  listDlq,
  missingDlqIds,
  purgeDlq,
  summarizeDlq,
} from '../../store/dlq-records.js';
import {openStore, type Store} from '../../store/index.js';
import {type Decoded, decodeBytes, registrySchemaLookup} from '../events/decode.js';
import {isErrorHeader, parseTopicId, scanDlqTopic} from './records.js';

/**
 * Reading and curating dead-letter records, from the store or (`fromTopic`) straight from a DLQ
 * topic. Every function takes the same filter; topic reads apply it in memory.
 */

export interface DlqSource {
  /** Read this DLQ topic instead of the store. */
  fromTopic?: string;
}

/** A record for listings: everything but the bytes. */
export type DlqListItem = Omit<DlqRow, 'key' | 'value' | 'headers' | 'stacktrace'> & {
  keyBytes: number | null;
  valueBytes: number | null;
};

export interface ListResult {
  source: 'store' | 'topic';
  total: number;
  limit: number;
  /** Matching records before this page. */
  offset: number;
  records: DlqListItem[];
  /**
   * The next page, null on the last: the --offset to give, and for a topic the --after position
   * (the last record's id), which stays right while the topic grows.
   */
  next: {offset: number; after?: string} | null;
}

/** A page: `limit` records after `offset` of them, or (topics only) after the record `after` (partition:offset). */
export interface Page {
  limit: number;
  offset: number;
  after?: string;
}

export function listItem(r: DlqRow): DlqListItem {
  const {key, value, headers: _h, stacktrace: _s, ...rest} = r;
  return {...rest, keyBytes: key?.length ?? null, valueBytes: value?.length ?? null};
}

/** Opens the store, explaining --from-topic when the context has none. */
export async function dlqStore(ctx: RunContext): Promise<Store> {
  if (!ctx.config.postgres) {
    throw new ConfigError(`context "${ctx.contextName}" has no operational store (postgres)`, {
      hint: 'Read the dead-letter topic directly with --from-topic <topic>, or configure postgres.url for the store.',
    });
  }
  return openStore(ctx);
}

async function withStore<T>(ctx: RunContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await dlqStore(ctx);
  try {
    return await fn(store);
  } finally {
    await store.close().catch(() => {});
  }
}

function rejectStatusOnTopic(filter: DlqFilter): void {
  if (filter.status?.length || filter.run) {
    throw new UsageError('--status and --run need the store: a topic carries no replay or discard marks');
  }
}

export async function listRecords(ctx: RunContext, src: DlqSource, filter: DlqFilter, page: Page): Promise<ListResult> {
  if (src.fromTopic) {
    rejectStatusOnTopic(filter);
    return listTopicPage(ctx, src.fromTopic, filter, page);
  }
  if (page.after !== undefined) {
    throw new UsageError('--after pages through a topic (--from-topic); the store pages with --offset');
  }
  return withStore(ctx, async (store) => {
    const total = await countDlq(store, filter);
    const records = (await listDlq(store, filter, page)).map(listItem);
    const end = page.offset + records.length;
    return {
      source: 'store',
      total,
      limit: page.limit,
      offset: page.offset,
      records,
      next: end < total ? {offset: end} : null,
    };
  });
}

/**
 * A page of a DLQ topic in one stable order, (partition, offset) — not the order the partitions'
 * batches happen to arrive in, which differs from read to read. Each partition keeps only the
 * records that can still be on the page (they arrive in offset order), so memory is bounded by the
 * page, not the topic.
 */
async function listTopicPage(ctx: RunContext, topic: string, filter: DlqFilter, page: Page): Promise<ListResult> {
  const after = page.after === undefined ? undefined : parseTopicId(page.after);
  const keep = after ? page.limit : page.offset + page.limit;
  const byPartition = new Map<number, DlqListItem[]>();
  let total = 0;
  let before = 0;
  await scanDlqTopic(ctx, topic, filter, (rows) => {
    for (const r of rows) {
      total++;
      if (after && comparePosition(r, after) <= 0) {
        before++;
        continue;
      }
      const kept = byPartition.get(r.dlqPartition) ?? [];
      if (kept.length < keep) kept.push(listItem(r));
      byPartition.set(r.dlqPartition, kept);
    }
    return true;
  });
  const ordered = [...byPartition.values()].flat().sort((a, b) => comparePosition(a, parseTopicId(b.id)));
  const offset = after ? before : page.offset;
  const records = ordered.slice(after ? 0 : page.offset).slice(0, page.limit);
  const end = offset + records.length;
  const last = records.at(-1);
  return {
    source: 'topic',
    total,
    limit: page.limit,
    offset,
    records,
    next: end < total && last ? {offset: end, after: last.id} : null,
  };
}

/** Order of topic records: partition, then offset (offsets compared as 64-bit numbers). */
function comparePosition(r: {dlqPartition: number; dlqOffset: string}, p: {partition: number; offset: string}): number {
  if (r.dlqPartition !== p.partition) return r.dlqPartition - p.partition;
  const a = BigInt(r.dlqOffset);
  const b = BigInt(p.offset);
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface SummaryResult {
  source: 'store' | 'topic';
  total: number;
  groups: DlqGroup[];
}

export async function summarizeRecords(ctx: RunContext, src: DlqSource, filter: DlqFilter): Promise<SummaryResult> {
  if (src.fromTopic) {
    rejectStatusOnTopic(filter);
    const groups = new Map<string, DlqGroup>();
    await scanDlqTopic(ctx, src.fromTopic, filter, (rows) => {
      for (const r of rows) {
        const id = JSON.stringify([r.connector, r.stage, r.exceptionClass]);
        let g = groups.get(id);
        if (!g) {
          g = {
            connector: r.connector,
            stage: r.stage,
            exceptionClass: r.exceptionClass,
            count: 0,
            byStatus: {new: 0, replaying: 0, replayed: 0, discarded: 0},
            oldest: null,
            newest: null,
          };
          groups.set(id, g);
        }
        g.count++;
        g.byStatus.new++;
        const ts = r.dlqTimestamp;
        if (ts && (!g.oldest || ts < g.oldest)) g.oldest = ts;
        if (ts && (!g.newest || ts > g.newest)) g.newest = ts;
      }
      return true;
    });
    const list = [...groups.values()].sort((a, b) => b.count - a.count);
    return {source: 'topic', total: list.reduce((n, g) => n + g.count, 0), groups: list};
  }
  return withStore(ctx, async (store) => {
    const groups = await summarizeDlq(store, filter);
    return {source: 'store', total: groups.reduce((n, g) => n + g.count, 0), groups};
  });
}

export interface ShownHeader {
  key: string;
  /** UTF-8 text when the bytes are valid UTF-8, else base64 (see `encoding`). */
  value: string | null;
  encoding: 'utf8' | 'base64';
  error: boolean;
}

export interface RecordDetail extends Omit<DlqRow, 'key' | 'value' | 'headers'> {
  source: 'store' | 'topic';
  key: Decoded;
  value: Decoded;
  headers: ShownHeader[];
}

export async function showRecord(ctx: RunContext, src: DlqSource, id: string): Promise<RecordDetail> {
  let row: DlqRow | undefined;
  if (src.fromTopic) {
    await scanDlqTopic(ctx, src.fromTopic, {ids: [id]}, (rows) => {
      row = rows[0];
      return false;
    });
  } else {
    if (!/^\d+$/.test(id)) {
      throw new UsageError(`invalid record id "${id}"`, {
        hint: 'Store ids are numbers (see dlq list); topic records need --from-topic.',
      });
    }
    row = await withStore(ctx, (store) => getDlq(store, id));
  }
  // an unknown id is a wrong argument (exit 2, as for audit show and reconcile show), not a "not OK" answer
  if (!row) {
    throw new CdcError(
      'NOT_FOUND',
      ExitCode.usage,
      `no dead-letter record ${id}${src.fromTopic ? ` in ${src.fromTopic}` : ''}`,
      {
        hint: 'See cdcctl dlq list.',
      },
    );
  }
  const lookup = registrySchemaLookup(ctx);
  const [key, value] = await Promise.all([decodeBytes(row.key, lookup), decodeBytes(row.value, lookup)]).finally(() =>
    lookup?.close(),
  );
  const {key: _k, value: _v, headers, ...rest} = row;
  return {
    ...rest,
    source: src.fromTopic ? 'topic' : 'store',
    key,
    value,
    headers: headers.map((h) => showHeader(h.key, h.value)),
  };
}

function showHeader(key: string, value: Buffer | null): ShownHeader {
  if (value === null) return {key, value: null, encoding: 'utf8', error: isErrorHeader(key)};
  const text = value.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(value);
  return {
    key,
    value: utf8 ? text : value.toString('base64'),
    encoding: utf8 ? 'utf8' : 'base64',
    error: isErrorHeader(key),
  };
}

/** One exported record: metadata, and key/value as base64 (exact) plus UTF-8 text when they are text. */
export interface ExportRow extends Omit<DlqRow, 'key' | 'value' | 'headers'> {
  keyBase64: string | null;
  valueBase64: string | null;
  keyText: string | null;
  valueText: string | null;
  headers: Array<{key: string; base64: string | null}>;
}

function exportRow(r: DlqRow): ExportRow {
  const {key, value, headers, ...rest} = r;
  return {
    ...rest,
    keyBase64: key?.toString('base64') ?? null,
    valueBase64: value?.toString('base64') ?? null,
    keyText: utf8OrNull(key),
    valueText: utf8OrNull(value),
    headers: headers.map((h) => ({key: h.key, base64: h.value?.toString('base64') ?? null})),
  };
}

function utf8OrNull(b: Buffer | null): string | null {
  if (!b) return null;
  const t = b.toString('utf8');
  return Buffer.from(t, 'utf8').equals(b) ? t : null;
}

/** Streams every matching record to `write` in id order (store) or partition/offset order (topic). */
export async function exportRecords(
  ctx: RunContext,
  src: DlqSource,
  filter: DlqFilter,
  write: (row: ExportRow) => void | Promise<void>,
): Promise<{count: number}> {
  let count = 0;
  if (src.fromTopic) {
    rejectStatusOnTopic(filter);
    await scanDlqTopic(ctx, src.fromTopic, filter, async (rows) => {
      for (const r of rows) {
        await write(exportRow(r));
        count++;
      }
      return true;
    });
    return {count};
  }
  return withStore(ctx, async (store) => {
    let after = '0';
    for (;;) {
      const page = await listDlq(store, filter, {limit: 2000, afterId: after});
      for (const r of page) {
        await write(exportRow(r));
        count++;
      }
      if (page.length < 2000) break;
      after = page.at(-1)?.id ?? after;
    }
    return {count};
  });
}

export interface DiscardResult {
  dryRun: boolean;
  reason: string;
  ids: string[];
  count: number;
  /** Ids named on the command line that no record has. */
  notFound: string[];
}

/**
 * The ids a selection names that the store does not hold; when it names some and holds none of
 * them, a usage error (exit 2) before anything is done. `where` names a topic read instead of the store.
 */
export function checkNamedIds(ids: string[] | undefined, notFound: string[], where?: string): string[] {
  if (ids?.length && notFound.length === ids.length) {
    throw new CdcError(
      'NOT_FOUND',
      ExitCode.usage,
      `no dead-letter record ${notFound.join(', ')}${where ? ` in ${where}` : ''}`,
      {
        hint: where
          ? 'Topic records are named partition:offset (see cdcctl dlq list --from-topic).'
          : 'See cdcctl dlq list.',
        details: {notFound},
      },
    );
  }
  return notFound;
}

/** checkNamedIds against the store. */
export async function namedIdsNotFound(store: Store, filter: DlqFilter): Promise<string[]> {
  return checkNamedIds(filter.ids, filter.ids?.length ? await missingDlqIds(store, filter.ids) : []);
}

export async function discardRecords(
  ctx: RunContext,
  filter: DlqFilter,
  reason: string,
  dryRun: boolean,
): Promise<DiscardResult> {
  return withStore(ctx, async (store) => {
    const notFound = await namedIdsNotFound(store, filter);
    if (dryRun) {
      const statuses: DlqStatus[] = ['new', 'replayed'];
      const eligible = {...filter, status: filter.status?.filter((s) => statuses.includes(s)) ?? statuses};
      const ids: string[] = [];
      let after = '0';
      for (;;) {
        const page = await listDlq(store, eligible, {limit: 5000, afterId: after});
        ids.push(...page.map((r) => r.id));
        if (page.length < 5000) break;
        after = page.at(-1)?.id ?? after;
      }
      return {dryRun, reason, ids, count: ids.length, notFound};
    }
    const {ids} = await discardDlq(store, filter, reason, ctx.actor);
    return {dryRun, reason, ids, count: ids.length, notFound};
  });
}

export interface PurgeResult {
  source: 'store' | 'topic';
  dryRun: boolean;
  before: string;
  /** Store: rows deleted (or that would be). Topic: records before the cut, per partition. */
  count: number;
  partitions?: Array<{partition: number; deleteBefore: string; records: string}>;
}

/** Counts what a purge would delete (always run first: the command confirms with this number). */
export async function purgeRecords(
  ctx: RunContext,
  src: DlqSource,
  before: Date,
  filter: DlqFilter,
  dryRun: boolean,
): Promise<PurgeResult> {
  if (src.fromTopic) {
    const topic = src.fromTopic;
    // A topic cannot lose single records: Kafka deletes everything before an offset per partition.
    return withAdmin(ctx, async (admin) => {
      const marks = (await topicWatermarks(admin, [topic])).get(topic) ?? [];
      const cut = new Map(
        (await offsetsForTimestamp(admin, topic, before.getTime())).map((e) => [e.partition, e.offset]),
      );
      const partitions = marks.map((p) => {
        const c = cut.get(p.partition) ?? p.high;
        const n = BigInt(c) - BigInt(p.low);
        return {partition: p.partition, deleteBefore: c, records: (n > 0n ? n : 0n).toString()};
      });
      const count = partitions.reduce((n, p) => n + Number(p.records), 0);
      const todo = partitions.filter((p) => p.records !== '0');
      if (!dryRun && todo.length) {
        await deleteRecordsBefore(
          admin,
          topic,
          todo.map((p) => ({partition: p.partition, offset: p.deleteBefore})),
        );
      }
      return {source: 'topic', dryRun, before: before.toISOString(), count, partitions};
    });
  }
  return withStore(ctx, async (store) => ({
    source: 'store',
    dryRun,
    before: before.toISOString(),
    count: (await purgeDlq(store, before, filter, dryRun)).count,
  }));
}
