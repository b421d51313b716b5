import type {Migration} from '../migrate.js';

/**
 * Every migration of the operational store, in version order. Each table family owns a range of
 * versions so that work on different families never collides:
 *   1–99 store itself · 100–199 reconcile · 200–299 audit, access, config history ·
 *   300–399 gdpr · 400–499 dlq · 500–599 pipeline · 600+ later families.
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
    version: 500,
    name: 'pipeline pause ledger',
    up: (s) => `CREATE TABLE ${s}.pipeline_paused (
        context    text NOT NULL,
        connector  text NOT NULL,
        paused_at  timestamptz NOT NULL DEFAULT now(),
        paused_by  text NOT NULL,
        PRIMARY KEY (context, connector));`,
  },
];
