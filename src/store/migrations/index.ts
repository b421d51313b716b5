import type {Migration} from '../migrate.js';

/**
 * Every migration of the operational store, in version order. Each table family owns a range of
 * versions so that work on different families never collides:
 *   1–99 store itself · 100–199 reconcile · 200–299 audit, access, config history ·
 *   300–399 gdpr · 400–499 dlq · 500–599 pipeline · 600–699 backfill · 700–799 webhooks, api keys ·
 *   800–899 quality · 900–999 jobs, batch, tune · 1000+ later families.
 * A migration is never edited once released: add a new one.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'store metadata',
    up: (s) => `CREATE TABLE IF NOT EXISTS ${s}.store_info (key text PRIMARY KEY, value text NOT NULL);
      INSERT INTO ${s}.store_info (key, value) VALUES ('created_by', 'cdcctl') ON CONFLICT DO NOTHING;`,
  },
  {
    version: 100,
    name: 'reconcile runs, per-table figures and mismatches',
    up: (s) => `CREATE TABLE ${s}.reconcile_runs (
        run_id      text PRIMARY KEY,
        context     text NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        actor       text NOT NULL,
        shards      int NOT NULL DEFAULT 1,
        options     jsonb NOT NULL DEFAULT '{}');
      CREATE INDEX ON ${s}.reconcile_runs (started_at DESC);
      CREATE TABLE ${s}.reconcile_tables (
        run_id             text NOT NULL REFERENCES ${s}.reconcile_runs ON DELETE CASCADE,
        table_name         text NOT NULL,
        shard              int NOT NULL DEFAULT 0,
        status             text NOT NULL,
        fingerprint        text NOT NULL,
        buckets            int NOT NULL,
        splits             int NOT NULL,
        splits_done        int[] NOT NULL DEFAULT '{}',
        checkpoint         bytea,
        started_at         timestamptz NOT NULL DEFAULT now(),
        finished_at        timestamptz,
        duration_ms        bigint,
        rows_cassandra     bigint NOT NULL DEFAULT 0,
        rows_postgres      bigint NOT NULL DEFAULT 0,
        rows_young         bigint NOT NULL DEFAULT 0,
        mismatched_buckets int NOT NULL DEFAULT 0,
        missing            int NOT NULL DEFAULT 0,
        extra              int NOT NULL DEFAULT 0,
        mismatched         int NOT NULL DEFAULT 0,
        sink_lag_start     text,
        sink_lag_end       text,
        details            jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (run_id, table_name, shard));
      CREATE TABLE ${s}.reconcile_mismatches (
        run_id      text NOT NULL REFERENCES ${s}.reconcile_runs ON DELETE CASCADE,
        table_name  text NOT NULL,
        pk          text NOT NULL,
        shard       int NOT NULL DEFAULT 0,
        key         jsonb NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('missing', 'extra', 'value')),
        columns     jsonb NOT NULL DEFAULT '[]',
        bucket      int NOT NULL,
        pg_hash     text,
        cassandra_writetime bigint,
        detected_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, table_name, pk));`,
  },
  {
    version: 101,
    name: 'reconcile: what the shards of a run exchange (PostgreSQL bucket sums, drill-down keys)',
    // Each shard reads its own token ranges of Cassandra and aggregates its own block of PostgreSQL's
    // buckets; both sums are saved on its reconcile_tables row (checkpoint, pg_checkpoint), and the
    // keys (with row hash) its token ranges hold in the run's differing buckets are published here
    // for the shard that owns those buckets.
    up: (s) => `ALTER TABLE ${s}.reconcile_tables ADD COLUMN pg_checkpoint bytea;
      CREATE TABLE ${s}.reconcile_drill_keys (
        run_id      text NOT NULL REFERENCES ${s}.reconcile_runs ON DELETE CASCADE,
        table_name  text NOT NULL,
        from_shard  int NOT NULL,
        bucket      int NOT NULL,
        pk          text NOT NULL,
        hash        text NOT NULL);
      CREATE INDEX ON ${s}.reconcile_drill_keys (run_id, table_name, bucket);
      CREATE INDEX ON ${s}.reconcile_drill_keys (run_id, table_name, from_shard);`,
  },
  {
    version: 200,
    name: 'audit log (hash-chained) and its chain head',
    up: (s) => `CREATE TABLE ${s}._cdc_audit_log (
        seq         bigint PRIMARY KEY,
        id          uuid NOT NULL UNIQUE,
        at          timestamptz NOT NULL,
        actor       text NOT NULL,
        role        text NOT NULL,
        context     text NOT NULL,
        command     text NOT NULL,
        args        jsonb NOT NULL,
        targets     jsonb NOT NULL,
        result      text NOT NULL CHECK (result IN ('ok', 'failed', 'partial', 'denied', 'dry-run')),
        error       jsonb,
        duration_ms integer NOT NULL,
        version     text NOT NULL,
        host        text NOT NULL,
        prev_hash   text NOT NULL,
        hash        text NOT NULL);
      CREATE INDEX _cdc_audit_log_at ON ${s}._cdc_audit_log (at);
      CREATE INDEX _cdc_audit_log_hash ON ${s}._cdc_audit_log (hash);
      CREATE TABLE ${s}._cdc_audit_head (
        one  boolean PRIMARY KEY DEFAULT true CHECK (one),
        seq  bigint NOT NULL,
        hash text NOT NULL);
      INSERT INTO ${s}._cdc_audit_head (one, seq, hash) VALUES (true, 0, repeat('0', 64));`,
  },
  {
    version: 201,
    name: 'audit append in one round trip',
    // Locks the chain head, hashes the canonical record (its prefix, computed by cdcctl, plus the
    // predecessor's hash as JSON — see canonicalRecord) exactly as cdcctl and `audit verify` do,
    // inserts the row and moves the head: one statement instead of five round trips.
    up: (s) => `CREATE FUNCTION ${s}._cdc_audit_append(
        p_prefix text, p_id uuid, p_at timestamptz, p_actor text, p_role text, p_context text, p_command text,
        p_args jsonb, p_targets jsonb, p_result text, p_error jsonb, p_duration_ms integer, p_version text, p_host text)
      RETURNS TABLE (seq bigint, prev_hash text, hash text)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        head_seq  bigint;
        head_hash text;
        new_hash  text;
      BEGIN
        SELECT h.seq, h.hash INTO head_seq, head_hash FROM ${s}._cdc_audit_head h WHERE h.one FOR UPDATE;
        new_hash := encode(sha256(convert_to(p_prefix || to_json(head_hash)::text || ']', 'UTF8')), 'hex');
        INSERT INTO ${s}._cdc_audit_log (seq, id, at, actor, role, context, command, args, targets, result, error,
            duration_ms, version, host, prev_hash, hash)
          VALUES (head_seq + 1, p_id, p_at, p_actor, p_role, p_context, p_command, p_args, p_targets, p_result,
            p_error, p_duration_ms, p_version, p_host, head_hash, new_hash);
        UPDATE ${s}._cdc_audit_head h SET seq = head_seq + 1, hash = new_hash WHERE h.one;
        RETURN QUERY SELECT head_seq + 1, head_hash, new_hash;
      END
      $fn$;`,
  },
  {
    version: 210,
    name: 'connector config history',
    up: (s) => `CREATE TABLE ${s}.connector_config_history (
        context   text NOT NULL,
        connector text NOT NULL,
        version   integer NOT NULL,
        action    text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'rollback', 'external')),
        config    jsonb,
        actor     text NOT NULL,
        at        timestamptz NOT NULL DEFAULT now(),
        message   text,
        PRIMARY KEY (context, connector, version));`,
  },
  {
    version: 300,
    name: 'gdpr erasure journal',
    up: (s) => `CREATE TABLE ${s}.gdpr_requests (
        request_id     text PRIMARY KEY,
        context        text NOT NULL,
        subject_hmac   text NOT NULL,
        subject_enc    bytea,
        keys_enc       bytea,
        state          text NOT NULL,
        on_failure     text NOT NULL,
        reason         text,
        received_at    timestamptz NOT NULL DEFAULT now(),
        deadline_at    timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        closed_at      timestamptz,
        actor          text NOT NULL,
        tool_version   text NOT NULL,
        config_hash    text NOT NULL,
        host           text NOT NULL,
        delete_ts_us   bigint,
        restore_ts_us  bigint,
        evidence       jsonb NOT NULL DEFAULT '{}'::jsonb,
        last_error     text);
      CREATE INDEX gdpr_requests_state ON ${s}.gdpr_requests (state);
      CREATE INDEX gdpr_requests_subject ON ${s}.gdpr_requests (subject_hmac);
      CREATE TABLE ${s}.gdpr_journal (
        id          bigserial PRIMARY KEY,
        request_id  text NOT NULL REFERENCES ${s}.gdpr_requests (request_id),
        step        text NOT NULL,
        phase       text NOT NULL,
        at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
        audit_id    text);
      CREATE INDEX gdpr_journal_request ON ${s}.gdpr_journal (request_id, id);
      CREATE TABLE ${s}.gdpr_systems (
        request_id   text NOT NULL REFERENCES ${s}.gdpr_requests (request_id),
        store        text NOT NULL,
        name         text NOT NULL,
        located      int NOT NULL DEFAULT 0,
        deleted      int,
        deleted_at   timestamptz,
        delete_ts_us bigint,
        consistency  text,
        verified_at  timestamptz,
        remaining    int,
        region       text,
        jurisdiction text,
        PRIMARY KEY (request_id, store, name));
      CREATE TABLE ${s}.gdpr_backups (
        request_id  text PRIMARY KEY REFERENCES ${s}.gdpr_requests (request_id),
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL,
        purged_at   timestamptz,
        sha256      text NOT NULL,
        key_id      text NOT NULL,
        rows        int NOT NULL,
        iv          bytea,
        tag         bytea,
        ciphertext  bytea);`,
  },
  {
    version: 301,
    name: 'gdpr erasure fence',
    up: (s) => `CREATE TABLE ${s}.gdpr_fence (
        table_schema text NOT NULL,
        table_name   text NOT NULL,
        key_hash     text NOT NULL,
        request_id   text NOT NULL,
        erased_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (table_schema, table_name, key_hash));
      CREATE FUNCTION ${s}.gdpr_fence_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF EXISTS (SELECT 1 FROM ${s}.gdpr_fence f
                    WHERE f.table_schema = TG_TABLE_SCHEMA AND f.table_name = TG_TABLE_NAME
                      AND f.key_hash = encode(sha256(convert_to(to_jsonb(NEW) ->> TG_ARGV[0], 'UTF8')), 'hex')) THEN
          RAISE WARNING 'cdcctl gdpr fence: dropped a write of an erased subject into %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME;
          RETURN NULL;
        END IF;
        RETURN NEW;
      END $fn$;`,
  },
  {
    version: 400,
    name: 'dlq records',
    // Key, value and headers keep the exact bytes read from the dead-letter topic: key and value in
    // bytea, headers as [{"k": name, "v": base64 | null}] in wire order. The ten
    // __connect.errors.* headers are also decoded into columns for filtering and grouping.
    // Only the primary key and the DLQ coordinates are indexed: replays walk the table in id
    // order, and marking records (status, replay_run …) stays a heap-only update.
    up: (s) => `CREATE TABLE ${s}._cdc_dlq_records (
        id                bigserial PRIMARY KEY,
        dlq_topic         text NOT NULL,
        dlq_partition     int NOT NULL,
        dlq_offset        bigint NOT NULL,
        dlq_timestamp     timestamptz,
        src_topic         text,
        src_partition     int,
        src_offset        bigint,
        connector         text,
        task_id           int,
        stage             text,
        class_name        text,
        exception_class   text,
        exception_message text,
        stacktrace        text,
        record_key        bytea,
        record_value      bytea,
        headers           jsonb NOT NULL DEFAULT '[]',
        first_seen        timestamptz NOT NULL DEFAULT now(),
        status            text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'replaying', 'replayed', 'discarded')),
        replay_run        text,
        replay_count      int NOT NULL DEFAULT 0,
        replayed_at       timestamptz,
        discard_reason    text,
        discarded_at      timestamptz,
        discarded_by      text,
        UNIQUE (dlq_topic, dlq_partition, dlq_offset)) WITH (fillfactor = 80);`,
  },
  {
    version: 401,
    name: 'dlq replay runs',
    // One row per replay run: what it selected, where it wrote, and the per-partition offsets of the
    // target topics from which a resume scans for records the run produced but had not yet marked.
    up: (s) => `CREATE TABLE ${s}._cdc_dlq_replay_runs (
        run_id       text PRIMARY KEY,
        context      text NOT NULL,
        actor        text NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        state        text NOT NULL CHECK (state IN ('running', 'finished', 'interrupted', 'failed')),
        to_topic     text,
        selection    jsonb NOT NULL,
        force        boolean NOT NULL DEFAULT false,
        produced     bigint NOT NULL DEFAULT 0,
        recovered    bigint NOT NULL DEFAULT 0,
        checkpoints  jsonb NOT NULL DEFAULT '{}');`,
  },
  {
    version: 402,
    name: 'dlq records: room for heap-only updates',
    // A replay rewrites each record twice (claimed, then replayed). A record just under the TOAST
    // threshold (~2 KB) stays inline, and at fillfactor 80 a page has no room for its new version:
    // the update moves it to another page and adds an entry to both indexes. At 50 the new versions
    // fit on their page (heap-only updates; the claim's dead version is pruned before the mark).
    // Measured on 100k such records: claim + mark 7.0 s -> 4.6-5.4 s, and the table is no larger
    // after a replay (391 MB vs 452 MB). Applies to pages written from now on.
    up: (s) => `ALTER TABLE ${s}._cdc_dlq_records SET (fillfactor = 50);`,
  },
  {
    version: 403,
    name: 'dlq records: bytes in a table of their own',
    // A replay updates each record twice (claimed, then replayed), and every update copies the
    // whole row: with the bytes inline (key, value, headers, message, trace: ~2 KB a record, just
    // under the TOAST threshold, so toast_tuple_target cannot move them out) that is ~4 KB of heap
    // and WAL per record and replay. The bytes, never updated, move to _cdc_dlq_payloads (one row
    // per record, same id); the records table keeps the filtered, grouped and updated columns.
    // replay_headers holds what a replay sends (the headers without the Connect error context and
    // earlier replay marks), computed once here instead of per record at every claim.
    // Existing records are copied once (one pass over the table, inside this migration); the
    // dropped columns are not rewritten away: a record's next update writes the narrow row.
    up: (s) => `CREATE TABLE IF NOT EXISTS ${s}._cdc_dlq_payloads (
        id                bigint PRIMARY KEY REFERENCES ${s}._cdc_dlq_records (id) ON DELETE CASCADE,
        exception_message text,
        stacktrace        text,
        record_key        bytea,
        record_value      bytea,
        headers           jsonb NOT NULL DEFAULT '[]',
        replay_headers    jsonb NOT NULL DEFAULT '[]');
      DO $m$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${s}._cdc_dlq_records'::regclass
                     AND attname = 'headers' AND NOT attisdropped) THEN
          INSERT INTO ${s}._cdc_dlq_payloads (id, exception_message, stacktrace, record_key, record_value, headers,
                                              replay_headers)
          SELECT id, exception_message, stacktrace, record_key, record_value, headers,
                 (SELECT COALESCE(jsonb_agg(e.h ORDER BY e.n), '[]') FROM jsonb_array_elements(headers) WITH ORDINALITY AS e(h, n)
                   WHERE NOT starts_with(e.h->>'k', '__connect.errors.') AND NOT starts_with(e.h->>'k', 'cdcctl.replay.'))
            FROM ${s}._cdc_dlq_records
          ON CONFLICT (id) DO NOTHING;
          ALTER TABLE ${s}._cdc_dlq_records DROP COLUMN exception_message, DROP COLUMN stacktrace,
            DROP COLUMN record_key, DROP COLUMN record_value, DROP COLUMN headers;
        END IF;
      END $m$;`,
  },
  {
    version: 500,
    name: 'pipeline pause ledger',
    up: (s) => `CREATE TABLE ${s}.pipeline_paused (
        context    text NOT NULL,
        connector  text NOT NULL,
        paused_at  timestamptz NOT NULL DEFAULT now(),
        paused_by  text NOT NULL,
        PRIMARY KEY (context, connector));`,
  },
  {
    version: 600,
    name: 'backfills and their finished token ranges',
    up: (s) => `CREATE TABLE ${s}.backfills (
        id           text PRIMARY KEY,
        context      text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('signal', 'cassandra', 'resnapshot')),
        source       text NOT NULL,
        tables       jsonb NOT NULL DEFAULT '[]',
        mode         text NOT NULL,
        channel      text,
        signal_id    text,
        actor        text NOT NULL,
        status       text NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        options      jsonb NOT NULL DEFAULT '{}',
        progress     jsonb NOT NULL DEFAULT '{}',
        rows_read    bigint NOT NULL DEFAULT 0,
        rows_written bigint NOT NULL DEFAULT 0,
        error        text);
      CREATE INDEX ON ${s}.backfills (context, started_at DESC);
      CREATE INDEX ON ${s}.backfills (signal_id);
      CREATE TABLE ${s}.backfill_ranges (
        id           text NOT NULL REFERENCES ${s}.backfills ON DELETE CASCADE,
        split        int NOT NULL,
        rows_read    bigint NOT NULL,
        rows_written bigint NOT NULL,
        done_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, split));`,
  },
  {
    version: 700,
    name: 'webhook subscriptions, delivery queue and history, domain-event watermarks, api keys',
    // The queue is the durable hand-over between the sources (Kafka change events, domain events,
    // Alertmanager) and the delivery workers of every `webhooks serve` process: rows are claimed
    // with FOR UPDATE SKIP LOCKED and a lease (locked_until), so processes share the work and a
    // crashed process's rows come back when the lease ends. A message leaves the queue when it is
    // delivered or given up, into webhook_deliveries (one row per message, with its payload for
    // redelivery). webhook_id is the Standard Webhooks message id and the idempotency key.
    // api_keys keeps only the SHA-256 of each key (keys are 256-bit random: no stretching needed).
    up: (s) => `CREATE TABLE ${s}.webhook_subscriptions (
        id                   bigserial PRIMARY KEY,
        context              text NOT NULL,
        name                 text NOT NULL,
        url                  text NOT NULL,
        event_types          text[] NOT NULL,
        topics               text[] NOT NULL DEFAULT '{}',
        ops                  text[] NOT NULL DEFAULT '{}',
        filter               text,
        secret_ref           text,
        secret_generated     text,
        headers              jsonb NOT NULL DEFAULT '{}',
        rate_per_sec         int,
        timeout_ms           int NOT NULL DEFAULT 10000,
        ordered              boolean NOT NULL DEFAULT false,
        max_failures         int NOT NULL DEFAULT 20,
        state                text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'disabled')),
        consecutive_failures int NOT NULL DEFAULT 0,
        disabled_reason      text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        created_by           text NOT NULL,
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CHECK ((secret_ref IS NULL) <> (secret_generated IS NULL)),
        UNIQUE (context, name));
      CREATE TABLE ${s}.webhook_queue (
        id              bigserial PRIMARY KEY,
        subscription_id bigint NOT NULL REFERENCES ${s}.webhook_subscriptions ON DELETE CASCADE,
        webhook_id      text NOT NULL,
        event_type      text NOT NULL,
        order_key       text,
        payload         text NOT NULL,
        attempts        int NOT NULL DEFAULT 0,
        enqueued_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        next_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
        locked_until    timestamptz,
        locked_by       text,
        last_status     int,
        last_error      text,
        UNIQUE (subscription_id, webhook_id));
      CREATE INDEX webhook_queue_next ON ${s}.webhook_queue (next_at, id);
      CREATE INDEX webhook_queue_key ON ${s}.webhook_queue (subscription_id, order_key, id) WHERE order_key IS NOT NULL;
      CREATE TABLE ${s}.webhook_deliveries (
        id              bigserial PRIMARY KEY,
        subscription_id bigint NOT NULL REFERENCES ${s}.webhook_subscriptions ON DELETE CASCADE,
        webhook_id      text NOT NULL,
        event_type      text NOT NULL,
        order_key       text,
        payload         text NOT NULL,
        status          text NOT NULL CHECK (status IN ('delivered', 'failed')),
        attempts        int NOT NULL,
        response_code   int,
        response_body   text,
        error           text,
        latency_ms      int,
        enqueued_at     timestamptz NOT NULL,
        finished_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_by    text);
      CREATE INDEX webhook_deliveries_sub ON ${s}.webhook_deliveries (subscription_id, finished_at DESC);
      CREATE INDEX webhook_deliveries_msg ON ${s}.webhook_deliveries (subscription_id, webhook_id);
      CREATE TABLE ${s}.webhook_watermarks (
        context text NOT NULL,
        source  text NOT NULL,
        value   jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (context, source));
      CREATE TABLE ${s}.api_keys (
        key_id      text PRIMARY KEY,
        context     text NOT NULL,
        name        text NOT NULL,
        role        text NOT NULL,
        key_sha256  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text NOT NULL,
        expires_at  timestamptz,
        revoked_at  timestamptz,
        revoked_by  text,
        last_used_at timestamptz);
      CREATE UNIQUE INDEX api_keys_live_name ON ${s}.api_keys (context, name) WHERE revoked_at IS NULL;`,
  },
  {
    version: 701,
    name: 'webhooks: the idempotency registry of queued messages',
    // A source that re-reads (Kafka after a rebalance or crash, before its offsets were committed)
    // queues a message again only if its (subscription, webhook-id) was never queued: one row per
    // message ever queued, inserted with the queue row. Checking the queue and the history instead
    // raced with a concurrent settle moving the message between them (seen: 1% twice under rebalances).
    up: (s) => `CREATE TABLE ${s}.webhook_seen (
        subscription_id bigint NOT NULL REFERENCES ${s}.webhook_subscriptions ON DELETE CASCADE,
        webhook_id      text NOT NULL,
        queued_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscription_id, webhook_id));
      INSERT INTO ${s}.webhook_seen (subscription_id, webhook_id)
        SELECT subscription_id, webhook_id FROM ${s}.webhook_queue
        UNION SELECT subscription_id, webhook_id FROM ${s}.webhook_deliveries
      ON CONFLICT DO NOTHING;`,
  },
  {
    version: 702,
    name: 'webhooks: the registry of serve processes',
    // Each `webhooks serve` process registers itself and beats every few seconds with its counts, so
    // `jobs` lists the delivery processes (running, stopped, or lost: no beat for a while) and
    // `jobs cancel` can ask one to drain. owner is the process's claim owner in webhook_queue.
    up: (s) => `CREATE TABLE ${s}.webhook_servers (
        owner        text PRIMARY KEY,
        context      text NOT NULL,
        host         text NOT NULL,
        pid          int NOT NULL,
        url          text NOT NULL,
        actor        text NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        beat_at      timestamptz NOT NULL DEFAULT now(),
        stopped_at   timestamptz,
        stop_reason  text,
        delivered    bigint NOT NULL DEFAULT 0,
        failed       bigint NOT NULL DEFAULT 0,
        retried      bigint NOT NULL DEFAULT 0,
        in_flight    int NOT NULL DEFAULT 0);
      CREATE INDEX ON ${s}.webhook_servers (context, started_at DESC);`,
  },
  {
    version: 800,
    name: 'quality runs and per-check results',
    // one row per check of a table per run: its metric (history, change since last run, anomaly), its
    // verdict and a sample of failing rows; metric history is read by (context, table, check) newest first
    up: (s) => `CREATE TABLE ${s}.quality_runs (
        run_id      text PRIMARY KEY,
        context     text NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        actor       text NOT NULL,
        status      text NOT NULL DEFAULT 'running',
        options     jsonb NOT NULL DEFAULT '{}');
      CREATE INDEX ON ${s}.quality_runs (context, started_at DESC);
      CREATE TABLE ${s}.quality_results (
        run_id      text NOT NULL REFERENCES ${s}.quality_runs ON DELETE CASCADE,
        context     text NOT NULL,
        table_name  text NOT NULL,
        check_name  text NOT NULL,
        check_type  text NOT NULL,
        status      text NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error')),
        metric      double precision,
        reasons     jsonb NOT NULL DEFAULT '[]',
        samples     jsonb NOT NULL DEFAULT '[]',
        duration_ms integer NOT NULL DEFAULT 0,
        checked_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, table_name, check_name));
      CREATE INDEX ON ${s}.quality_results (context, table_name, check_name, checked_at DESC);`,
  },
  {
    version: 900,
    name: 'job cancellation requests, batch runs and their items',
    // A cancellation is a request in the store: the job reads it at its next checkpoint and stops
    // there (resumable). A batch run keeps its plan and one row per item, so `batch resume` redoes
    // only what did not succeed.
    up: (s) => `CREATE TABLE ${s}.job_cancellations (
        kind          text NOT NULL,
        job_id        text NOT NULL,
        context       text NOT NULL,
        requested_at  timestamptz NOT NULL DEFAULT now(),
        requested_by  text NOT NULL,
        reason        text,
        seen_at       timestamptz,
        PRIMARY KEY (kind, job_id));
      CREATE TABLE ${s}.batch_runs (
        batch_id     text PRIMARY KEY,
        context      text NOT NULL,
        actor        text NOT NULL,
        plan         jsonb NOT NULL,
        source       text,
        options      jsonb NOT NULL DEFAULT '{}',
        state        text NOT NULL CHECK (state IN ('running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted')),
        started_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz);
      CREATE INDEX ON ${s}.batch_runs (started_at DESC);
      CREATE TABLE ${s}.batch_items (
        batch_id     text NOT NULL REFERENCES ${s}.batch_runs ON DELETE CASCADE,
        step         text NOT NULL,
        item         int NOT NULL,
        label        text NOT NULL,
        state        text NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
        attempts     int NOT NULL DEFAULT 0,
        result       jsonb,
        error        text,
        started_at   timestamptz,
        finished_at  timestamptz,
        PRIMARY KEY (batch_id, step, item));`,
  },
  {
    version: 910,
    name: 'tune baselines and experiments',
    // A baseline is the pipeline's measured throughput, latency and lag per connector, kept under a name
    // to compare later. An experiment is one A/B trial of connector settings: both measurements, the
    // config versions it wrote, and whether it kept the change or rolled it back.
    up: (s) => `CREATE TABLE ${s}.tune_baselines (
        context         text NOT NULL,
        name            text NOT NULL,
        window_seconds  integer NOT NULL,
        measured_at     timestamptz NOT NULL,
        actor           text NOT NULL,
        measures        jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (context, name));
      CREATE TABLE ${s}.tune_experiments (
        experiment_id   text PRIMARY KEY,
        context         text NOT NULL,
        connector       text NOT NULL,
        actor           text NOT NULL,
        changes         jsonb NOT NULL,
        duration_ms     integer NOT NULL,
        state           text NOT NULL CHECK (state IN ('measuring-a', 'measuring-b', 'kept', 'rolled-back', 'failed')),
        version_a       integer,
        version_b       integer,
        version_rollback integer,
        measure_a       jsonb,
        measure_b       jsonb,
        verdict         text,
        error           text,
        started_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz);
      CREATE INDEX ON ${s}.tune_experiments (context, started_at DESC);`,
  },
];
