import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {openStore} from '../../store/index.js';
import {
  getRun,
  latestRunId,
  listMismatches,
  listRuns,
  listTables,
  type MismatchRecord,
  type RunRecord,
  type TableRecord,
} from '../../store/reconcile.js';
import {storedTableName} from './spec.js';

/** Reading stored reconciliation results: `reconcile history` and `reconcile show`. */

export async function history(
  ctx: RunContext,
  filter: {table?: string; limit: number; all?: boolean},
): Promise<RunRecord[]> {
  const store = await openStore(ctx);
  try {
    return await listRuns(store, {
      context: filter.all ? undefined : ctx.contextName,
      table: storedTableName(ctx.config.reconcile?.tables, filter.table),
      limit: filter.limit,
    });
  } finally {
    await store.close();
  }
}

export interface RunDetails {
  run: RunRecord;
  tables: TableRecord[];
  mismatches: MismatchRecord[];
}

export async function showRun(
  ctx: RunContext,
  runId: string,
  filter: {table?: string; kind?: string; limit?: number} = {},
): Promise<RunDetails> {
  const store = await openStore(ctx);
  try {
    const id = runId === 'latest' ? await latestRunId(store, ctx.contextName) : runId;
    const run = id ? await getRun(store, id) : undefined;
    if (!id || !run) {
      throw new UsageError(`no reconcile run "${runId}"`, {hint: 'List runs with `cdcctl reconcile history`.'});
    }
    const table = storedTableName(ctx.config.reconcile?.tables, filter.table);
    const tables = (await listTables(store, id)).filter((t) => table === undefined || t.table === table);
    return {run, tables, mismatches: await listMismatches(store, id, {...filter, table})};
  } finally {
    await store.close();
  }
}
