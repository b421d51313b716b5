import {connectClient} from '../../../clients/factory.js';
import {ServiceError} from '../../../errors.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobDetail, JobState} from '../types.js';

/**
 * Kafka Connect tasks: each task of each connector is a job that runs until stopped. They are not
 * cancelled through the store (Connect has its own controls: pause, stop, restart).
 */

const state = (s: string): JobState =>
  s === 'RUNNING' ? 'running' : s === 'FAILED' ? 'failed' : s === 'STOPPED' ? 'cancelled' : 'waiting';

function taskJob(connector: string, task: {id: number; state: string; worker_id: string}): Job {
  return {
    id: `connect-task:${connector}/${task.id}`,
    kind: 'connect-task',
    target: `${connector}/${task.id} on ${task.worker_id}`,
    state: state(task.state),
    status: task.state,
    progress: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    actor: null,
    cancellable: false,
    resume: task.state === 'FAILED' ? `cdcctl connectors restart ${connector} --include-tasks --only-failed` : null,
  };
}

registerJobProvider({
  kind: 'connect-task',
  summary: 'a Kafka Connect task (always current: Connect keeps no history)',
  available: (ctx) => Boolean(ctx.config.connect),
  notCancellable:
    'a Connect task is controlled through Connect: `cdcctl connectors pause|stop <connector>` (resume with `connectors resume`).',
  async list(scope) {
    const expanded = await connectClient(scope.ctx).listExpanded({info: false});
    const jobs: Job[] = [];
    for (const [name, c] of Object.entries(expanded).sort(([a], [b]) => a.localeCompare(b))) {
      for (const t of c.status?.tasks ?? []) jobs.push(taskJob(name, t));
    }
    return jobs;
  },
  async get(scope, localId) {
    const m = /^(.+)\/(\d+)$/.exec(localId);
    if (!m) return undefined;
    const [, connector = '', n] = m;
    // a connector Connect does not know is no job; Connect unreachable or answering garbage is the error
    const status = await connectClient(scope.ctx)
      .status(connector)
      .catch((err: unknown) => {
        if (err instanceof ServiceError && err.status === 404) return undefined;
        throw err;
      });
    const task = status?.tasks.find((t) => t.id === Number(n));
    if (!status || !task) return undefined;
    const detail: JobDetail = {
      ...taskJob(connector, task),
      details: {connector: status.connector, type: status.type, task},
      cancellation: null,
    };
    return detail;
  },
});
