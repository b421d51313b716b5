import type {MetricQueryConfig} from '../../config/schema.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';

/**
 * The named CDC queries: one catalog for `metrics list/show/dashboard` and the Grafana dashboard in
 * examples/grafana (generated from BUILTIN_QUERIES). A context's `metrics.queries` adds entries or
 * overrides built-in ones by name.
 */

export interface CatalogEntry extends MetricQueryConfig {
  name: string;
  source: 'built-in' | 'config';
}

export const BUILTIN_QUERIES: Record<string, MetricQueryConfig> = {
  'latency-p95': {
    query: 'histogram_quantile(0.95, sum by (le) (rate(cdc_latency_bucket[5m])))',
    description: 'End-to-end CDC latency, 95th percentile (source commit → sink write)',
    unit: 's',
  },
  'latency-p99': {
    query: 'histogram_quantile(0.99, sum by (le) (rate(cdc_latency_bucket[5m])))',
    description: 'End-to-end CDC latency, 99th percentile',
    unit: 's',
  },
  'error-rate': {
    query: 'sum(rate(cdc_errors_total[5m]))',
    description: 'Errors per second across the pipeline',
    unit: '/s',
  },
  throughput: {
    query: 'sum(rate(cdc_events_processed_total[1m]))',
    description: 'Change events processed per second',
    unit: '/s',
  },
  'consumer-lag': {
    query: 'sum(kafka_consumer_lag) by (topic)',
    description: 'Sink consumer lag per topic (records)',
    unit: 'records',
  },
  'replication-lag': {
    query: 'max(cdc_replication_lag_seconds) by (connector)',
    description: 'How far each source connector lags behind its database',
    unit: 's',
  },
  'reconciliation-drift': {
    query: 'sum(cdc_reconciliation_mismatches_total) by (table)',
    description: 'Rows that differ between source and target at the last reconciliation (pushed by cdcctl reconcile)',
    unit: 'rows',
  },
  'failed-tasks': {
    query: 'sum(cdc_connector_failed_tasks) by (connector)',
    description: 'Failed Kafka Connect tasks per connector',
    unit: 'tasks',
  },
  'connectors-down': {
    query: 'count(cdc_connector_up == 0) or vector(0)',
    description: 'Connectors reported not running',
    unit: 'connectors',
  },
};

export function catalog(ctx: RunContext): CatalogEntry[] {
  const entries = new Map<string, CatalogEntry>();
  for (const [name, q] of Object.entries(BUILTIN_QUERIES)) entries.set(name, {name, source: 'built-in', ...q});
  for (const [name, q] of Object.entries(ctx.config.metrics?.queries ?? {}))
    entries.set(name, {name, source: 'config', ...q});
  return [...entries.values()];
}

export function catalogEntry(ctx: RunContext, name: string): CatalogEntry {
  const all = catalog(ctx);
  const e = all.find((x) => x.name === name);
  if (!e)
    throw new UsageError(`no metric named "${name}"`, {
      hint: `Known: ${all.map((x) => x.name).join(', ')}. Add your own under metrics.queries in the context.`,
    });
  return e;
}
