import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderJobs} from '../../output/jobs.js';
import {jobKinds, listJobs} from '../../services/jobs/index.js';
import type {JobList, JobState} from '../../services/jobs/types.js';
import {parseAuditTime} from '../../util/time.js';

export default class JobsList extends BaseCommand<typeof JobsList> {
  static override summary =
    'Work in flight and recent, across systems: Connect tasks, reconcile runs, erasures, replays, batches.';
  static override description = `One table of every kind of job the context has (${jobKinds()
    .map((k) => k.kind)
    .join(
      ', ',
    )}), running ones first, then newest first. STATE is one vocabulary for all kinds: running (a process works on it now), waiting (open, moved on by a resume or a timer), interrupted (stopped before its end, resumable), succeeded, failed, cancelled; STATUS (-o wide) is the kind's own word. A kind whose system cannot be reached is left out with a warning; the others are listed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --running',
    '<%= config.bin %> <%= command.id %> --failed --since 24h -o wide',
    '<%= config.bin %> <%= command.id %> --kind reconcile --kind batch --json',
  ];
  static override flags = {
    running: Flags.boolean({summary: 'Only jobs in flight (running or waiting).'}),
    failed: Flags.boolean({summary: 'Only failed or interrupted jobs.'}),
    since: Flags.string({
      summary: 'Only jobs started this long ago (24h, 7d) or since this date/time; in-flight ones always show.',
    }),
    kind: Flags.string({summary: 'Only this kind (repeatable).', multiple: true}),
    limit: integerFlag({summary: 'At most this many jobs of each kind.', default: 20, min: 1, max: 10_000}),
    output: outputFlag,
  };

  async run(): Promise<JobList> {
    const f = this.flags;
    const states: JobState[] = [
      ...(f.running ? (['running', 'waiting'] as const) : []),
      ...(f.failed ? (['failed', 'interrupted'] as const) : []),
    ];
    const list = await listJobs(await this.runContext(), {
      kinds: f.kind,
      states,
      since: f.since ? parseAuditTime(f.since, '--since') : undefined,
      limit: f.limit,
    });
    for (const w of list.warnings) this.log$.warn(`${w.kind}: ${w.message}`);
    return this.present(list, (wide) => renderJobs({...list, warnings: []}, wide));
  }
}
