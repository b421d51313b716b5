import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {color, paintState, renderTable} from '../../output/render.js';
import {type PipelineStatus, pipelineStatus, verdictExitCode} from '../../services/pipeline/status.js';
import {parseTimerDuration} from '../../util/time.js';

export default class PipelineStatusCommand extends BaseCommand<typeof PipelineStatusCommand> {
  static override summary = 'One verdict for the whole pipeline: workers, connectors and tasks.';
  static override description = withExitCodes(
    'Checks every Kafka Connect worker (version and /health), every connector and task (failed ones with the root ' +
      'cause taken from the stack trace), Kafka (reachability, brokers, each sink connector’s consumer lag), the ' +
      'Debezium health endpoints of the context (debezium.health), and the databases (postgres, cassandra). ' +
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

  async run(): Promise<PipelineStatus> {
    if (this.flags.watch) return this.watch();
    const status = await pipelineStatus(await this.runContext(), {maxLag: this.flags['max-lag']});
    this.exitWith(verdictExitCode(status.verdict));
    return this.present(status, (wide) => renderStatus(status, wide));
  }

  /** Redraws the status in place on a terminal; elsewhere prints one document (or table) per round. */
  private async watch(): Promise<PipelineStatus> {
    const ctx = await this.runContext();
    const every = parseTimerDuration(this.flags.interval);
    const tty = Boolean(process.stdout.isTTY) && this.outputFormat() !== 'json';
    for (;;) {
      const status = await pipelineStatus(ctx, {maxLag: this.flags['max-lag']});
      this.exitWith(verdictExitCode(status.verdict));
      if (this.outputFormat() === 'json') process.stdout.write(`${JSON.stringify(status)}\n`);
      else {
        if (tty) process.stdout.write('\x1b[2J\x1b[H');
        process.stdout.write(
          `${renderStatus(status, this.outputFormat() === 'wide')}\n\n${tty ? `Every ${this.flags.interval} — Ctrl-C to stop. ${status.checkedAt}\n` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, every));
    }
  }
}

function renderStatus(s: PipelineStatus, wide: boolean): string {
  const c = color();
  const parts: string[] = [];
  parts.push(`${c.bold('Pipeline')} (context ${s.context}): ${paintState(s.verdict)}`);
  parts.push('');
  parts.push(
    renderTable(
      s.workers,
      [
        {header: 'WORKER', value: (w) => w.id},
        {header: 'VERSION', value: (w) => w.version ?? '-'},
        {header: 'HEALTH', value: (w) => (w.reachable ? (w.health ?? '-') : 'unreachable'), paint: paintState},
        {header: 'URL', value: (w) => w.url, wide: true},
        {header: 'CLUSTER', value: (w) => w.kafkaClusterId, wide: true},
      ],
      wide,
    ),
  );
  if (s.connectors.length > 0) {
    parts.push('');
    parts.push(
      renderTable(
        s.connectors,
        [
          {header: 'CONNECTOR', value: (x) => x.name},
          {header: 'TYPE', value: (x) => x.type},
          {header: 'STATE', value: (x) => x.state, paint: paintState},
          {
            header: 'TASKS',
            value: (x) => x.tasks.map((t) => `${t.id}:${t.state}`).join(' ') || '-',
          },
          {
            header: 'WORKERS',
            value: (x) => [...new Set([x.workerId, ...x.tasks.map((t) => t.workerId)])].join(','),
            wide: true,
          },
        ],
        wide,
      ),
    );
  }
  const extra: Array<{component: string; target: string; state: string; detail: string}> = [];
  if (s.kafka) {
    extra.push({
      component: 'kafka',
      target: s.kafka.clusterId ?? '',
      state: s.kafka.reachable ? 'ok' : 'down',
      detail: s.kafka.reachable ? `${s.kafka.brokers} broker(s)` : (s.kafka.error ?? ''),
    });
    for (const l of s.kafka.lag) {
      extra.push({
        component: `lag ${l.connector}`,
        target: l.groupId,
        state: l.total === null ? 'unknown' : 'ok',
        detail: l.total === null ? (l.error ?? '') : `${l.total} message(s) behind`,
      });
    }
  }
  for (const d of s.debezium)
    extra.push({
      component: `debezium ${d.name}`,
      target: d.url,
      state: d.status === 'up' ? 'ok' : d.status,
      detail: d.detail,
    });
  for (const db of s.databases)
    extra.push({component: db.name, target: db.target, state: db.reachable ? 'ok' : 'down', detail: db.detail});
  if (extra.length > 0) {
    parts.push('');
    parts.push(
      renderTable(
        extra,
        [
          {header: 'COMPONENT', value: (x) => x.component},
          {header: 'STATE', value: (x) => x.state, paint: paintState},
          {header: 'DETAIL', value: (x) => x.detail},
          {header: 'TARGET', value: (x) => x.target, wide: true},
        ],
        wide,
      ),
    );
  }
  if (s.problems.length > 0) {
    parts.push('');
    parts.push(c.bold('Problems:'));
    for (const p of s.problems)
      parts.push(`  ${paintState(p.severity === 'down' ? 'down' : 'degraded')}  ${p.component}: ${p.message}`);
  }
  return parts.join('\n');
}
