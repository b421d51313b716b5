import {connectClient} from '../../clients/factory.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {insertBackfill, updateBackfill} from '../../store/backfill.js';
import {runStore} from '../../store/index.js';
import {changeOffsets} from '../connectors/offsets.js';
import {newBackfillId} from './signals.js';
import type {ResnapshotResult} from './types.js';

/**
 * The heavy hammer: the connector starts over. Its offsets are reset with the guarded offsets
 * workflow (backup, stop, reset, verify, back to its previous state); a source connector whose
 * snapshot.mode snapshots when it has no offsets then re-reads every captured table and sends every
 * row again. Recorded in the store like every backfill.
 */
export function resnapshotWarnings(config: Record<string, string>): string[] {
  const cls = config['connector.class'] ?? '';
  const mode = (config['snapshot.mode'] ?? 'initial').toLowerCase();
  const w = [
    'every row of every captured table is read and sent again: the sink receives all of them a second time (harmless for upserts by key, duplicates for insert-only sinks)',
    'while the connector is stopped, changes wait in the source (PostgreSQL: WAL retained by the replication slot)',
  ];
  if (!['initial', 'always', 'when_needed', 'initial_only'].includes(mode))
    w.push(`snapshot.mode is "${mode}": the connector may not snapshot again after the reset`);
  if (cls.includes('cassandra'))
    w.push(
      'the Cassandra connector keeps its snapshot state in offset.backing.store.dir (snapshot_offset.properties), not only in Kafka Connect: remove the table there too, or use `cdcctl backfill start <table>` instead',
    );
  if (config['connector.class']?.includes('JdbcSink'))
    w.push('this is a sink: resetting its offsets makes it re-read its topics, it does not re-snapshot anything');
  return w;
}

export async function resnapshot(
  ctx: RunContext,
  connector: string,
  o: {dryRun: boolean; backupFile: string; waitMs: number},
): Promise<ResnapshotResult> {
  const connect = connectClient(ctx);
  let config: Record<string, string> | undefined;
  try {
    config = await connect.getConfig(connector);
  } finally {
    await connect.close();
  }
  if (!config) throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${connector}`);
  const warnings = resnapshotWarnings(config);
  const id = o.dryRun ? '' : newBackfillId();
  const store = o.dryRun ? undefined : await runStore(ctx);
  if (store)
    await insertBackfill(store, {
      id,
      context: ctx.contextName,
      kind: 'resnapshot',
      source: connector,
      tables: (config['table.include.list'] ?? '')
        .split(',')
        .filter(Boolean)
        .map((table) => ({table})),
      mode: 'resnapshot',
      actor: ctx.actor,
      status: 'running',
      options: {backupFile: o.backupFile},
    });
  try {
    const change = await changeOffsets(ctx, connector, {mode: 'reset'}, o);
    if (store) await updateBackfill(store, id, {status: 'completed', progress: {steps: change.steps}});
    return {
      id,
      kind: 'resnapshot',
      connector,
      dryRun: o.dryRun,
      steps: change.steps,
      backupFile: o.backupFile,
      warnings,
    };
  } catch (err) {
    if (store) await updateBackfill(store, id, {status: 'failed', error: (err as Error).message}).catch(() => {});
    throw err;
  }
}
