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
