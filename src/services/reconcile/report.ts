import {type AlertInput, alertmanagerClient} from '../../clients/alertmanager.js';
import {groupLag, withAdmin} from '../../clients/kafka.js';
import {type MetricFamily, pushgatewayClient} from '../../clients/pushgateway.js';
import type {RunContext} from '../../runtime.js';
import type {TableRecord} from '../../store/reconcile.js';
import type {ResolvedTable} from './spec.js';
import type {ReconcileOptions, TableResult} from './types.js';

/**
 * What a run tells the monitoring: metrics pushed to the Pushgateway (job cdc_reconciliation,
 * grouping {table, shard}), a drift alert to Alertmanager above the table's threshold, and the sink
 * connector's consumer-group lag recorded with the run. None of it can fail the run: failures come
 * back as warnings.
 */
export const METRICS_JOB = 'cdc_reconciliation';
export const DRIFT_ALERT = 'CdcReconciliationDrift';

/** Total lag of the sink connector's consumer group (connect-<name>), or null when none is configured. */
export async function sinkLag(ctx: RunContext): Promise<string | null> {
  const sink = ctx.config.reconcile?.sinkConnector;
  if (!sink) return null;
  if (!ctx.config.kafka) throw new Error(`reconcile.sinkConnector is ${sink} but the context has no kafka section`);
  const group = `connect-${sink}`;
  const lag = withAdmin(ctx, (admin) => groupLag(admin, group));
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('Kafka did not answer within 10s')), 10_000).unref(),
  );
  const found = await Promise.race([lag, timeout]);
  // an unknown group has no offsets at all: a lag of 0 would say the sink is caught up
  if (found.partitions.length === 0)
    throw new Error(`consumer group ${group} has no committed offsets (is ${sink} the sink connector's name?)`);
  return found.total;
}

export function metricFamilies(result: TableResult | undefined, t: ResolvedTable, now: number): MetricFamily[] {
  const status = !result ? 'error' : result.status === 'clean' ? 'ok' : result.status === 'drift' ? 'drift' : 'error';
  const families: MetricFamily[] = [
    {
      name: 'cdc_reconciliation_jobs_completed_total',
      help: 'Reconciliation runs completed, by outcome (value of the last run pushed).',
      type: 'counter',
      samples: ['ok', 'drift', 'error'].map((s) => ({labels: {status: s}, value: s === status ? 1 : 0})),
    },
  ];
  if (!result) return families;
  families.push(
    {
      name: 'cdc_reconciliation_mismatches_total',
      help: 'Rows that differ between Cassandra and PostgreSQL after the recheck, by kind (last run).',
      type: 'counter',
      samples: [
        {labels: {kind: 'missing'}, value: result.missing},
        {labels: {kind: 'extra'}, value: result.extra},
        {labels: {kind: 'value'}, value: result.mismatched},
      ],
    },
    {
      name: 'cdc_reconciliation_duration_seconds',
      help: 'Wall time of the last reconciliation run of this table and shard.',
      type: 'gauge',
      samples: [{value: result.durationMs / 1000}],
    },
    {
      name: 'cdc_reconciliation_rows_scanned_total',
      help: 'Rows compared by the last run, by side.',
      type: 'counter',
      samples: [
        {labels: {side: 'cassandra'}, value: result.rowsCassandra},
        {labels: {side: 'postgres'}, value: result.rowsPostgres},
      ],
    },
    {
      name: 'cdc_reconciliation_drift_threshold',
      help: 'Configured drift threshold of the table (alert when mismatches exceed it).',
      type: 'gauge',
      samples: [{value: t.driftThreshold}],
    },
  );
  if (result.status === 'clean' || result.status === 'drift') {
    families.push({
      name: 'cdc_reconciliation_last_success_timestamp_seconds',
      help: 'Unix time of the last reconciliation run that completed (clean or with drift).',
      type: 'gauge',
      samples: [{value: Math.floor(now / 1000)}],
    });
  }
  return families;
}

/** What the drift alert judges: the table's figures over the whole run (every shard's). */
export interface RunDrift {
  missing: number;
  extra: number;
  mismatched: number;
  gaveUp: boolean;
}

/**
 * The table's drift over the whole run, once all its shards have finished (undefined before: the last
 * shard to finish decides the alert; a threshold per shard let N shards each stay under it while the
 * table as a whole was over).
 */
export function runDrift(shards: TableRecord[], count: number): RunDrift | undefined {
  const done = shards.filter((s) => s.status !== 'running' && s.status !== 'interrupted');
  if (done.length < count) return undefined;
  return {
    missing: done.reduce((n, s) => n + s.missing, 0),
    extra: done.reduce((n, s) => n + s.extra, 0),
    mismatched: done.reduce((n, s) => n + s.mismatched, 0),
    gaveUp: done.some((s) => s.status === 'gave_up'),
  };
}

/**
 * The drift alert for a finished run: firing when the run's drift is over the table's threshold (or
 * it gave up), else the same alert at both severities resolved now. A clean run ends an alert that an
 * earlier run raised instead of leaving it to Alertmanager's resolve_timeout.
 */
export function driftAlerts(
  t: Pick<ResolvedTable, 'name' | 'driftThreshold'>,
  totals: RunDrift,
  runId: string,
  shards: number,
  now: Date,
): AlertInput[] {
  const drift = totals.missing + totals.extra + totals.mismatched;
  const labels = (severity: string) => ({alertname: DRIFT_ALERT, table: t.name, severity});
  if (drift <= t.driftThreshold && !totals.gaveUp) {
    const endsAt = now.toISOString();
    return ['warning', 'critical'].map((severity) => ({
      labels: labels(severity),
      annotations: {run_id: runId},
      endsAt,
    }));
  }
  return [
    {
      labels: labels(totals.gaveUp ? 'critical' : 'warning'),
      annotations: {
        summary: totals.gaveUp
          ? `${t.name}: too much drift to reconcile row by row`
          : `${t.name}: ${drift} rows differ between Cassandra and PostgreSQL`,
        description: `missing ${totals.missing}, extra ${totals.extra}, value ${totals.mismatched} (threshold ${t.driftThreshold}${shards > 1 ? `, all ${shards} shards` : ''}); see \`cdcctl reconcile show ${runId}\``,
        run_id: runId,
      },
      startsAt: now.toISOString(),
    },
  ];
}

/**
 * Pushes the table's metrics (per shard), and posts the drift alert (driftAlerts) for `runTotals`: the
 * whole run's figures (runDrift), undefined while other shards still run (then no alert is posted).
 */
export async function publishTable(
  ctx: RunContext,
  opts: Pick<ReconcileOptions, 'push' | 'alert' | 'shard'>,
  t: ResolvedTable,
  result: TableResult | undefined,
  runId: string,
  runTotals?: RunDrift,
): Promise<string[]> {
  const warnings: string[] = [];
  const grouping = {table: t.name, shard: `${opts.shard.index}/${opts.shard.count}`};
  if (opts.push && ctx.config.pushgateway) {
    const pg = pushgatewayClient(ctx);
    try {
      const families = metricFamilies(result, t, Date.now());
      // a failed run adds its outcome without erasing the last success timestamp
      if (result) await pg.push(METRICS_JOB, grouping, families);
      else await pg.pushAdd(METRICS_JOB, grouping, families);
    } catch (err) {
      warnings.push(`metrics not pushed: ${(err as Error).message}`);
    } finally {
      await pg.close();
    }
  }
  if (opts.alert && ctx.config.alertmanager && runTotals) {
    const am = alertmanagerClient(ctx);
    try {
      await am.postAlerts(driftAlerts(t, runTotals, runId, opts.shard.count, new Date()));
    } catch (err) {
      warnings.push(`drift alert not posted: ${(err as Error).message}`);
    } finally {
      await am.close();
    }
  }
  return warnings;
}
