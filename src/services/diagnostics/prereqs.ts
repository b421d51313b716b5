import {cassandraClient} from '../../clients/cassandra.js';
import type {ConnectClient, ExpandedConnector} from '../../clients/connect.js';
import {connectClient, connectWorkerClient} from '../../clients/factory.js';
import {
  groupOffsets,
  type KafkaAdmin,
  listTopicNames,
  readRecordAt,
  topicLayout,
  topicRetention,
  topicWatermarks,
  withAdmin,
} from '../../clients/kafka.js';
import {tcpConnect} from '../../clients/netprobe.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {hasSecretReference, resolveSecretString} from '../../config/secrets.js';
import type {RunContext} from '../../runtime.js';
import {bytesText, type Emit, firstLine, type Job} from './checks.js';

/**
 * The CDC half of doctor: what breaks pipelines silently although every service answers —
 * PostgreSQL sources (wal_level, slots, publications, replica identity, replication privilege),
 * Cassandra sources (the cdc flag, cdc_raw space), Kafka topics (existence, partitions,
 * replication, retention against the sink's downtime) and Connect (worker versions, plugins).
 * What to check comes from the connectors Connect runs, read once and shared by the jobs.
 */

export const PG_SOURCE = 'io.debezium.connector.postgresql.PostgresConnector';
/** Retained WAL above this warns (a slot nobody reads fills the disk). */
export const WAL_RETAINED_WARN_BYTES = 1024 ** 3;

export type Connectors = Record<string, ExpandedConnector>;

export function prerequisiteJobs(
  ctx: RunContext,
  connectors: Promise<Connectors | Error | undefined>,
  timeoutMs: number,
  /** The endpoint checks run too, and say why Connect does not answer: no second finding for it here. */
  withEndpoints = true,
): Job[] {
  const jobs: Job[] = [];
  const readable = connectors.then((c) => (c instanceof Error ? undefined : c));
  if (ctx.config.connect) {
    jobs.push({
      target: 'connect workers',
      check: 'workers',
      run: async (emit) => {
        const all = await connectors;
        if (all instanceof Error) {
          if (!withEndpoints)
            emit({
              target: 'connect workers',
              check: 'connectors',
              status: 'fail',
              detail: `cannot read the connectors: ${firstLine(all.message)}`,
              hint: 'Run `cdcctl doctor --only endpoints` for the layer that fails.',
            });
        } else if (all) await workerChecks(ctx, all, timeoutMs, emit);
      },
    });
    jobs.push({
      target: 'postgres sources',
      check: 'sources',
      run: async (emit) => {
        const all = await readable;
        if (!all) return;
        const servers = new Set<string>(); // server-wide settings are reported once per server
        await Promise.all(
          Object.entries(all)
            .filter(([, c]) => c.info?.config['connector.class'] === PG_SOURCE)
            .map(([name, c]) => pgSourceChecks(ctx, name, c, timeoutMs, emit, servers)),
        );
      },
    });
    if (ctx.config.kafka) {
      jobs.push({
        target: 'kafka topics',
        check: 'topics',
        run: async (emit) => {
          const all = await readable;
          if (all) await topicChecks(ctx, all, timeoutMs, emit);
        },
      });
    }
  }
  if (ctx.config.cassandra) {
    jobs.push({
      target: 'cassandra cdc',
      check: 'cdc',
      run: async (emit) => cassandraChecks(ctx, await readable, timeoutMs, emit),
    });
  }
  return jobs;
}

/** The connectors with status and config; the error when Connect does not answer; undefined without Connect. */
export async function readConnectors(ctx: RunContext, timeoutMs: number): Promise<Connectors | Error | undefined> {
  if (!ctx.config.connect) return undefined;
  const client = connectClient({...ctx, timeoutMs});
  try {
    return await client.listExpanded();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------------------------------------- Connect

async function workerChecks(ctx: RunContext, all: Connectors, timeoutMs: number, emit: Emit): Promise<void> {
  const target = 'connect workers';
  const workers = new Set<string>();
  /** What each worker runs, as Connect reports it: connectors and `<connector>/<task>`. */
  const holds = new Map<string, string[]>();
  const hold = (worker: string, what: string) => {
    workers.add(worker);
    holds.set(worker, [...(holds.get(worker) ?? []), what]);
  };
  for (const [name, c] of Object.entries(all)) {
    if (c.status?.connector.worker_id) hold(c.status.connector.worker_id, name);
    for (const t of c.status?.tasks ?? []) hold(t.worker_id, `${name}/${t.id}`);
  }
  const base = connectClient({...ctx, timeoutMs});
  const seen = new Map<string, {version?: string; plugins?: Set<string>; error?: string}>();
  const ask = async (id: string, client: ConnectClient) => {
    try {
      const [info, plugins] = await Promise.all([client.serverInfo(), client.plugins(false)]);
      seen.set(id, {version: info.version, plugins: new Set(plugins.map((p) => p.class))});
    } catch (err) {
      seen.set(id, {error: firstLine((err as Error).message)});
    } finally {
      await client.close();
    }
  };
  await Promise.all([
    ask('(configured url)', base),
    ...[...workers].map((w) => ask(w, connectWorkerClient({...ctx, timeoutMs}, w))),
  ]);
  const versions = new Map<string, string[]>();
  for (const [id, s] of seen) {
    const held = holds.get(id) ?? [];
    if (s.error && id !== '(configured url)' && held.length > 0 && (await workerGone(id, timeoutMs))) {
      // nothing listens there: the worker died (or left) with work Connect still reports as running on it
      emit({
        target,
        check: 'worker',
        status: 'fail',
        detail: `${id} does not answer (${s.error}) but holds ${held.length} connector(s)/task(s): ${listed(held)}`,
        hint:
          'A worker that left the group keeps its connectors and tasks (still reported RUNNING on it) until the others ' +
          "take them over after the group's scheduled.rebalance.max.delay.ms (5 minutes by default): restart the worker, " +
          'or wait; meanwhile that work does not run.',
        data: {worker: id, holds: held},
      });
    } else if (s.error) {
      emit({
        target,
        check: 'worker',
        status: id === '(configured url)' ? 'fail' : 'warn',
        detail: `${id}: ${s.error}`,
        hint: "Each worker's rest.advertised.host.name/port must be reachable from here (and from the other workers).",
      });
    } else if (s.version) versions.set(s.version, [...(versions.get(s.version) ?? []), id]);
  }
  if (versions.size > 0) {
    const same = versions.size === 1;
    emit({
      target,
      check: 'versions',
      status: same ? 'ok' : 'warn',
      detail: same
        ? `${[...versions.keys()][0]} on ${seen.size - (workers.size === 0 ? 0 : 1)} worker(s)`
        : [...versions].map(([v, ids]) => `${v}: ${ids.join(', ')}`).join('; '),
      hint: same ? undefined : 'Upgrade the workers to one Kafka Connect version (a rolling upgrade left some behind).',
      data: {versions: Object.fromEntries(versions)},
    });
  }
  for (const [name, c] of Object.entries(all)) {
    const cls = c.info?.config['connector.class'];
    if (!cls) continue;
    const needs = [cls, ...convertersOf(c.info?.config ?? {})];
    const missing: string[] = [];
    for (const [id, s] of seen) {
      if (!s.plugins) continue;
      for (const n of needs) if (!pluginPresent(s.plugins, n)) missing.push(`${n} on ${id}`);
    }
    emit({
      target: `connector ${name}`,
      check: 'plugins',
      status: missing.length ? 'fail' : 'ok',
      detail: missing.length ? `missing ${missing.join(', ')}` : `${shortClass(cls)} present on every worker`,
      hint: missing.length ? 'Install the plugin on every worker (plugin.path) and restart them.' : undefined,
    });
  }
}

/** Whether nothing accepts a TCP connection at a worker id (host:port): refused, not merely slow or filtered. */
async function workerGone(id: string, timeoutMs: number): Promise<boolean> {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(id);
  return m ? (await tcpConnect(m[1] as string, Number(m[2]), timeoutMs)).code === 'ECONNREFUSED' : false;
}

const listed = (xs: string[], max = 8) =>
  xs.length > max ? `${xs.slice(0, max).join(', ')} … (+${xs.length - max})` : xs.join(', ');

function convertersOf(config: Record<string, string>): string[] {
  return ['key.converter', 'value.converter'].map((k) => config[k]).filter((v): v is string => Boolean(v));
}

/** Connect lists connector plugins by class; converters and transforms are listed too (connectorsOnly=false). */
function pluginPresent(plugins: Set<string>, cls: string): boolean {
  // the JSON/String/ByteArray converters ship with the runtime and are always there
  return plugins.has(cls) || cls.startsWith('org.apache.kafka.connect.');
}

function shortClass(cls: string): string {
  return cls.split('.').at(-1) ?? cls;
}

// ------------------------------------------------------------------------------------- PostgreSQL sources

/** Debezium's filters: comma-separated regular expressions, each matching the whole `schema.table`. */
export function tableFilter(include?: string, exclude?: string): (qualified: string) => boolean {
  const list = (s?: string) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .map((x) => new RegExp(`^(?:${x})$`, 'i'));
  const inc = list(include);
  const exc = list(exclude);
  return (q) => (inc.length === 0 || inc.some((r) => r.test(q))) && !exc.some((r) => r.test(q));
}

/** The password of a connector's database login as cdcctl can resolve it (a Connect config provider's reference: the context's own login when it is the same server). */
export function connectorPassword(
  ctx: RunContext,
  value: string | undefined,
  host: string,
  port: number,
): string | undefined {
  if (value === undefined) return undefined;
  if (!hasSecretReference(value)) return value;
  try {
    return resolveSecretString(value, 'the connector config');
  } catch {
    // a Connect config provider's reference cdcctl cannot resolve: the context's own PostgreSQL login, if it is the same server
    const own = ctx.config.postgres;
    if (!own) return undefined;
    const url = new URL(resolveSecretString(own.url, 'postgres.url'));
    if (url.hostname === host && Number(url.port || 5432) === port && own.password !== undefined)
      return resolveSecretString(own.password, 'postgres.password');
    return undefined;
  }
}

async function pgSourceChecks(
  ctx: RunContext,
  name: string,
  c: ExpandedConnector,
  timeoutMs: number,
  emit: Emit,
  servers: Set<string>,
): Promise<void> {
  const cfg = c.info?.config ?? {};
  const target = `source ${name}`;
  const host = cfg['database.hostname'] ?? '127.0.0.1';
  const port = Number(cfg['database.port'] ?? 5432);
  const db = cfg['database.dbname'] ?? 'postgres';
  const user = cfg['database.user'] ?? 'postgres';
  const slot = cfg['slot.name'] ?? 'debezium';
  const publication = cfg['publication.name'] ?? 'dbz_publication';
  const autocreate = cfg['publication.autocreate.mode'] ?? 'all_tables';
  const running = c.status?.connector.state === 'RUNNING';
  const password = connectorPassword(ctx, cfg['database.password'], host, port);
  const t = pgTarget(
    {url: `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(db)}`, password},
    `connector ${name} (database.*)`,
    timeoutMs,
  );
  const pool = await createPool({...t, config: {...t.config, max: 2}});
  try {
    const q = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> => {
      try {
        return (await pool.query<R>(text, values)).rows;
      } catch (err) {
        throw pgError(err, t, 'checking CDC prerequisites');
      }
    };
    const [settings] = await q<{wal_level: string; keep: string; rolrepl: boolean; lsn: string}>(
      `SELECT current_setting('wal_level') AS wal_level, current_setting('max_slot_wal_keep_size') AS keep,
              (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS rolrepl,
              pg_current_wal_lsn()::text AS lsn`,
    );
    if (!settings) return;
    emit({
      target,
      check: 'wal_level',
      status: settings.wal_level === 'logical' ? 'ok' : 'fail',
      detail: `wal_level=${settings.wal_level} on ${host}:${port}`,
      hint:
        settings.wal_level === 'logical'
          ? undefined
          : 'Set wal_level=logical in postgresql.conf and restart PostgreSQL.',
    });
    emit({
      target,
      check: 'replication privilege',
      status: settings.rolrepl ? 'ok' : 'fail',
      detail: `${user} ${settings.rolrepl ? 'has' : 'lacks'} REPLICATION`,
      hint: settings.rolrepl ? undefined : `ALTER ROLE ${user} WITH REPLICATION (database.user of ${name}).`,
    });
    const slots = await q<{active: boolean; lag: string | null; retained: string | null; wal_status: string | null}>(
      `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained, wal_status
         FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`,
      [slot],
    );
    const s = slots[0];
    if (!s) {
      emit({
        target,
        check: 'slot',
        status: 'fail',
        detail: `replication slot ${slot} does not exist in ${db}`,
        hint: `slot.name=${slot} is gone: ${running ? 'restart' : 'resume'} ${name} to recreate it, then re-snapshot (an incremental snapshot): changes made without a slot were not captured.`,
      });
    } else {
      const retained = Number(s.retained ?? 0);
      const lag = Number(s.lag ?? 0);
      const keep = settings.keep;
      const problems: string[] = [];
      let status: 'ok' | 'warn' | 'fail' = 'ok';
      let hint: string | undefined;
      if (s.wal_status === 'lost') {
        status = 'fail';
        problems.push('WAL needed by the slot was removed (wal_status=lost)');
        hint = `Drop and recreate slot ${slot} and re-snapshot; raise max_slot_wal_keep_size (now ${keep}).`;
      } else if (!s.active && running) {
        status = 'warn';
        problems.push('not active although the connector is RUNNING');
        hint = `Check the connector's task (cdcctl connectors why ${name}).`;
      } else if (!s.active) {
        status = 'warn';
        problems.push('not active: WAL accumulates until the connector reads it');
        hint = `Resume ${name}, or drop slot ${slot} if the connector is gone.`;
      }
      if (retained > WAL_RETAINED_WARN_BYTES && status === 'ok') {
        status = 'warn';
        problems.push(`retains ${bytesText(retained)} of WAL`);
        hint = `Bound it with max_slot_wal_keep_size (now ${keep}) or let the connector catch up.`;
      }
      emit({
        target,
        check: 'slot',
        status,
        detail: `${slot}: ${s.active ? 'active' : 'inactive'}, lag ${bytesText(lag)}, WAL retained ${bytesText(retained)}, wal_status ${s.wal_status}, max_slot_wal_keep_size ${keep}${problems.length ? `: ${problems.join('; ')}` : ''}`,
        hint,
        data: {
          slot,
          active: s.active,
          lagBytes: lag,
          retainedBytes: retained,
          walStatus: s.wal_status,
          maxSlotWalKeepSize: keep,
        },
      });
      if (keep === '-1' && !servers.has(`${host}:${port}`)) {
        servers.add(`${host}:${port}`);
        emit({
          target: `postgres ${host}:${port}`,
          check: 'max_slot_wal_keep_size',
          status: 'warn',
          detail: 'unlimited (-1): a stalled slot can fill the disk',
          hint: 'Set max_slot_wal_keep_size in postgresql.conf (e.g. 10GB) so a dead connector cannot fill the disk.',
        });
      }
    }
    // the tables the connector captures
    const tables = await q<{q: string; ident: string; haspk: boolean}>(
      `SELECT n.nspname || '.' || c.relname AS q, c.relreplident::text AS ident,
              EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS haspk
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    const wanted = tableFilter(cfg['table.include.list'], cfg['table.exclude.list']);
    const schemas = tableFilter(cfg['schema.include.list'], cfg['schema.exclude.list']);
    const captured = tables.filter((r) => wanted(r.q) && schemas(r.q.split('.')[0] ?? ''));
    const pub = await q<{alltables: boolean}>(
      'SELECT puballtables AS alltables FROM pg_publication WHERE pubname = $1',
      [publication],
    );
    if (!pub[0]) {
      const willCreate = autocreate !== 'disabled';
      emit({
        target,
        check: 'publication',
        status: running || !willCreate ? 'fail' : 'warn',
        detail: `publication ${publication} does not exist in ${db}`,
        hint: willCreate
          ? `Restart ${name}: with publication.autocreate.mode=${autocreate} it creates ${publication}.`
          : `CREATE PUBLICATION ${publication} FOR TABLE ${captured.map((r) => r.q).join(', ') || '…'}; or set publication.autocreate.mode=filtered.`,
      });
    } else if (!pub[0].alltables) {
      const covered = new Set(
        (
          await q<{q: string}>(
            "SELECT schemaname || '.' || tablename AS q FROM pg_publication_tables WHERE pubname = $1",
            [publication],
          )
        ).map((r) => r.q),
      );
      const missing = captured.filter((r) => !covered.has(r.q)).map((r) => r.q);
      emit({
        target,
        check: 'publication',
        status: missing.length ? 'fail' : 'ok',
        detail: missing.length
          ? `${publication} does not cover ${missing.join(', ')}`
          : `${publication} covers the ${captured.length} captured table(s)`,
        hint: missing.length
          ? `ALTER PUBLICATION ${publication} ADD TABLE ${missing.join(', ')}; (or publication.autocreate.mode=filtered and restart)`
          : undefined,
      });
    } else {
      emit({target, check: 'publication', status: 'ok', detail: `${publication} is FOR ALL TABLES`});
    }
    for (const r of captured) {
      // deletes and updates of a table with REPLICA IDENTITY NOTHING (or DEFAULT without a key) carry no old key
      const bad = r.ident === 'n' || (r.ident === 'd' && !r.haspk);
      const ident = {d: 'DEFAULT', n: 'NOTHING', f: 'FULL', i: 'INDEX'}[r.ident] ?? r.ident;
      emit({
        target,
        check: `replica identity ${r.q}`,
        status: bad ? 'fail' : 'ok',
        detail: `REPLICA IDENTITY ${ident}${r.ident === 'd' ? (r.haspk ? ' (primary key)' : ' without a primary key') : ''}`,
        hint: bad
          ? `ALTER TABLE ${r.q} REPLICA IDENTITY FULL; (or add a primary key): deletes carry no key otherwise.`
          : undefined,
      });
    }
  } finally {
    await pool.end().catch(() => {});
  }
}

// ----------------------------------------------------------------------------------------------- Kafka

interface TopicNeed {
  topic: string;
  connector: string;
  role: 'change' | 'dlq' | 'sink input';
  /** A sink's input named explicitly (`topics`): missing is a failure. */
  required: boolean;
}

function topicNeeds(all: Connectors, existing: string[]): TopicNeed[] {
  const needs: TopicNeed[] = [];
  for (const [name, c] of Object.entries(all)) {
    const cfg = c.info?.config ?? {};
    if (c.info?.type === 'sink' || cfg.topics || cfg['topics.regex']) {
      for (const t of (cfg.topics ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean))
        needs.push({topic: t, connector: name, role: 'sink input', required: true});
      if (cfg['topics.regex']) {
        const re = new RegExp(`^(?:${cfg['topics.regex']})$`);
        for (const t of existing.filter((x) => re.test(x)))
          needs.push({topic: t, connector: name, role: 'sink input', required: false});
      }
      const dlq = cfg['errors.deadletterqueue.topic.name'];
      if (dlq) needs.push({topic: dlq, connector: name, role: 'dlq', required: false});
    }
    if (cfg['topic.prefix'] && cfg['connector.class'] === PG_SOURCE) {
      const prefix = cfg['topic.prefix'];
      const filter = tableFilter(cfg['table.include.list'], cfg['table.exclude.list']);
      for (const t of existing.filter((x) => x.startsWith(`${prefix}.`) && filter(x.slice(prefix.length + 1))))
        needs.push({topic: t, connector: name, role: 'change', required: false});
      // explicitly listed plain table names must have a topic once the snapshot ran
      for (const q of (cfg['table.include.list'] ?? '').split(',').map((x) => x.trim())) {
        if (/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(q) && !existing.includes(`${prefix}.${q}`))
          needs.push({topic: `${prefix}.${q}`, connector: name, role: 'change', required: false});
      }
    }
  }
  return needs;
}

async function topicChecks(ctx: RunContext, all: Connectors, timeoutMs: number, emit: Emit): Promise<void> {
  await withAdmin({...ctx, timeoutMs}, async (admin) => {
    const existing = await listTopicNames(admin);
    const needs = topicNeeds(all, existing);
    const present = [...new Set(needs.map((n) => n.topic).filter((t) => existing.includes(t)))];
    const [meta, retention, marks] = await Promise.all([
      topicLayout(admin, present),
      topicRetention(admin, present),
      topicWatermarks(admin, present),
    ]);
    const downtime = await sinkDowntime(ctx, admin, all, present);
    for (const n of needs) {
      const target = `topic ${n.topic}`;
      if (!existing.includes(n.topic)) {
        emit({
          target,
          check: 'exists',
          status: n.required ? 'fail' : 'warn',
          detail: `missing (${n.role} of ${n.connector})`,
          hint: n.required
            ? `Create it (kafka-topics --create --topic ${n.topic}) or fix topics= of ${n.connector}.`
            : n.role === 'dlq'
              ? `Connect creates it on the first dead letter (errors.deadletterqueue.topic.replication.factor must fit the cluster).`
              : `It appears with the first change of that table (or the snapshot): check ${n.connector}'s table.include.list.`,
        });
        continue;
      }
      const m = meta.find((t) => t.topic === n.topic);
      const parts = m?.partitions.length ?? 0;
      const rf = Math.min(...(m?.partitions.map((p) => p.replicas.length) ?? [0]));
      const underReplicated = m?.partitions.filter((p) => p.isr.length < p.replicas.length).length ?? 0;
      const r = retention.find((x) => x.topic === n.topic);
      const retentionMs = r?.retentionMs === null || r?.retentionMs === undefined ? null : Number(r.retentionMs);
      const records = (marks.get(n.topic) ?? []).reduce((s, p) => s + (Number(p.high) - Number(p.low)), 0);
      const down = downtime.get(n.topic);
      let status: 'ok' | 'warn' | 'fail' = underReplicated > 0 ? 'warn' : 'ok';
      let hint = underReplicated > 0 ? 'Some partitions are under-replicated: check the brokers.' : undefined;
      const extra: string[] = [];
      if (
        down &&
        retentionMs !== null &&
        retentionMs >= 0 &&
        (n.role === 'dlq' || n.role === 'change' || n.role === 'sink input')
      ) {
        if (down.lostRecords > 0) {
          status = 'fail';
          extra.push(`${down.lostRecords} record(s) expired before ${down.group} read them`);
          hint = `Raise retention.ms of ${n.topic} above the sink's downtime, and repair the gap (reconcile or re-snapshot).`;
        } else if (down.ms > retentionMs) {
          status = 'fail';
          extra.push(`retention ${describeMs(retentionMs)} < sink downtime ${describeMs(down.ms)}`);
          hint = `Raise retention.ms of ${n.topic} above the sink's downtime (kafka-configs --alter --add-config retention.ms=…).`;
        } else if (down.ms > retentionMs / 2) {
          status = 'warn';
          extra.push(`sink downtime ${describeMs(down.ms)} is over half the retention`);
          hint = `Raise retention.ms of ${n.topic} or resume the sink soon.`;
        }
      }
      emit({
        target,
        check: n.role,
        status,
        detail: `${parts} partition(s), RF ${rf}, retention ${retentionMs === null ? '?' : retentionMs < 0 ? 'unlimited' : describeMs(retentionMs)}, cleanup ${r?.cleanupPolicy ?? '?'}, ${records} record(s) (${n.connector})${extra.length ? `: ${extra.join('; ')}` : ''}`,
        hint,
        data: {partitions: parts, replicationFactor: rf, retentionMs, records, downtimeMs: down?.ms},
      });
    }
  });
}

/**
 * How long each topic's sink has not been reading, observed: the age of the oldest record it has
 * not consumed (the first record after its committed offset, found by its timestamp lookup), and
 * records it never read that retention already removed (committed offset below the low watermark).
 */
async function sinkDowntime(
  ctx: RunContext,
  admin: KafkaAdmin,
  all: Connectors,
  present: string[],
): Promise<Map<string, {ms: number; lostRecords: number; group: string}>> {
  const out = new Map<string, {ms: number; lostRecords: number; group: string}>();
  const sinks = Object.entries(all).filter(([, c]) => c.info?.type === 'sink');
  await Promise.all(
    sinks.map(async ([name, c]) => {
      if (c.status?.connector.state === 'RUNNING' && c.status.tasks.every((t) => t.state === 'RUNNING')) return;
      const group = c.info?.config['consumer.override.group.id'] ?? `connect-${name}`;
      const offsets = await groupOffsets(admin, group).catch(() => []);
      for (const t of offsets) {
        if (!present.includes(t.topic)) continue;
        const marks = (await topicWatermarks(admin, [t.topic])).get(t.topic) ?? [];
        let lost = 0;
        let oldest = Number.POSITIVE_INFINITY;
        for (const p of t.partitions) {
          const m = marks.find((x) => x.partition === p.partition);
          if (!m || p.offset === null) continue;
          if (Number(p.offset) < Number(m.low)) lost += Number(m.low) - Number(p.offset);
          if (Number(p.offset) < Number(m.high))
            oldest = Math.min(oldest, await recordTime(ctx, t.topic, p.partition, p.offset));
        }
        const ms = Number.isFinite(oldest) ? Date.now() - oldest : 0;
        out.set(t.topic, {ms, lostRecords: lost, group});
      }
    }),
  );
  return out;
}

/** The timestamp of one record (a single fetch at its offset; no scan). */
async function recordTime(ctx: RunContext, topic: string, partition: number, offset: string): Promise<number> {
  const rec = await readRecordAt(ctx, topic, partition, offset);
  return rec ? Number(rec.timestamp) : Date.now();
}

function describeMs(ms: number): string {
  if (ms >= 86_400_000) return `${+(ms / 86_400_000).toFixed(1)}d`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)}h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${Math.round(ms / 1000)}s`;
}

// --------------------------------------------------------------------------------------------- Cassandra

/** The Cassandra tables captured: Cassandra source connectors' include lists and the context's table pairs. */
function cassandraTables(ctx: RunContext, all: Connectors | undefined): string[] {
  const out = new Set<string>();
  for (const c of Object.values(all ?? {})) {
    const cfg = c.info?.config ?? {};
    if (!/cassandra/i.test(cfg['connector.class'] ?? '')) continue;
    for (const q of (cfg['table.include.list'] ?? '').split(',').map((x) => x.trim()))
      if (/^\w+\.\w+$/.test(q)) out.add(q);
  }
  for (const t of ctx.config.reconcile?.tables ?? []) out.add(t.cassandra);
  return [...out];
}

async function cassandraChecks(
  ctx: RunContext,
  all: Connectors | undefined,
  timeoutMs: number,
  emit: Emit,
): Promise<void> {
  const tables = cassandraTables(ctx, all);
  const {client} = await cassandraClient({...ctx, timeoutMs});
  try {
    await client.connect();
    const settings = new Map<string, string>();
    try {
      const rs = await client.execute(
        "SELECT name, value FROM system_views.settings WHERE name IN ('cdc_enabled', 'cdc_total_space', 'cdc_raw_directory', 'cdc_free_space_check_interval')",
      );
      for (const r of rs.rows) settings.set(String(r.get('name')), String(r.get('value')));
    } catch {
      // before Cassandra 4 there are no virtual tables: the node-level facts stay unknown
    }
    if (tables.length > 0 && settings.get('cdc_enabled') === 'false') {
      emit({
        target: 'cassandra cdc',
        check: 'cdc_enabled',
        status: 'fail',
        detail: 'cdc_enabled=false on the node',
        hint: 'Set cdc_enabled: true in cassandra.yaml and restart the node.',
      });
    }
    for (const q of tables) {
      const [ks, table] = q.split('.');
      const rs = await client.execute(
        'SELECT cdc FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
        [ks, table],
        {
          prepare: true,
        },
      );
      const row = rs.first();
      const target = `cassandra table ${q}`;
      if (!row) {
        emit({
          target,
          check: 'cdc',
          status: 'fail',
          detail: 'table does not exist',
          hint: `Create ${q} or fix the table lists that name it.`,
        });
        continue;
      }
      const on = row.get('cdc') === true;
      emit({
        target,
        check: 'cdc',
        status: on ? 'ok' : 'fail',
        detail: `cdc=${on}`,
        hint: on
          ? undefined
          : `ALTER TABLE ${q} WITH cdc = true; (its changes reach no commit log segment the connector reads)`,
      });
    }
    const dir = settings.get('cdc_raw_directory');
    const total = parseSize(settings.get('cdc_total_space'));
    if (dir && total) {
      const used = await dirSize(dir);
      if (used === undefined) {
        emit({
          target: 'cassandra cdc',
          check: 'cdc_raw',
          status: 'ok',
          detail: `${dir} is not on this host; cdc_total_space ${bytesText(total)}`,
        });
      } else {
        const share = used / total;
        const status = share >= 0.9 ? 'fail' : share >= 0.5 ? 'warn' : 'ok';
        emit({
          target: 'cassandra cdc',
          check: 'cdc_raw',
          status,
          detail: `${bytesText(used)} of cdc_total_space ${bytesText(total)} (${(share * 100).toFixed(1)}%) in ${dir}`,
          hint:
            status === 'ok'
              ? undefined
              : 'The connector is not consuming cdc_raw: when it is full, writes to CDC tables fail. Check the Cassandra connector, or raise cdc_total_space.',
          data: {usedBytes: used, totalBytes: total},
        });
      }
    }
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** Cassandra 5 prints sizes as `4096MiB`, older ones as a number of MB. */
export function parseSize(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B)?$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'MiB').toUpperCase().replace('I', '');
  const mult = {B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4}[unit] ?? 1024 ** 2;
  return Number(m[1]) * mult;
}

async function dirSize(dir: string): Promise<number | undefined> {
  const {readdir, stat} = await import('node:fs/promises');
  try {
    const names = await readdir(dir);
    let total = 0;
    for (const n of names) total += (await stat(`${dir}/${n}`).catch(() => ({size: 0}))).size;
    return total;
  } catch {
    return undefined;
  }
}
