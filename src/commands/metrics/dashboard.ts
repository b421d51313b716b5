import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {timerFlag} from '../../cli/flags/common.js';
import {CdcError, ExitCode} from '../../errors.js';
import {renderDashboard} from '../../output/metrics.js';
import {jsonText} from '../../output/render.js';
import {stdoutStream} from '../../output/stream.js';
import {type DashboardSnapshot, dashboard, rangeWindow} from '../../services/metrics/query.js';
import {parseSpan} from '../../util/time.js';

export default class MetricsDashboard extends BaseCommand<typeof MetricsDashboard> {
  static override summary = 'One screen with the key CDC numbers and their trend (sparklines); --watch to refresh.';
  static override description = withExitCodes(
    'Every catalog entry (built-in and metrics.queries, unless dashboard: false). With --watch the screen ' +
      'redraws on a terminal; without one, each refresh prints a new block (or, with --json, one JSON line). ' +
      'Exit 5 when some panels failed (their rows say why); when every panel failed, the first failure is the ' +
      'error (4 when Prometheus is unreachable). With --watch a failed refresh is logged and the next one tried.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --watch --interval 5s --since 30m',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    since: Flags.string({summary: 'Trend window (default 1h).', default: '1h'}),
    watch: Flags.boolean({char: 'w', summary: 'Refresh until interrupted.'}),
    interval: timerFlag({summary: 'Refresh interval with --watch (default 10s).', default: 10_000}),
  };

  async run(): Promise<DashboardSnapshot> {
    const ctx = await this.runContext();
    // about 30 points per sparkline
    const step = `${Math.max(1, Math.round(parseSpan(this.flags.since) / 30))}s`;
    const once = async () => dashboard(ctx, rangeWindow({since: this.flags.since, step}));
    if (!this.flags.watch) {
      const d = await once();
      if (d.failed > 0) this.exitWith(ExitCode.partial);
      return this.present(d, () => `${renderDashboard(d)}\n`);
    }
    const tty = stdoutStream.isTTY;
    for (;;) {
      const d = await once().catch((err: unknown) => {
        if (!(err instanceof CdcError) || err.exitCode === ExitCode.bug) throw err;
        this.log$.error(err.message); // every panel failed this time: say so and try again
      });
      if (d && this.jsonEnabled()) stdoutStream.write(`${jsonText(d)}\n`);
      else if (d) stdoutStream.redraw(`${renderDashboard(d)}\n${tty ? '' : '\n'}`, tty);
      await new Promise((r) => setTimeout(r, this.flags.interval));
    }
  }
}
