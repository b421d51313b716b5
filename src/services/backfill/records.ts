import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {type BackfillRecord, doneSplits, getBackfill, listBackfills} from '../../store/backfill.js';
import {runStore} from '../../store/index.js';
import type {BackfillDetails} from './types.js';

/** `backfill list` and `backfill status <id>`: what the store recorded. */
export async function listRecorded(
  ctx: RunContext,
  o: {source?: string; status?: string; limit: number},
): Promise<BackfillRecord[]> {
  return listBackfills(await runStore(ctx), ctx.contextName, o);
}

export async function recorded(ctx: RunContext, id: string): Promise<BackfillDetails> {
  const store = await runStore(ctx);
  const backfill = await findBackfill(ctx, id);
  const out: BackfillDetails = {backfill};
  if (backfill.kind === 'cassandra') out.splitsDone = (await doneSplits(store, backfill.id)).size;
  return out;
}

/** A backfill of this context by id ("latest": the newest one). */
export async function findBackfill(ctx: RunContext, id: string): Promise<BackfillRecord> {
  const store = await runStore(ctx);
  const b =
    id === 'latest' ? (await listBackfills(store, ctx.contextName, {limit: 1}))[0] : await getBackfill(store, id);
  if (!b || b.context !== ctx.contextName)
    throw new UsageError(`no backfill "${id}" in context "${ctx.contextName}"`, {
      hint: 'List them with `cdcctl backfill list`.',
    });
  return b;
}

/** Whether `name` looks like a backfill id (bf-…) rather than a connector or table. */
export function isBackfillId(name: string): boolean {
  return /^bf-\d{8}-\d{6}-[0-9a-f]{6}$/.test(name);
}
