import {connectClient} from '../../clients/factory.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {mapSettled} from '../../util/concurrency.js';
import {describeFailure} from './trace.js';

/** A connector's tasks: state, worker, root cause, and restarting them one by one or all failed. */

export interface TaskRow {
  connector: string;
  id: number;
  state: string;
  workerId: string;
  cause?: string;
  /** Task config, secrets redacted — only with `withConfig`. */
  config?: Record<string, string>;
}

export async function listTasks(ctx: RunContext, name: string): Promise<TaskRow[]> {
  const connect = connectClient(ctx);
  try {
    const status = await connect.status(name);
    return status.tasks.map((t) => ({
      connector: name,
      id: t.id,
      state: t.state,
      workerId: t.worker_id,
      cause: describeFailure(t.trace),
    }));
  } finally {
    await connect.close();
  }
}

export interface TaskRestart {
  connector: string;
  id: number;
  before: string;
  outcome: 'done' | 'failed' | 'skipped';
  message?: string;
}

/** Restarts the given task ids, or every FAILED task when `ids` is "failed". */
export async function restartTasks(
  ctx: RunContext,
  name: string,
  ids: number[] | 'failed',
  dryRun: boolean,
): Promise<TaskRestart[]> {
  const connect = connectClient(ctx);
  try {
    const status = await connect.status(name);
    const byId = new Map(status.tasks.map((t) => [t.id, t.state]));
    const chosen = ids === 'failed' ? status.tasks.filter((t) => t.state === 'FAILED').map((t) => t.id) : ids;
    for (const id of chosen) {
      if (!byId.has(id)) {
        throw new CdcError('NOT_FOUND', ExitCode.usage, `connector ${name} has no task ${id}`, {
          hint: `Its tasks: ${[...byId.keys()].join(', ') || 'none'}.`,
        });
      }
    }
    const settled = await mapSettled(chosen, 4, async (id) => {
      if (!dryRun) await connect.restartTask(name, id);
    });
    return chosen.map((id, i) => {
      const s = settled[i]!;
      const base = {connector: name, id, before: byId.get(id) ?? 'UNKNOWN'};
      if (dryRun) return {...base, outcome: 'skipped', message: 'would restart'};
      return s.ok ? {...base, outcome: 'done'} : {...base, outcome: 'failed', message: (s.error as Error).message};
    });
  } finally {
    await connect.close();
  }
}
