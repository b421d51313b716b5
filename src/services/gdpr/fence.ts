import {pgError} from '../../clients/postgres.js';
import type {RunContext} from '../../runtime.js';
import {openStore} from '../../store/index.js';
import {subjectMap} from './config.js';
import {fenceInstalled, fenceTriggerSql} from './postgres-store.js';

/**
 * The erasure fence: a BEFORE INSERT OR UPDATE trigger on each PostgreSQL subject table that drops
 * writes of fenced (erased) subjects, so that a late CDC upsert, a DLQ replay or a connector
 * restart cannot bring an erased subject back. Fence entries are sha256 hashes of the subject key,
 * written by `gdpr erase` in the same transaction as the delete and lifted by a restore.
 */
export interface FenceResult {
  dryRun: boolean;
  tables: Array<{
    table: string;
    installed: boolean;
    action: 'installed' | 'already installed' | 'would install';
    sql: string;
  }>;
}

export async function installFence(ctx: RunContext, o: {dryRun: boolean}): Promise<FenceResult> {
  const map = subjectMap(ctx);
  const store = await openStore(ctx, {boundStatements: true});
  try {
    const tables: FenceResult['tables'] = [];
    for (const t of map.postgres) {
      const sql = fenceTriggerSql(store.schema, t);
      const had = await fenceInstalled(store.pool, t);
      if (!o.dryRun) {
        await store.pool.query(sql).catch((e) => {
          throw pgError(e, store.target, `installing the fence trigger on ${t.schema}.${t.table}`);
        });
      }
      tables.push({
        table: `${t.schema}.${t.table}`,
        installed: o.dryRun ? had : true,
        action: had ? 'already installed' : o.dryRun ? 'would install' : 'installed',
        sql,
      });
    }
    return {dryRun: o.dryRun, tables};
  } finally {
    await store.close();
  }
}
