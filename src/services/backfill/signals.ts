import {randomBytes, randomUUID} from 'node:crypto';
import type {ConnectClient} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {
  type ConsumedMessage,
  consumeTopics,
  createTopics,
  listTopicNames,
  openProducer,
  partitionCount,
  withAdmin,
} from '../../clients/kafka.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {
  type BackfillRecord,
  backfillBySignal,
  insertBackfill,
  openSignalBackfills,
  updateBackfill,
} from '../../store/backfill.js';
import {runStore} from '../../store/index.js';
import {qualified, quoteIdent} from '../../store/sql.js';
import {
  estimateRows,
  explainCondition,
  POSTGRES_CONNECTOR,
  sourceTarget,
  splitTable,
  tableColumns,
  withSourceDb,
} from './source-db.js';
import type {
  ControlResult,
  SetupItem,
  SetupResult,
  SignalChannel,
  SignalProgress,
  SignalTable,
  SnapshotMode,
  StartSignalResult,
  TableProgress,
} from './types.js';

/**
 * Backfills of signal-capable Debezium sources (PostgreSQL): `execute-snapshot`, `stop-snapshot`,
 * `pause-snapshot` and `resume-snapshot` sent through the connector's signal channel (the source
 * signal table, or the Kafka signal topic keyed by topic.prefix), and the snapshot's progress read
 * from Debezium's notification topic (notification.enabled.channels=sink).
 */

export function newBackfillId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `bf-${d}-${randomBytes(3).toString('hex')}`;
}

const DEFAULT_SIGNAL_TABLE = 'public.debezium_signal';

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function liveConfig(connect: ConnectClient, connector: string): Promise<Record<string, string>> {
  const config = await connect.getConfig(connector);
  if (!config)
    throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${connector}`, {
      hint: 'List them with `cdcctl connectors list`.',
    });
  return config;
}

function requirePostgres(connector: string, config: Record<string, string>): void {
  if (config['connector.class'] !== POSTGRES_CONNECTOR) {
    throw new UsageError(
      `${connector} is a ${config['connector.class'] ?? 'connector of unknown class'}: signal backfills need a Debezium PostgreSQL source`,
      {
        hint: 'For a Cassandra table pair use `cdcctl backfill start <table>` (reconcile.tables); for any connector, `cdcctl backfill resnapshot`.',
      },
    );
  }
}

/** The notification topic the connector writes to, or undefined when the sink channel is off. */
function notificationTopic(config: Record<string, string>): string | undefined {
  if (!list(config['notification.enabled.channels']).includes('sink')) return undefined;
  return config['notification.sink.topic.name'];
}

// ---- setup ---------------------------------------------------------------------------------------------------

export interface SetupOptions {
  dryRun: boolean;
  /** Also enable the Kafka signal channel (signal.kafka.topic), e.g. for sources cdcctl cannot write to. */
  kafkaChannel: boolean;
  signalTable?: string;
}

/**
 * Checks what a signal backfill needs and, unless dry-run, prepares what is missing: the signal
 * table in the source database (created if absent), `signal.data.collection`,
 * `signal.enabled.channels` with `source` (and `kafka` when asked), and the notification channel
 * (`notification.enabled.channels` with `sink`, `notification.sink.topic.name`).
 */
export async function setupSignals(ctx: RunContext, connector: string, o: SetupOptions): Promise<SetupResult> {
  const connect = connectClient(ctx);
  try {
    const config = await liveConfig(connect, connector);
    requirePostgres(connector, config);
    const prefix = config['topic.prefix'] ?? connector;
    const items: SetupItem[] = [];
    const changes: Record<string, string | null> = {};
    const topics: string[] = [];
    const signalTable = config['signal.data.collection'] ?? o.signalTable ?? DEFAULT_SIGNAL_TABLE;
    if (o.signalTable && config['signal.data.collection'] && o.signalTable !== config['signal.data.collection'])
      throw new UsageError(
        `${connector} already uses signal table ${config['signal.data.collection']} (--signal-table ${o.signalTable})`,
      );
    splitTable(signalTable, 'signal table');
    items.push({
      check: 'signal.data.collection',
      ok: Boolean(config['signal.data.collection']),
      detail: config['signal.data.collection'] ? `set: ${signalTable}` : `not set: would be ${signalTable}`,
    });
    if (!config['signal.data.collection']) changes['signal.data.collection'] = signalTable;

    const channels = list(config['signal.enabled.channels'] ?? 'source');
    const wantChannels = [...channels];
    if (!wantChannels.includes('source')) wantChannels.push('source');
    if (o.kafkaChannel && !wantChannels.includes('kafka')) wantChannels.push('kafka');
    const channelsOk = wantChannels.length === channels.length && config['signal.enabled.channels'] !== undefined;
    items.push({
      check: 'signal.enabled.channels',
      ok: channelsOk,
      detail: channelsOk ? channels.join(',') : `would be ${wantChannels.join(',')}`,
    });
    if (!channelsOk) changes['signal.enabled.channels'] = wantChannels.join(',');
    if (wantChannels.includes('kafka')) {
      const topicOk = Boolean(config['signal.kafka.topic']);
      items.push({
        check: 'signal.kafka.topic',
        ok: topicOk,
        detail: topicOk ? (config['signal.kafka.topic'] ?? '') : `would be ${prefix}.signals`,
      });
      if (!topicOk) changes['signal.kafka.topic'] = `${prefix}.signals`;
      const signalTopic = config['signal.kafka.topic'] ?? `${prefix}.signals`;
      const partitions = await signalTopicPartitions(ctx, signalTopic);
      items.push({
        check: 'signal topic',
        ok: partitions === 1,
        detail:
          partitions === 1 ? `${signalTopic} exists (1 partition)` : `would be created: ${signalTopic}, 1 partition`,
      });
      if (partitions === 0) topics.push(signalTopic);
      if (!config['signal.kafka.bootstrap.servers']) {
        const brokers = ctx.config.kafka?.brokers.join(',');
        if (!brokers) throw new UsageError(`context "${ctx.contextName}" has no kafka brokers for the Kafka channel`);
        changes['signal.kafka.bootstrap.servers'] = brokers;
        items.push({check: 'signal.kafka.bootstrap.servers', ok: false, detail: `would be ${brokers}`});
      }
    }

    const notify = list(config['notification.enabled.channels']);
    const notifyOk = notify.includes('sink');
    items.push({
      check: 'notification.enabled.channels',
      ok: notifyOk,
      detail: notifyOk ? notify.join(',') : `would be ${[...notify, 'sink'].join(',')}`,
    });
    if (!notifyOk) changes['notification.enabled.channels'] = [...notify, 'sink'].join(',');
    const topicOk = Boolean(config['notification.sink.topic.name']);
    items.push({
      check: 'notification.sink.topic.name',
      ok: topicOk,
      detail: topicOk ? (config['notification.sink.topic.name'] as string) : `would be ${prefix}.notifications`,
    });
    if (!topicOk) changes['notification.sink.topic.name'] = `${prefix}.notifications`;
    // created now, in order (one partition): Debezium's producer would create it only with the first
    // notification, and `backfill start --wait` right after setup would find no topic to follow
    const notificationTopicName = config['notification.sink.topic.name'] ?? `${prefix}.notifications`;
    const notificationTopicExists = (await topicPartitions(ctx, notificationTopicName)) > 0;
    items.push({
      check: 'notification topic',
      ok: notificationTopicExists,
      detail: notificationTopicExists
        ? `${notificationTopicName} exists`
        : `would be created: ${notificationTopicName}, 1 partition`,
    });
    if (!notificationTopicExists) topics.push(notificationTopicName);

    // the signal table in the source database
    const target = sourceTarget(ctx, connector, config);
    const {schema, table} = splitTable(signalTable, 'signal table');
    const ddl = `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text NULL)`;
    const sql: string[] = [];
    await withSourceDb(target, async (pool) => {
      const cols = await tableColumns(pool, signalTable);
      if (cols.length === 0) {
        items.push({check: 'signal table', ok: false, detail: `${signalTable} does not exist in ${target.display}`});
        const hasSchema = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (hasSchema.rowCount === 0) sql.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        sql.push(ddl);
      } else {
        const names = cols.map((c) => c.name);
        const shapeOk = names.length === 3 && ['id', 'type', 'data'].every((n, i) => names[i] === n);
        items.push({
          check: 'signal table',
          ok: shapeOk,
          detail: shapeOk
            ? `${signalTable} exists (id, type, data)`
            : `${signalTable} has columns (${names.join(', ')}); Debezium needs exactly (id, type, data)`,
        });
        if (!shapeOk)
          throw new CdcError('SIGNAL_TABLE_SHAPE', ExitCode.notOk, `${signalTable} is not a Debezium signal table`, {
            hint: 'Name another table with --signal-table, or fix that one by hand.',
          });
      }
      // a publication that lists its tables (filtered) gets the signal table at the connector's next start:
      // until then the connector would not see a signal, so it is added now
      const publication = config['publication.name'] ?? 'dbz_publication';
      const pubMode = config['publication.autocreate.mode'] ?? 'all_tables';
      const pub = await pool.query<{all: boolean; member: boolean}>(
        `SELECT p.puballtables AS all, EXISTS (SELECT 1 FROM pg_publication_tables t
            WHERE t.pubname = p.pubname AND t.schemaname = $2 AND t.tablename = $3) AS member
           FROM pg_publication p WHERE p.pubname = $1`,
        [publication, schema, table],
      );
      const row = pub.rows[0];
      if (row && !row.all) {
        items.push({
          check: 'publication',
          ok: row.member,
          detail: row.member
            ? `${publication} publishes ${signalTable}`
            : `${publication} (${pubMode}) does not publish ${signalTable}`,
        });
        if (!row.member) sql.push(`ALTER PUBLICATION ${quoteIdent(publication)} ADD TABLE ${qualified(schema, table)}`);
      }
      if (!o.dryRun) for (const statement of sql) await pool.query(statement);
    });
    const diff = Object.entries(changes).map(([key, after]) => ({key, before: config[key] ?? null, after}));
    // the topic before the config that names it: the connector's signal consumer starts reading at once
    if (!o.dryRun && topics.length > 0)
      await withAdmin(ctx, (admin) =>
        createTopics(
          admin,
          topics.map((topic) => ({topic, partitions: 1})),
        ),
      );
    if (!o.dryRun && diff.length > 0) await connect.patchConfig(connector, changes);
    const changed = diff.length > 0 || sql.length > 0 || topics.length > 0;
    return {
      connector,
      dryRun: o.dryRun,
      ready: !changed,
      items,
      config: changes,
      diff,
      sql,
      topics,
      applied: !o.dryRun && changed,
    };
  } finally {
    await connect.close();
  }
}

/**
 * Partitions of the Kafka channel's signal topic, 0 when it does not exist. Debezium reads signals from
 * partition 0 of a one-partition topic, so a topic with more is refused rather than half-read; one that does
 * not exist is created by setup (a signal sent before the connector's consumer auto-created it would fail).
 */
async function signalTopicPartitions(ctx: RunContext, topic: string): Promise<number> {
  const partitions = await topicPartitions(ctx, topic);
  if (partitions > 1)
    throw new CdcError(
      'SIGNAL_TOPIC_PARTITIONS',
      ExitCode.notOk,
      `signal topic ${topic} has ${partitions} partitions; Debezium reads signals from a one-partition topic`,
      {hint: 'Name a one-partition topic in signal.kafka.topic, or re-create this one with one partition.'},
    );
  return partitions;
}

/** A topic's partition count, 0 when it does not exist. */
async function topicPartitions(ctx: RunContext, topic: string): Promise<number> {
  return withAdmin(ctx, async (admin) =>
    (await listTopicNames(admin)).includes(topic) ? partitionCount(admin, topic) : 0,
  );
}

// ---- start ---------------------------------------------------------------------------------------------------

/** Debezium's filter of captured tables: include/exclude lists of full-match regexes on schema.table. */
export function isCaptured(config: Record<string, string>, table: string): boolean {
  const {schema} = splitTable(table);
  const full = (patterns: string[], value: string) =>
    patterns.some((p) => {
      try {
        return new RegExp(`^(?:${p})$`).test(value);
      } catch {
        return false;
      }
    });
  const schemaInc = list(config['schema.include.list']);
  const schemaExc = list(config['schema.exclude.list']);
  const tableInc = list(config['table.include.list']);
  const tableExc = list(config['table.exclude.list']);
  if (schemaInc.length > 0 && !full(schemaInc, schema)) return false;
  if (schemaExc.length > 0 && full(schemaExc, schema)) return false;
  if (tableInc.length > 0) return full(tableInc, table);
  if (tableExc.length > 0 && full(tableExc, table)) return false;
  return !['pg_catalog', 'information_schema'].includes(schema);
}

/** Which channel a signal goes through: the one asked for, else the source table, else Kafka. */
function pickChannel(connector: string, config: Record<string, string>, wanted?: SignalChannel): SignalChannel {
  const channels = list(config['signal.enabled.channels'] ?? 'source');
  const source = channels.includes('source') && Boolean(config['signal.data.collection']);
  const kafka = channels.includes('kafka') && Boolean(config['signal.kafka.topic']);
  if (wanted === 'source' && !source)
    throw notReady(
      connector,
      'has no source signal channel (signal.data.collection and "source" in signal.enabled.channels)',
    );
  if (wanted === 'kafka' && !kafka)
    throw notReady(
      connector,
      'has no Kafka signal channel (signal.kafka.topic and "kafka" in signal.enabled.channels)',
    );
  if (wanted) return wanted;
  if (source) return 'source';
  if (kafka) return 'kafka';
  throw notReady(connector, 'has no signal channel');
}

function notReady(connector: string, what: string): CdcError {
  return new UsageError(`${connector} ${what}`, {
    hint: `Prepare it with \`cdcctl backfill setup ${connector}\` (shows the changes first with --dry-run).`,
  });
}

interface SendOptions {
  connector: string;
  config: Record<string, string>;
  channel: SignalChannel;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Sends one signal; returns its id. Source channel: an INSERT into the signal table (values bound).
 * Kafka channel: a record keyed by topic.prefix whose value carries the id, type and data (Debezium's
 * KafkaSignalChannel takes the id from the value; notifications carry it).
 */
async function sendSignal(ctx: RunContext, o: SendOptions, id: string): Promise<string> {
  if (o.channel === 'source') {
    const table = o.config['signal.data.collection'] as string;
    const {schema, table: name} = splitTable(table, 'signal table');
    await withSourceDb(sourceTarget(ctx, o.connector, o.config), async (pool) => {
      await pool.query(`INSERT INTO ${qualified(schema, name)} (id, type, data) VALUES ($1, $2, $3)`, [
        id,
        o.type,
        JSON.stringify(o.data),
      ]);
    });
    return id;
  }
  const producer = await openProducer(ctx, 'backfill');
  try {
    const sent = await producer.send([
      {
        topic: o.config['signal.kafka.topic'] as string,
        key: Buffer.from(o.config['topic.prefix'] ?? o.connector),
        value: Buffer.from(JSON.stringify({id, type: o.type, data: o.data})),
        headers: [],
      },
    ]);
    if (sent.results.length === 0)
      throw new CdcError('KAFKA_SEND', ExitCode.unreachable, 'the signal was not acknowledged');
    return id;
  } finally {
    await producer.close();
  }
}

export interface StartOptions {
  tables: string[];
  /** Conditions by table (a single one applies to the only table). */
  where: Record<string, string>;
  mode: SnapshotMode;
  channel?: SignalChannel;
  dryRun: boolean;
  wait: boolean;
  waitMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: SignalProgress) => void;
}

export async function startSignalBackfill(
  ctx: RunContext,
  connector: string,
  o: StartOptions,
): Promise<StartSignalResult> {
  if (o.tables.length === 0) throw new UsageError('give the tables to snapshot with --table schema.table');
  const connect = connectClient(ctx);
  let config: Record<string, string>;
  try {
    config = await liveConfig(connect, connector);
  } finally {
    await connect.close();
  }
  requirePostgres(connector, config);
  const channel = pickChannel(connector, config, o.channel);
  const topic = notificationTopic(config);
  if (o.wait && !topic)
    throw notReady(
      connector,
      'writes no notifications (notification.enabled.channels=sink), so --wait cannot follow it',
    );
  for (const t of Object.keys(o.where))
    if (!o.tables.includes(t)) throw new UsageError(`--where names ${t}, which is not one of the --table values`);
  const tables: SignalTable[] = [];
  await withSourceDb(sourceTarget(ctx, connector, config), async (pool) => {
    for (const table of o.tables) {
      splitTable(table);
      if (!isCaptured(config, table))
        throw new UsageError(`${table} is not captured by ${connector}`, {
          hint: `Its table.include.list is "${config['table.include.list'] ?? '(all)'}": add the table to it first (cdcctl connectors patch).`,
        });
      if ((await tableColumns(pool, table)).length === 0)
        throw new UsageError(`${table} does not exist in the source database of ${connector}`);
      const where = o.where[table];
      tables.push({
        table,
        where,
        estimatedRows: where ? await explainCondition(pool, table, where) : await estimateRows(pool, table),
      });
    }
  });
  const data: Record<string, unknown> = {'data-collections': o.tables, type: o.mode.toUpperCase()};
  const conditions = tables.filter((t) => t.where).map((t) => ({'data-collection': t.table, filter: t.where}));
  if (conditions.length > 0) data['additional-conditions'] = conditions;
  const id = newBackfillId();
  const result: StartSignalResult = {
    id,
    kind: 'signal',
    connector,
    channel,
    mode: o.mode,
    signalId: '',
    tables,
    dryRun: o.dryRun,
    signal: {type: 'execute-snapshot', data},
    waited: false,
    status: o.dryRun ? 'dry-run' : 'requested',
  };
  if (o.dryRun) return result;
  const store = await runStore(ctx);
  const sentAt = Date.now();
  const uuid = randomUUID();
  const signalId = await sendSignal(ctx, {connector, config, channel, type: 'execute-snapshot', data}, uuid);
  result.signalId = signalId;
  await insertBackfill(store, {
    id,
    context: ctx.contextName,
    kind: 'signal',
    source: connector,
    tables: tables.map((t) => ({table: t.table, ...(t.where ? {where: t.where} : {})})),
    mode: o.mode,
    channel,
    signalId,
    actor: ctx.actor,
    status: 'requested',
    options: {estimatedRows: Object.fromEntries(tables.map((t) => [t.table, t.estimatedRows]))},
  });
  if (!o.wait || !topic) return result;
  const outcome = await followSnapshot(ctx, {
    id,
    connector,
    signalId,
    mode: o.mode,
    sentMs: sentAt,
    topic,
    tables: o.tables,
    fromMs: sentAt - 2000,
    waitMs: o.waitMs,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  result.waited = true;
  result.status = outcome.status;
  result.progress = outcome.tables;
  return result;
}

// ---- progress --------------------------------------------------------------------------------------------------

/** A notification's payload (JSON converter with or without the schema envelope); undefined for anything else. */
export function parseNotification(value: Buffer | null): NotificationPayload | undefined {
  if (!value) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const body = (doc as {payload?: unknown})?.payload ?? doc;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string' || typeof b.type !== 'string' || typeof b.aggregate_type !== 'string') return undefined;
  const extra = b.additional_data && typeof b.additional_data === 'object' ? b.additional_data : {};
  return {
    id: b.id,
    type: b.type,
    aggregateType: b.aggregate_type,
    data: Object.fromEntries(Object.entries(extra as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
    timestamp:
      typeof b.timestamp === 'number'
        ? b.timestamp
        : typeof b.timestamp === 'string' && /^\d+$/.test(b.timestamp)
          ? Number(b.timestamp)
          : undefined,
  };
}

export interface NotificationPayload {
  id: string;
  type: string;
  aggregateType: string;
  data: Record<string, string>;
  timestamp?: number;
}

const FAILED_TABLE = new Set(['NO_PRIMARY_KEY', 'SKIPPED', 'SQL_EXCEPTION', 'UNKNOWN_SCHEMA']);

/** Folds one notification into the tables' progress; returns the backfill's status after it (or undefined: unchanged). */
export function applyNotification(tables: TableProgress[], n: NotificationPayload): string | undefined {
  const find = (name: string | undefined) => tables.find((t) => t.table === name);
  switch (n.type) {
    case 'STARTED':
      return 'running';
    case 'PAUSED':
      return 'paused';
    case 'RESUMED':
      return 'running';
    case 'IN_PROGRESS': {
      const t = find(n.data.current_collection_in_progress);
      if (t) {
        t.state = 'running';
        t.chunks++;
        t.lastKey = n.data.last_processed_key;
        t.maximumKey = n.data.maximum_key;
        t.fraction = keyFraction(t.lastKey, t.maximumKey);
      }
      return 'running';
    }
    case 'TABLE_SCAN_COMPLETED': {
      const t = find(n.data.scanned_collection);
      if (t) {
        t.status = n.data.status;
        t.rows = n.data.total_rows_scanned === undefined ? undefined : Number(n.data.total_rows_scanned);
        t.state = FAILED_TABLE.has(n.data.status ?? '') ? 'skipped' : 'done';
        if (t.state === 'done') t.fraction = 1;
      }
      return undefined;
    }
    case 'ABORTED':
      for (const t of tables) if (t.state === 'pending' || t.state === 'running') t.state = 'aborted';
      return 'aborted';
    case 'COMPLETED':
      // a table whose scan never completed was removed from the snapshot (stop-snapshot: Debezium sends
      // ABORTED under the stop signal's id, then COMPLETED under this one)
      for (const t of tables) if (t.state === 'pending' || t.state === 'running') t.state = 'aborted';
      if (tables.every((t) => t.state === 'done')) return 'completed';
      return tables.some((t) => t.state === 'aborted') ? 'aborted' : 'skipped';
    case 'SKIPPED':
      for (const t of tables) if (t.state !== 'done') t.state = 'skipped';
      return 'skipped';
    default:
      return undefined;
  }
}

/** How far an incremental snapshot is through a table, when its keys are numbers. */
export function keyFraction(last?: string, max?: string): number | undefined {
  const strip = (s?: string) => s?.replace(/^\[|\]$/g, '').trim();
  const l = Number(strip(last));
  const m = Number(strip(max));
  if (!Number.isFinite(l) || !Number.isFinite(m) || m <= 0 || strip(last) === '' || strip(max) === '') return undefined;
  return Math.max(0, Math.min(1, l / m));
}

interface FollowOptions {
  id: string;
  connector: string;
  signalId: string;
  mode: SnapshotMode;
  /** When the signal was sent (ms). */
  sentMs: number;
  topic: string;
  tables: string[];
  fromMs: number;
  waitMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: SignalProgress) => void;
}

const FINAL = new Set(['completed', 'skipped', 'aborted']);

/**
 * Which notifications are this snapshot's. An incremental snapshot's carry the execute-snapshot signal's
 * id. A blocking one's do not: Debezium runs it as an initial snapshot, whose notifications ("Initial
 * Snapshot") each get an id of their own; they count from the first STARTED after the signal was sent
 * (a connector restarted just before, e.g. by setup, has already sent an "Initial Snapshot" SKIPPED).
 */
export function snapshotMatcher(
  o: Pick<FollowOptions, 'signalId' | 'mode' | 'sentMs'>,
): (n: NotificationPayload) => boolean {
  let started = false;
  return (n) => {
    if (n.id === o.signalId) return true;
    if (o.mode !== 'blocking' || n.aggregateType !== 'Initial Snapshot') return false;
    if (!started && n.type === 'STARTED' && (n.timestamp ?? 0) >= o.sentMs) started = true;
    return started;
  };
}

/**
 * Reads the notification topic from just before the signal was sent until the snapshot ends (or the
 * wait times out: status stays as it was, the caller decides), recording progress in the store.
 */
export async function followSnapshot(
  ctx: RunContext,
  o: FollowOptions,
): Promise<{status: string; tables: TableProgress[]}> {
  const store = await runStore(ctx);
  const tables: TableProgress[] = o.tables.map((table) => ({table, state: 'pending', chunks: 0}));
  let status = 'requested';
  const stop = new AbortController();
  const timer = o.waitMs ? setTimeout(() => stop.abort(), o.waitMs) : undefined;
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, {once: true});
  let lastSaved = 0;
  const ofThisSnapshot = snapshotMatcher(o);
  try {
    // a connector set up by hand has no notification topic until its first notification: wait for it
    while (!stop.signal.aborted && (await topicPartitions(ctx, o.topic)) === 0)
      await new Promise((r) => setTimeout(r, 1000));
    if (!stop.signal.aborted)
      await consumeTopics(ctx, {
        topics: [o.topic],
        start: {timestamp: o.fromMs},
        signal: stop.signal,
        clientIdSuffix: 'backfill',
        onBatch: async (messages: ConsumedMessage[]) => {
          let changed = false;
          for (const m of messages) {
            const n = parseNotification(m.value);
            if (!n) continue;
            n.timestamp ??= Number(m.timestamp);
            if (!ofThisSnapshot(n)) continue;
            const next = applyNotification(tables, n);
            if (next) status = next;
            changed = true;
            o.onProgress?.({id: o.id, connector: o.connector, event: n.type, tables, at: new Date().toISOString()});
          }
          if (changed && (FINAL.has(status) || Date.now() - lastSaved > 1000)) {
            lastSaved = Date.now();
            await updateBackfill(store, o.id, {
              status: status as BackfillRecord['status'],
              progress: {tables},
              addRead: 0,
            });
          }
          return !FINAL.has(status);
        },
      });
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (!FINAL.has(status) && o.waitMs && !o.signal?.aborted) {
    throw new CdcError(
      'BACKFILL_WAIT_TIMEOUT',
      ExitCode.unreachable,
      `backfill ${o.id} did not finish within the wait (${status})`,
      {
        hint: `It goes on in the connector; follow it with \`cdcctl backfill status ${o.id} --wait\`.`,
      },
    );
  }
  return {status, tables};
}

/** `backfill status <id> --wait` for a signal backfill: follow its notifications from when it was sent. */
export async function waitForSignalBackfill(
  ctx: RunContext,
  b: BackfillRecord,
  o: {waitMs?: number; signal?: AbortSignal; onProgress?: (p: SignalProgress) => void},
): Promise<{status: string; tables: TableProgress[]}> {
  const connect = connectClient(ctx);
  let config: Record<string, string>;
  try {
    config = await liveConfig(connect, b.source);
  } finally {
    await connect.close();
  }
  const topic = notificationTopic(config);
  if (!topic) throw notReady(b.source, 'writes no notifications (notification.enabled.channels=sink)');
  if (!b.signalId) throw new UsageError(`backfill ${b.id} has no signal id`);
  return followSnapshot(ctx, {
    id: b.id,
    connector: b.source,
    signalId: b.signalId,
    mode: b.mode === 'blocking' ? 'blocking' : 'incremental',
    // the record is written just after the signal is sent
    sentMs: Date.parse(b.startedAt) - 1000,
    topic,
    tables: b.tables.map((t) => t.table),
    fromMs: Date.parse(b.startedAt) - 2000,
    ...o,
  });
}

// ---- stop / pause / resume -------------------------------------------------------------------------------------

const CONTROL_SIGNAL = {stop: 'stop-snapshot', pause: 'pause-snapshot', resume: 'resume-snapshot'} as const;

export async function controlSignalBackfill(
  ctx: RunContext,
  connector: string,
  action: 'stop' | 'pause' | 'resume',
  o: {tables: string[]; channel?: SignalChannel; dryRun: boolean},
): Promise<ControlResult> {
  const connect = connectClient(ctx);
  let config: Record<string, string>;
  try {
    config = await liveConfig(connect, connector);
  } finally {
    await connect.close();
  }
  requirePostgres(connector, config);
  const channel = pickChannel(connector, config, o.channel);
  const data: Record<string, unknown> =
    action === 'stop' ? {'data-collections': o.tables, type: 'INCREMENTAL'} : {type: 'INCREMENTAL'};
  const store = await runStore(ctx);
  const open = await openSignalBackfills(store, ctx.contextName, connector);
  const result: ControlResult = {
    connector,
    action,
    channel,
    signalId: '',
    dryRun: o.dryRun,
    signal: {type: CONTROL_SIGNAL[action], data},
    backfills: open.map((b) => ({id: b.id, status: b.status})),
  };
  if (o.dryRun) return result;
  result.signalId = await sendSignal(
    ctx,
    {connector, config, channel, type: CONTROL_SIGNAL[action], data},
    randomUUID(),
  );
  // what the connector does with it arrives as a notification; a stop of every table ends them here
  if (action === 'stop' && o.tables.length === 0) {
    for (const b of open) await updateBackfill(store, b.id, {status: 'stopped'});
    result.backfills = open.map((b) => ({id: b.id, status: 'stopped'}));
  } else if (action !== 'stop') {
    const status = action === 'pause' ? 'paused' : 'running';
    for (const b of open) await updateBackfill(store, b.id, {status});
    result.backfills = open.map((b) => ({id: b.id, status}));
  }
  return result;
}

export {backfillBySignal};
