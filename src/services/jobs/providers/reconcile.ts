import {cancelRequest, requestCancel} from '../../../store/jobs.js';
import {getRun, listRuns, listTables, type RunRecord, type TableRecord} from '../../../store/reconcile.js';
import {registerJobProvider} from '../registry.js';
import type {Job, JobState} from '../types.js';

/** Reconcile runs: cancellable (the run stops after its next finished token split, and resumes from there). */

const stateOf = (s: RunRecord['status']): JobState =>
  s === 'running'
    ? 'running'
    : s === 'interrupted' || s === 'partial'
      ? 'interrupted'
      : s === 'error'
        ? 'failed'
        : 'succeeded';

function progressOf(tables: TableRecord[]): string | null {
  if (tables.length === 0) return null;
  const splits = tables.reduce((n, t) => n + t.splits, 0);
  const done = tables.reduce(
    (n, t) => n + (t.status === 'clean' || t.status === 'drift' ? t.splits : t.splitsDone.length),
    0,
  );
  return `${done}/${splits} splits`;
}

function runJob(r: RunRecord, tables: TableRecord[] | undefined): Job {
  const state = stateOf(r.status);
  const started = Date.parse(r.startedAt);
  return {
    id: `reconcile:${r.runId}`,
    kind: 'reconcile',
    target: r.tables.join(',') || ((r.options.tables as string[] | undefined) ?? []).join(','),
    state,
    status: r.status,
    progress: tables ? progressOf(tables) : null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.finishedAt ? Date.parse(r.finishedAt) - started : state === 'running' ? Date.now() - started : null,
    actor: r.actor,
    cancellable: state === 'running',
    resume: state === 'interrupted' || state === 'failed' ? `cdcctl reconcile --resume ${r.runId}` : null,
  };
}

registerJobProvider({
  kind: 'reconcile',
  summary: 'a reconcile run (cancellable: stops after its next token split, resumable with --resume)',
  available: (ctx) => Boolean(ctx.config.postgres),
  async list(scope, q) {
    const store = await scope.store();
    const runs = await listRuns(store, {context: scope.ctx.contextName, limit: q.limit});
    const out: Job[] = [];
    for (const r of runs) {
      if (q.since && Date.parse(r.startedAt) < q.since.getTime() && r.status !== 'running') continue;
      out.push(runJob(r, r.status === 'running' ? await listTables(store, r.runId) : undefined));
    }
    return out;
  },
  async get(scope, localId) {
    const store = await scope.store();
    const run = await getRun(store, localId);
    if (!run || run.context !== scope.ctx.contextName) return undefined;
    const tables = await listTables(store, run.runId);
    return {
      ...runJob(run, tables),
      details: {run, tables},
      cancellation: (await cancelRequest(store, 'reconcile', run.runId)) ?? null,
    };
  },
  async cancel(scope, job, reason) {
    const store = await scope.store();
    const {request} = await requestCancel(store, {
      kind: 'reconcile',
      jobId: job.id.slice('reconcile:'.length),
      context: scope.ctx.contextName,
      actor: scope.ctx.actor,
      reason,
    });
    return request;
  },
});
