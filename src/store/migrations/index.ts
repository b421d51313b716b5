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
