import {type AlertInput, alertmanagerClient} from '../../clients/alertmanager.js';
import {type MetricFamily, pushgatewayClient} from '../../clients/pushgateway.js';
import type {RunContext} from '../../runtime.js';
import type {CheckResult, CheckStatus, QualityRunOptions, TableQuality} from './types.js';

/**
 * What a quality run tells the monitoring: per check (Pushgateway job cdc_quality, grouping {table,
 * check}, so that a run of some checks replaces only theirs),
 * `cdc_quality_check_status{table,check}` (0 pass, 1 warn, 2 fail, 3 error) and
 * `cdc_quality_metric{table,metric}`; and the CdcQualityRunFailed alert per table (with the run id and
 * the failing checks' reasons), posted to Alertmanager while a check fails and resolved by a run where
 * none does, like reconcile's drift alert. Prometheus's CdcQualityCheckFailed rule
 * (examples/stack/conf/rules.yml) fires per check from the pushed status, without cdcctl reaching
 * Alertmanager.
 * Failures come back as warnings: monitoring never fails the run.
 */
export const QUALITY_JOB = 'cdc_quality';
export const QUALITY_ALERT = 'CdcQualityRunFailed';
export const STATUS_VALUE: Record<CheckStatus, number> = {pass: 0, warn: 1, fail: 2, error: 3};

/** The metrics of one check (the grouping key adds its table and check labels). */
export function qualityFamilies(c: CheckResult, now: number): MetricFamily[] {
  return [
    {
      name: 'cdc_quality_check_status',
      help: 'Outcome of the last run of a data-quality check: 0 pass, 1 warn, 2 fail, 3 error.',
      type: 'gauge',
      samples: [{value: STATUS_VALUE[c.status]}],
    },
    {
      name: 'cdc_quality_metric',
      help: 'The value a data-quality check measured in its last run (rows, seconds, percent, …).',
      type: 'gauge',
      samples: c.metric === null ? [] : [{labels: {metric: c.check}, value: c.metric}],
    },
    {
      name: 'cdc_quality_last_run_timestamp_seconds',
      help: 'When the check last ran.',
      type: 'gauge',
      samples: [{value: Math.floor(now / 1000)}],
    },
  ];
}

export function qualityAlerts(t: TableQuality, runId: string, now: Date): AlertInput[] {
  const failing = t.checks.filter((c) => c.status === 'fail' || c.status === 'error');
  const labels = {alertname: QUALITY_ALERT, table: t.table, severity: 'warning'};
  if (failing.length === 0) return [{labels, annotations: {run_id: runId}, endsAt: now.toISOString()}];
  return [
    {
      labels,
      annotations: {
        summary: `${t.table}: ${failing.length} data-quality check(s) failing`,
        description: `${failing.map((c) => `${c.check} (${c.reasons[0] ?? c.status})`).join('; ')}; see \`cdcctl quality history --table ${t.table}\``,
        run_id: runId,
      },
      startsAt: now.toISOString(),
    },
  ];
}

export async function publishQuality(
  ctx: RunContext,
  runId: string,
  tables: TableQuality[],
  opts: Pick<QualityRunOptions, 'push' | 'alert'>,
  partial: Set<string> = new Set(),
): Promise<string[]> {
  const warnings: string[] = [];
  if (opts.push && ctx.config.pushgateway) {
    const pg = pushgatewayClient(ctx);
    try {
      const now = Date.now();
      for (const t of tables)
        for (const c of t.checks) await pg.push(QUALITY_JOB, {table: t.table, check: c.check}, qualityFamilies(c, now));
    } catch (err) {
      warnings.push(`metrics not pushed: ${(err as Error).message}`);
    } finally {
      await pg.close();
    }
  }
  if (opts.alert && ctx.config.alertmanager) {
    const am = alertmanagerClient(ctx);
    try {
      // a run of some of a table's checks may raise its alert, never resolve it
      const alerts = tables.flatMap((t) =>
        qualityAlerts(t, runId, new Date()).filter((a) => !partial.has(t.table) || a.endsAt === undefined),
      );
      if (alerts.length) await am.postAlerts(alerts);
    } catch (err) {
      warnings.push(`quality alert not posted: ${(err as Error).message}`);
    } finally {
      await am.close();
    }
  }
  return warnings;
}
