import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderStatus} from '../../output/pipeline.js';
import {stdoutStream} from '../../output/stream.js';
import {pipelineStatus, type PipelineStatus as StatusReport, verdictExitCode} from '../../services/pipeline/status.js';
import {parseTimerDuration} from '../../util/time.js';

export default class PipelineStatus extends BaseCommand<typeof PipelineStatus> {
  static override summary = 'One verdict for the whole pipeline: workers, connectors and tasks.';
  static override description = withExitCodes(
    'Checks every Kafka Connect worker (version and /health), every connector and task (failed ones with the root ' +
      'cause taken from the stack trace), Kafka (reachability, brokers, each sink connector’s consumer lag), the ' +
      'Debezium health endpoints of the context (debezium.health, with Debezium Server’s named checks), the databases ' +
      '(postgres, cassandra), and — with debezium.cassandra — the Cassandra CDC state that breaks a pipeline silently: ' +
      'cdc_enabled, the cdc flag of every captured table, cdc_raw usage against cdc_total_space (full: Cassandra refuses ' +
      'writes to CDC tables), unprocessed segments and the connector’s lag (cdc_raw and the offsets file are read where ' +
      'they are on this machine; elsewhere those components say unknown). ' +
      'Exit 0 healthy, 3 degraded, 4 down (Connect or Kafka unreachable) — made for monitoring with --json.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --context prod -o wide',
  ];
  static override flags = {
    output: outputFlag,
    'max-lag': integerFlag({summary: 'Sink consumer lag (messages) above which the pipeline is degraded.', min: 0}),
    watch: Flags.boolean({char: 'w', summary: 'Refresh every --interval until interrupted (terminal only).'}),
    interval: Flags.string({summary: 'Refresh interval for --watch.', default: '5s'}),
  };

  async run(): Promise<StatusReport> {
    if (this.flags.watch) return this.watch();
    const status = await pipelineStatus(await this.runContext(), {maxLag: this.flags['max-lag']});
    this.exitWith(verdictExitCode(status.verdict));
    return this.present(status, (wide) => renderStatus(status, wide));
  }

  /** Redraws the status in place on a terminal; elsewhere prints one document (or table) per round. */
  private async watch(): Promise<StatusReport> {
    const ctx = await this.runContext();
    const every = parseTimerDuration(this.flags.interval);
    const tty = stdoutStream.isTTY && this.outputFormat() !== 'json';
    for (;;) {
      const status = await pipelineStatus(ctx, {maxLag: this.flags['max-lag']});
      this.exitWith(verdictExitCode(status.verdict));
      if (this.outputFormat() === 'json') stdoutStream.write(`${JSON.stringify(status)}\n`);
      else
        stdoutStream.redraw(
          `${renderStatus(status, this.outputFormat() === 'wide')}\n\n${tty ? `Every ${this.flags.interval} — Ctrl-C to stop. ${status.checkedAt}\n` : ''}`,
          tty,
        );
      await new Promise((r) => setTimeout(r, every));
    }
  }
}
