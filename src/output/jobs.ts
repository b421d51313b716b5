import type {CancelResult, Job, JobDetail, JobList} from '../services/jobs/types.js';
import {color, renderTable, renderYaml} from './render.js';

/** Rendering of `cdcctl jobs`: one table across kinds, a job's detail, a cancellation. */

const paint = (s: string) => {
  const c = color();
  if (s === 'running') return c.green(s);
  if (s === 'failed') return c.red(s);
  if (s === 'interrupted' || s === 'waiting' || s === 'cancelled') return c.yellow(s);
  return s;
};

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

const when = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');

export function renderJobs(list: JobList, wide: boolean): string {
  const lines: string[] = [];
  if (list.jobs.length === 0) lines.push('No jobs.');
  else
    lines.push(
      renderTable<Job>(
        list.jobs,
        [
          {header: 'ID', value: (j) => j.id},
          {header: 'KIND', value: (j) => j.kind},
          {header: 'TARGET', value: (j) => (wide || j.target.length <= 48 ? j.target : `${j.target.slice(0, 47)}…`)},
          {header: 'STATE', value: (j) => j.state, paint},
          {header: 'STATUS', value: (j) => j.status, wide: true},
          {header: 'PROGRESS', value: (j) => j.progress ?? '-'},
          {header: 'STARTED', value: (j) => when(j.startedAt)},
          {header: 'DURATION', value: (j) => duration(j.durationMs)},
          {header: 'ACTOR', value: (j) => j.actor ?? '-'},
          {header: 'RESUME', value: (j) => j.resume ?? '-', wide: true},
        ],
        wide,
      ),
    );
  for (const w of list.warnings) lines.push(`Warning: ${w.kind}: ${w.message}`);
  return lines.join('\n');
}

export function renderJob(j: JobDetail): string {
  const head = [
    `Job:        ${j.id}`,
    `Kind:       ${j.kind}`,
    `Target:     ${j.target}`,
    `State:      ${paint(j.state)} (${j.status})`,
    `Progress:   ${j.progress ?? '-'}`,
    `Started:    ${when(j.startedAt)}`,
    `Finished:   ${when(j.finishedAt)}`,
    `Duration:   ${duration(j.durationMs)}`,
    `Actor:      ${j.actor ?? '-'}`,
    `Cancel:     ${j.cancellable ? `yes (cdcctl jobs cancel ${j.id})` : 'no'}`,
    ...(j.cancellation
      ? [
          `Cancelled:  requested by ${j.cancellation.requestedBy} at ${when(j.cancellation.requestedAt)}${j.cancellation.seenAt ? `, obeyed at ${when(j.cancellation.seenAt)}` : ', not yet seen by the job'}`,
        ]
      : []),
    ...(j.resume ? [`Resume:     ${j.resume}`] : []),
  ];
  return `${head.join('\n')}\n\nDetails:\n${renderYaml(j.details)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

export function renderCancel(r: CancelResult): string {
  const first = r.requested
    ? `Cancellation of ${r.job.id} requested by ${r.request.requestedBy}.`
    : `Cancellation of ${r.job.id} was already requested by ${r.request.requestedBy} at ${when(r.request.requestedAt)}.`;
  return `${first}\n${r.note}`;
}
