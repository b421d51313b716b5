import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag, isNarrowed} from '../../cli/flags/dlq.js';
import {ExitCode, UsageError} from '../../errors.js';
import {progressLine, renderPlan, renderReplay} from '../../output/dlq.js';
import {
  DEFAULT_REPLAY_BATCH,
  planReplay,
  type ReplayPlan,
  type ReplayResult,
  runReplay,
} from '../../services/dlq/replay.js';

export default class DlqReplay extends BaseCommand<typeof DlqReplay> {
  static override summary = 'Send dead-letter records back to their original topic (or --to-topic), each once.';
  static override description = withExitCodes(
    `Produces each record's original key, value and non-error headers (plus cdcctl.replay.run, cdcctl.replay.record and cdcctl.replay.source) with an idempotent, acks=all producer, to its original topic and partition, or to --to-topic. Each record is journalled as "replaying" with the run id before it is sent and marked "replayed" once the broker acknowledged it; a record already replayed is not selected again unless --force.

If the command is killed, resume with the same --run-id: it waits for the dead process's last send to settle, looks in the target topic for records the run wrote but had not marked, marks those, and sends only the rest. A completed run has written every selected record exactly once. Ctrl-C stops after the current batch (resume later the same way).

With --from-topic (no store) there is no journal: every run sends what it selects.

Named ids that no record has are listed: exit 2 when none exists (nothing is sent), 5 when some do (those are replayed).`,
  );
  static override mutating = true;
  static override strict = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 17 18 19',
    '<%= config.bin %> <%= command.id %> --connector orders-sink --stage TASK_PUT --dry-run',
    '<%= config.bin %> <%= command.id %> --connector orders-sink --rate 500 --yes',
    '<%= config.bin %> <%= command.id %> --run-id r20261127034500-1a2b3c --yes   # resume',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders 0:42 --to-topic orders-retry --yes',
  ];
  static override args = {ids: Args.string({description: 'Record ids (any number); or select with the filter flags.'})};
  static override flags = {
    output: outputFlag,
    ...dlqFilterFlags,
    ...fromTopicFlag,
    all: Flags.boolean({summary: 'Replay every eligible record (required when no id or filter is given).'}),
    'to-topic': Flags.string({summary: "Send to this topic instead of each record's original topic."}),
    'run-id': Flags.string({summary: 'Name the run, or resume an interrupted one.'}),
    force: Flags.boolean({summary: 'Also replay records that were already replayed (by other runs).'}),
    rate: integerFlag({summary: 'At most this many records per second.', min: 1}),
    'batch-size': integerFlag({
      summary: 'Records per produce request and journal step.',
      default: DEFAULT_REPLAY_BATCH,
      min: 1,
      max: 50_000,
    }),
    settle: integerFlag({
      summary: "Seconds to wait after an interrupted run's last progress before resuming it.",
      default: 5,
      min: 0,
    }),
    ...mutationFlags,
  };

  async run(): Promise<ReplayPlan | ReplayResult> {
    const ctx = await this.runContext();
    const filter = dlqFilterOf(this.flags, this.rest);
    const resuming = Boolean(this.flags['run-id']);
    if (!isNarrowed(filter) && !this.flags.all && !resuming) {
      throw new UsageError('name the records to replay', {
        hint: 'Give ids, filter flags (--connector, --stage …) or --all; resume a run with --run-id.',
      });
    }
    const req = {
      filter,
      runId: this.flags['run-id'],
      toTopic: this.flags['to-topic'],
      force: Boolean(this.flags.force),
      rate: this.flags.rate,
      batchSize: this.flags['batch-size'],
      settleMs: this.flags.settle * 1000,
      fromTopic: this.flags['from-topic'],
    };
    const plan = await planReplay(ctx, req);
    if (plan.notFound.length > 0) this.exitWith(ExitCode.partial); // some named ids do not exist (none: exit 2 above)
    if (this.flags['dry-run']) return this.present(plan, () => renderPlan(plan, true));
    if (plan.eligible + plan.inDoubt === 0) {
      return this.present(plan, () => `${renderPlan(plan, true)}\nNothing to replay.`);
    }
    if (!this.jsonEnabled()) process.stderr.write(`${renderPlan(plan, false)}\n`);
    await this.confirm(`Replay ${plan.eligible + plan.inDoubt} record(s)?`);
    const signal = this.stopSignal(() => process.stderr.write('\nStopping after the current batch…\n'));
    const tty = Boolean(process.stderr.isTTY);
    const t0 = Date.now();
    let lastLine = 0;
    const result = await runReplay(ctx, plan, req, {
      signal,
      onProgress: (done, total) => {
        if (tty) process.stderr.write(progressLine('replay', done, total, t0));
        else if (Date.now() - lastLine > 5000 || done === total) {
          lastLine = Date.now();
          this.log$.info(`replay ${plan.runId}: ${done}/${total}`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    if (result.state === 'interrupted') this.exitWith(ExitCode.interrupted);
    return this.present(result, () => renderReplay(result));
  }
}
