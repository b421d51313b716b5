import {connectClient} from '../../clients/factory.js';
import {
  consumeTopics,
  listTopicNames,
  resetGroupToEarliest,
  type StartPosition,
  startPositions,
  withAdmin,
} from '../../clients/kafka.js';
import type {RunContext} from '../../runtime.js';
import {analyzeDlq, insertDlqRecords} from '../../store/dlq-records.js';
import {openStore, type Store, storeSchema} from '../../store/index.js';
import {fromDlqMessage} from './records.js';

/**
 * `dlq sync`: copies dead-letter records from every DLQ topic named in the connectors' configs
 * (`errors.deadletterqueue.topic.name`) into the store. Its own consumer group makes it resumable;
 * the store's unique (topic, partition, offset) makes it idempotent: offsets are committed only
 * after the batch is stored, and a batch read twice inserts nothing twice.
 */

export interface DlqTopic {
  topic: string;
  connectors: string[];
  exists: boolean;
}

export interface SyncResult {
  dryRun: false;
  group: string;
  topics: Array<DlqTopic & {read: number; inserted: number}>;
  read: number;
  inserted: number;
  durationMs: number;
  stoppedBy: 'end' | 'signal' | 'handler';
}

/** `dlq sync --dry-run`: what a sync would read, per topic and partition; nothing is read, stored or committed. */
export interface SyncPlan {
  dryRun: true;
  group: string;
  fromBeginning: boolean;
  topics: Array<
    DlqTopic & {
      /** Records beyond the group's committed offsets (from the start with --from-beginning). */
      pending: number;
      partitions: Array<Omit<StartPosition, 'topic' | 'pending'> & {pending: number}>;
    }
  >;
  /** Σ pending over every topic. */
  pending: number;
}

export interface SyncOptions {
  topics?: string[];
  connector?: string;
  group?: string;
  /** Re-read from the start (idempotent: nothing stored twice). */
  fromBeginning?: boolean;
}

/** The DLQ topics a sync reads: the ones given, or those named in the connectors' configs. */
async function syncTargets(ctx: RunContext, opts: SyncOptions): Promise<DlqTopic[]> {
  if (opts.topics?.length) {
    const existing = new Set(await withAdmin(ctx, (admin) => listTopicNames(admin), {failover: true}));
    return opts.topics.map((topic) => ({topic, connectors: [], exists: existing.has(topic)}));
  }
  return discoverDlqTopics(ctx, {connector: opts.connector});
}

/**
 * Plans a sync without doing it: the topics it would read (and the connectors naming them) and, per
 * partition, the group's committed offset, the end offset and how many records lie between —
 * the same start positions the sync's consumer uses. Opens neither the store nor a consumer.
 */
export async function planDlqSync(ctx: RunContext, opts: SyncOptions): Promise<SyncPlan> {
  const targets = await syncTargets(ctx, opts);
  const group = opts.group ?? defaultSyncGroup({schema: storeSchema(ctx)});
  const fromBeginning = Boolean(opts.fromBeginning);
  const existing = targets.filter((t) => t.exists).map((t) => t.topic);
  const positions = existing.length
    ? await withAdmin(ctx, (admin) => startPositions(admin, existing, {groupId: group, start: 'beginning'}))
    : [];
  const topics = targets.map((t) => {
    const partitions = positions
      .filter((p) => p.topic === t.topic)
      .map(({topic: _topic, ...p}) =>
        // --from-beginning first resets the group to the earliest offsets: everything is read again.
        fromBeginning
          ? {...p, start: p.low, pending: Number(BigInt(p.high) - BigInt(p.low))}
          : {...p, pending: Number(p.pending)},
      );
    return {...t, pending: partitions.reduce((n, p) => n + p.pending, 0), partitions};
  });
  return {dryRun: true, group, fromBeginning, topics, pending: topics.reduce((n, t) => n + t.pending, 0)};
}

export async function discoverDlqTopics(ctx: RunContext, only?: {connector?: string}): Promise<DlqTopic[]> {
  const expanded = await connectClient(ctx).listExpanded();
  const byTopic = new Map<string, string[]>();
  for (const [name, c] of Object.entries(expanded)) {
    if (only?.connector && name !== only.connector) continue;
    const topic = c.info?.config['errors.deadletterqueue.topic.name']?.trim();
    if (!topic) continue;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), name].sort());
  }
  if (byTopic.size === 0) return [];
  const existing = new Set(await withAdmin(ctx, (admin) => listTopicNames(admin), {failover: true}));
  return [...byTopic]
    .map(([topic, connectors]) => ({topic, connectors, exists: existing.has(topic)}))
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

export function defaultSyncGroup(store: Pick<Store, 'schema'>): string {
  return `cdcctl-dlq-sync.${store.schema}`;
}

export async function syncDlq(
  ctx: RunContext,
  opts: SyncOptions & {
    signal?: AbortSignal;
    onProgress?: (read: number, inserted: number) => void;
    /** Test hook (the CLI never sets it): called before the n-th batch (from 1) is stored. */
    beforeStore?: (batch: number) => Promise<void> | void;
  },
): Promise<SyncResult> {
  const started = Date.now();
  const targets = await syncTargets(ctx, opts);
  const store = await openStore(ctx);
  const group = opts.group ?? defaultSyncGroup(store);
  const counts = new Map(targets.map((t) => [t.topic, {read: 0, inserted: 0}]));
  let read = 0;
  let inserted = 0;
  let batches = 0;
  let stoppedBy: SyncResult['stoppedBy'] = 'end';
  try {
    const topics = targets.filter((t) => t.exists).map((t) => t.topic);
    if (topics.length > 0) {
      if (opts.fromBeginning) {
        await withAdmin(ctx, (admin) => resetGroupToEarliest(admin, group, topics), {failover: true});
      }
      const res = await consumeTopics(ctx, {
        topics,
        groupId: group,
        start: 'beginning',
        stopAtEnd: true,
        signal: opts.signal,
        clientIdSuffix: 'dlq-sync',
        // The next records are fetched while a batch is written; its offsets are committed only
        // after it is stored.
        onBatch: async (messages) => {
          await opts.beforeStore?.(++batches);
          const t = Date.now();
          const n = await insertDlqRecords(store, messages.map(fromDlqMessage));
          ctx.log.debug(`stored ${messages.length} records (${n} new) in ${Date.now() - t} ms`);
          const c = counts.get(messages[0]?.topic ?? '');
          if (c) {
            c.read += messages.length;
            c.inserted += n;
          }
          read += messages.length;
          inserted += n;
          opts.onProgress?.(read, inserted);
          return true;
        },
      });
      stoppedBy = res.stoppedBy;
      if (inserted >= 1000) await analyzeDlq(store);
    }
  } finally {
    await store.close().catch(() => {});
  }
  return {
    dryRun: false,
    group,
    topics: targets.map((t) => ({...t, ...(counts.get(t.topic) ?? {read: 0, inserted: 0})})),
    read,
    inserted,
    durationMs: Date.now() - started,
    stoppedBy,
  };
}
