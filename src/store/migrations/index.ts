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
