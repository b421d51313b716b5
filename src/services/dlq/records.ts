import {type ConsumedMessage, consumeTopics, topicWatermarks, withAdmin} from '../../clients/kafka.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {DlqFilter, DlqRecordInput, DlqRow} from '../../store/dlq-records.js';

/**
 * Dead-letter records: the Connect error context read from the `__connect.errors.*` headers
 * (service-apis.md §3; all values UTF-8 strings), and reading records straight from a DLQ topic
 * when no store is configured (`--from-topic`). A topic record's id is `partition:offset`.
 */

export const ERROR_HEADER_PREFIX = '__connect.errors.';
export const REPLAY_HEADER_RUN = 'cdcctl.replay.run';
export const REPLAY_HEADER_RECORD = 'cdcctl.replay.record';
export const REPLAY_HEADER_SOURCE = 'cdcctl.replay.source';

export function isErrorHeader(key: string): boolean {
  return key.startsWith(ERROR_HEADER_PREFIX);
}

/** Extracts the Connect error context from a consumed DLQ record; key, value and headers stay raw. */
export function fromDlqMessage(m: ConsumedMessage): DlqRecordInput {
  const h = (name: string): string | null => {
    const found = m.headers.find((x) => x.key === ERROR_HEADER_PREFIX + name);
    return found?.value ? found.value.toString('utf8') : null;
  };
  const int = (s: string | null) => (s !== null && /^-?\d+$/.test(s) ? Number(s) : null);
  const offset = h('offset');
  return {
    dlqTopic: m.topic,
    dlqPartition: m.partition,
    dlqOffset: m.offset,
    dlqTimestamp:
      /^\d+$/.test(m.timestamp) && m.timestamp !== '-1' ? new Date(Number(m.timestamp)).toISOString() : null,
    srcTopic: h('topic'),
    srcPartition: int(h('partition')),
    srcOffset: offset !== null && /^-?\d+$/.test(offset) ? offset : null,
    connector: h('connector.name'),
    taskId: int(h('task.id')),
    stage: h('stage'),
    className: h('class.name'),
    exceptionClass: h('exception.class.name'),
    exceptionMessage: h('exception.message'),
    stacktrace: h('exception.stacktrace'),
    key: m.key,
    value: m.value,
    headers: m.headers,
  };
}

/** A topic record presented like a stored one (status unknown: the topic carries no marks). */
export function topicRow(r: DlqRecordInput): DlqRow {
  return {
    ...r,
    id: `${r.dlqPartition}:${r.dlqOffset}`,
    firstSeen: r.dlqTimestamp ?? '',
    status: 'new',
    replayRun: null,
    replayCount: 0,
    replayedAt: null,
    discardReason: null,
    discardedAt: null,
  };
}

/** The same filter as the store's, applied in memory to topic records. */
export function matchesFilter(r: DlqRow, f: DlqFilter): boolean {
  if (f.ids?.length && !f.ids.includes(r.id)) return false;
  if (f.connector && r.connector !== f.connector) return false;
  if (f.topic && r.srcTopic !== f.topic) return false;
  if (f.stage && r.stage !== f.stage) return false;
  if (f.exception && !(r.exceptionClass ?? '').toLowerCase().includes(f.exception.toLowerCase())) return false;
  const ts = r.dlqTimestamp ? Date.parse(r.dlqTimestamp) : undefined;
  if (f.since && (ts === undefined || ts < f.since.getTime())) return false;
  if (f.until && (ts === undefined || ts >= f.until.getTime())) return false;
  if (f.requireSrcTopic && !r.srcTopic) return false;
  return true;
}

export function parseTopicId(id: string): {partition: number; offset: string} {
  const m = /^(\d{1,10}):(\d{1,19})$/.exec(id);
  // a Kafka partition is an int32 and an offset an int64
  if (!m || Number(m[1]) > 2_147_483_647 || BigInt(m[2] as string) > 9_223_372_036_854_775_807n) {
    throw new UsageError(`invalid record id "${id}" for --from-topic`, {
      hint: 'Records read from a topic are named partition:offset, e.g. 0:42 (see dlq list --from-topic).',
    });
  }
  return {partition: Number(m[1]), offset: m[2] as string};
}

/**
 * Reads a DLQ topic from the beginning to its current end and hands over the records that match,
 * batch by batch. With ids given, only their partitions are read, from the smallest wanted offset.
 */
export async function scanDlqTopic(
  ctx: RunContext,
  topic: string,
  filter: DlqFilter,
  onRecords: (rows: DlqRow[]) => Promise<boolean | undefined> | boolean | undefined,
  signal?: AbortSignal,
): Promise<{read: number}> {
  let start: Parameters<typeof consumeTopics>[1]['start'] = 'beginning';
  let remaining: Set<string> | undefined;
  if (filter.ids?.length) {
    const wanted = filter.ids.map(parseTopicId);
    remaining = new Set(filter.ids);
    const marks = await withAdmin(ctx, (admin) => topicWatermarks(admin, [topic]), {failover: true});
    const offsets: Record<number, string> = {};
    for (const p of marks.get(topic) ?? []) {
      let first: bigint | undefined;
      for (const w of wanted) {
        if (w.partition === p.partition && (first === undefined || BigInt(w.offset) < first)) first = BigInt(w.offset);
      }
      offsets[p.partition] = first === undefined ? p.high : first.toString();
    }
    start = {offsets: {[topic]: offsets}};
  }
  const res = await consumeTopics(ctx, {
    topics: [topic],
    start,
    stopAtEnd: true,
    signal,
    clientIdSuffix: 'dlq',
    onBatch: async (messages) => {
      const rows = messages.map((m) => topicRow(fromDlqMessage(m))).filter((r) => matchesFilter(r, filter));
      if (rows.length) {
        const more = await onRecords(rows);
        if (more === false) return false;
      }
      if (remaining) {
        for (const r of rows) remaining.delete(r.id);
        if (remaining.size === 0) return false;
      }
      return true;
    },
  });
  return {read: res.messages};
}
