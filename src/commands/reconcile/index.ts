import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {
  durationOrOffFlag,
  fractionFlag,
  integerFlag,
  outputFlag,
  timerFlag,
  timerOrOffFlag,
} from '../../cli/flags/common.js';
import {ExitCode, UsageError} from '../../errors.js';
import {createLogger} from '../../log.js';
import {progressPrinter, renderRunResult} from '../../output/reconcile.js';
import {reconcile} from '../../services/reconcile/engine.js';
import {checkRunId} from '../../services/reconcile/runs.js';
import type {ReconcileResult} from '../../services/reconcile/types.js';

export default class Reconcile extends BaseCommand<typeof Reconcile> {
  static override summary =
    'Compare Cassandra tables with their PostgreSQL replicas: missing, extra and differing rows.';
  static override description = withExitCodes(
    `Table pairs come from the context's reconcile.tables. Both sides are reduced to per-bucket checksums
(PostgreSQL in one server-side query, Cassandra in one parallel token-range scan); only differing buckets
are drilled into, only their keys are read for a column-level diff, and differences are reported only if
they persist after --recheck-after. Results are stored (reconcile history / show / repair), metrics are
pushed to the Pushgateway and a drift alert is posted to Alertmanager above the table's threshold.

Exit 0: no drift. Exit 3: drift found (or too much to drill into: re-snapshot). Exit 4: unreachable.
Exit 5: another run holds one of the tables (nothing was done: runs of a table never overlap).`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --table demo.accounts --min-age 5m --recheck-after 30s',
    '<%= config.bin %> <%= command.id %> --shard $JOB_COMPLETION_INDEX/8 --run-id $RUN_ID --quiet --log-format json',
    '<%= config.bin %> <%= command.id %> --resume rc-20260101-030000-a1b2c3',
  ];

  static override flags = {
    table: Flags.string({
      char: 't',
      summary: 'Table pair to check (name or keyspace.table); repeatable. Default: all.',
      multiple: true,
    }),
    'min-age': durationOrOffFlag({
      summary: "Leave out rows written more recently than this (0 = none; default: the table's minAge).",
    }),
    'recheck-after': timerOrOffFlag({
      summary: 'Re-read differing rows after this delay; report only those still different (0 = off).',
      default: 5000,
    }),
    'max-diff-ratio': fractionFlag({
      summary: 'Give up (and recommend a re-snapshot) when this fraction of rows differs.',
      default: 0.1,
    }),
    resume: Flags.string({summary: 'Resume an interrupted run: finished token splits are skipped.'}),
    'run-id': Flags.string({summary: 'Run id to use (shards of one Indexed Job share it). Default: generated.'}),
    shard: Flags.custom<{index: number; count: number}>({
      parse: async (input) => parseShard(input),
      summary: 'Do shard i of N (e.g. 0/4): every N-th token split of Cassandra, and a block of the buckets.',
      description:
        'Shard i reads only the token splits whose number is i modulo N, so the Cassandra read divides by N, and compares and drills into its own block of the buckets. The shards of a run (same --run-id) meet twice in the store: when all have saved their scan, and when all have published the keys the other shards need for their drill-down — so they are meant to run at the same time (Indexed Job: parallelism = completions). A running shard is waited for however long it takes; one that has not been running for --shard-timeout has its token splits read by the waiting shard itself (the cost of an unsharded run), which says so in its warnings.',
      default: {index: 0, count: 1},
      defaultHelp: async () => '0/1',
    })(),
    'shard-timeout': timerFlag({
      summary:
        'How long a shard waits for other shards of its run that are not running before reading their part itself (default 10m).',
    }),
    buckets: integerFlag({
      summary:
        'Buckets per table (power of two; default reconcile.buckets, or by table size: 65536 up to 2M rows, then one per ~32 rows, at most 2^20).',
      min: 16,
      max: 1_048_576,
    }),
    splits: integerFlag({
      summary: 'Token splits of the Cassandra scan (default: ~1 per 25,000 rows, ≥ 4 per worker).',
      min: 1,
    }),
    // each worker holds a Cassandra session and its spill buffers: a typo such as 1000 exhausted the heap
    workers: integerFlag({summary: 'Scan worker threads (default: CPUs, at most 8).', min: 1, max: 64}),
    'fetch-size': integerFlag({
      summary:
        "Cassandra page size in rows (default: pages of about 2 MiB by the table's row width, at most 10,000 rows).",
      min: 1,
      max: 100_000,
    }),
    'rate-limit': integerFlag({summary: 'Global Cassandra read limit in rows per second.', min: 1}),
    consistency: Flags.option({
      summary: 'Cassandra read consistency (ALL for an authoritative diff).',
      options: ['ONE', 'LOCAL_ONE', 'LOCAL_QUORUM', 'QUORUM', 'ALL'] as const,
      default: 'LOCAL_QUORUM',
    })(),
    'spill-dir': Flags.string({summary: 'Directory for per-split key spill files (default: the system temp dir).'}),
    push: Flags.boolean({summary: 'Push metrics to the Pushgateway (when configured).', default: true, allowNo: true}),
    alert: Flags.boolean({
      summary: 'Post a drift alert to Alertmanager (when configured).',
      default: true,
      allowNo: true,
    }),
    sample: fractionFlag({
      summary: 'Quick estimate from this fraction of the data (e.g. 0.01); differences are not listed.',
      exclusive: ['resume'],
    }),
    quiet: Flags.boolean({char: 'q', summary: 'No progress and no informational logs; errors and the result only.'}),
    output: outputFlag,
  };

  async run(): Promise<ReconcileResult> {
    const f = this.flags;
    if (f.quiet) this.log$ = createLogger({format: f['log-format'], verbose: f.verbose, quiet: true});
    const shard = f.shard;
    if (f['run-id'] !== undefined) checkRunId(f['run-id'], '--run-id');
    if (f.resume !== undefined) checkRunId(f.resume, '--resume');
    const maxDiffRatio = f['max-diff-ratio'];
    const sample = f.sample;
    // --sample with --resume is refused by the parser (declared); a shard count is a value, checked here
    if (sample !== undefined && shard.count > 1) throw new UsageError('--sample cannot be combined with --shard');
    const ctx = {...(await this.runContext()), log: this.log$};
    const tty = !f.quiet && !this.jsonEnabled() && process.stderr.isTTY === true;
    const progress = progressPrinter(tty);
    let phase = '';
    const result = await reconcile(
      ctx,
      {
        tables: f.table ?? [],
        runId: f['run-id'],
        resume: f.resume,
        shard,
        minAgeMs: f['min-age'],
        recheckAfterMs: f['recheck-after'],
        maxDiffRatio,
        buckets: f.buckets,
        splits: f.splits,
        workers: f.workers,
        fetchSize: f['fetch-size'],
        rateLimit: f['rate-limit'],
        spillDir: f['spill-dir'],
        consistency: f.consistency,
        push: f.push,
        alert: f.alert,
        sample,
        shardTimeoutMs: f['shard-timeout'],
      },
      {
        onProgress: (p) => {
          progress.update(p);
          // without a terminal: one log line per phase instead of a progress bar
          if (!tty && `${p.table}:${p.phase}` !== phase) {
            phase = `${p.table}:${p.phase}`;
            if (p.phase === 'scan') this.log$.info(`${p.table}: scanning Cassandra (~${Math.round(p.expected)} rows)`);
            else if (p.phase === 'drill') this.log$.info(`${p.table}: drilling into differing buckets`);
            else this.log$.info(`${p.table}: re-checking ${p.expected} differing rows after ${f['recheck-after']} ms`);
          }
        },
      },
    ).finally(() => progress.done());
    for (const t of result.tables) {
      for (const w of t.warnings) this.log$.warn(`${t.table}: ${w}`);
      // one structured line per table for log collectors (the result itself goes to stdout)
      if (f['log-format'] === 'json')
        this.log$.info(`${t.table} shard ${t.shard}: ${t.status}`, {
          run: result.runId,
          table: t.table,
          status: t.status,
          missing: t.missing,
          extra: t.extra,
          value: t.mismatched,
          rows: t.rowsCassandra,
          durationMs: t.durationMs,
        });
    }
    if (result.status !== 'clean') this.exitWith(ExitCode.notOk);
    return this.present(result, (wide) => renderRunResult(result, wide));
  }
}

export function parseShard(text: string): {index: number; count: number} {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new UsageError(`"${text}" is not a shard i/N`, {hint: 'Use i/N with 0 ≤ i < N, e.g. 0/4.'});
  return {index, count};
}
