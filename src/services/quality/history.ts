import type {RunContext} from '../../runtime.js';
import {openStore} from '../../store/index.js';
import {
  type CheckStatus,
  listResults,
  listRuns,
  type QualityResultRecord,
  type QualityRunRecord,
} from '../../store/quality.js';

/** Reading stored quality results: `quality history` and `quality report`. */

export interface CheckSeries {
  table: string;
  check: string;
  type: string;
  /** Oldest first, one point per run that ran the check. */
  points: Array<{runId: string; at: string; metric: number | null; status: CheckStatus}>;
  latest: QualityResultRecord;
}

export interface QualityHistory {
  context: string;
  runs: QualityRunRecord[];
  series: CheckSeries[];
}

export async function qualityHistory(
  ctx: RunContext,
  filter: {table?: string; check?: string; runs: number},
): Promise<QualityHistory> {
  const store = await openStore(ctx);
  try {
    const [runs, results] = await Promise.all([
      listRuns(store, {context: ctx.contextName, limit: filter.runs, table: filter.table, check: filter.check}),
      listResults(store, {context: ctx.contextName, runs: filter.runs, table: filter.table, check: filter.check}),
    ]);
    const byKey = new Map<string, CheckSeries>();
    for (const r of results) {
      const key = `${r.table}\u0000${r.check}`;
      let s = byKey.get(key);
      if (!s) {
        s = {table: r.table, check: r.check, type: r.type, points: [], latest: r};
        byKey.set(key, s);
      }
      s.points.push({runId: r.runId, at: r.checkedAt, metric: r.metric, status: r.status});
      s.latest = r;
    }
    const series = [...byKey.values()].sort((a, b) => a.table.localeCompare(b.table) || a.check.localeCompare(b.check));
    return {context: ctx.contextName, runs, series};
  } finally {
    await store.close();
  }
}
