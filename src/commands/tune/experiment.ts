import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {confirmBeforeWrite} from '../../cli/confirm-write.js';
import {mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {windowSeconds} from '../../cli/flags/tune.js';
import {renderExperiment} from '../../output/tune.js';
import {parsePatch} from '../../services/connectors/patch.js';
import {experimentExitCode, runExperiment, settleMs} from '../../services/tune/experiment.js';
import type {ExperimentResult} from '../../services/tune/types.js';

export default class TuneExperiment extends BaseCommand<typeof TuneExperiment> {
  static override summary = 'A/B-test connector settings: measure A, apply B, measure B, keep it or roll it back.';
  static override description = withExitCodes(
    'The change (B) is validated and diffed against the live config (A) and confirmed first (--yes without a ' +
      'terminal). Then A is measured for --duration, B is written (a new config version), its tasks restart and ' +
      'settle (a quarter of the duration, 5–30 s), B is measured for --duration, and the two are compared like ' +
      '`tune baseline compare` (throughput first, then latency and lag; ±5 % is "same"). A worse B is undone by the ' +
      "config history's rollback to A's version; a better or same one is kept. The run is a job (`cdcctl jobs`): " +
      '`jobs cancel tune-experiment:<id>` or Ctrl-C stops it and rolls B back if it was written. The figures need load: ' +
      'measure while the pipeline is busy. Exit 0 when B is kept, 3 when it was rolled back.',
  );
  static override mutating = true;
  static override permission = 'connectors:write';
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {
    set: Flags.string({summary: 'key=value of B (repeatable).', multiple: true, required: true}),
    duration: Flags.string({summary: 'How long each side is measured (5s–24h).', default: '10m'}),
    ...mutationFlags,
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --set batch.size=1000 --duration 10m --dry-run',
    '<%= config.bin %> <%= command.id %> inventory-sink --set consumer.override.max.poll.records=1000 --duration 10s --yes',
  ];

  async run(): Promise<ExperimentResult> {
    const durationMs = windowSeconds(this.flags.duration, '--duration') * 1000;
    const patch = parsePatch(this.flags.set, []);
    const ctx = await this.runContext();
    const signal = this.stopSignal(() =>
      process.stderr.write('\nStopping the experiment (B is rolled back if written); Ctrl-C again to exit at once.\n'),
    );
    const total = Math.round((2 * durationMs + settleMs(durationMs)) / 1000);
    const result = await runExperiment(ctx, this.args.connector, patch, {
      durationMs,
      dryRun: this.flags['dry-run'],
      signal,
      progress: (line) => this.log$.info(line),
      beforeWrite: confirmBeforeWrite(
        (q) => this.confirm(q),
        () =>
          `run an experiment on ${this.args.connector} (about ${total} s): apply this change, keep it only if it is not worse?`,
      ),
    });
    this.exitWith(experimentExitCode(result));
    return this.present(result, () => renderExperiment(result));
  }
}
