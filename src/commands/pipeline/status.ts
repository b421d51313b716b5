import {BaseCommand, withExitCodes} from '../../base-command.js';
import {outputFlag} from '../../flags.js';
import {color, paintState, renderTable} from '../../output/render.js';
import {type PipelineStatus, pipelineStatus, verdictExitCode} from '../../services/pipeline/status.js';

export default class PipelineStatusCommand extends BaseCommand<typeof PipelineStatusCommand> {
  static override summary = 'One verdict for the whole pipeline: workers, connectors and tasks.';
  static override description = withExitCodes(
    'Checks every Kafka Connect worker (version and /health) and every connector and task; failed ones are ' +
      'shown with the root cause taken from the stack trace. Exit 0 healthy, 3 degraded, 4 down — made for ' +
      'monitoring with --json.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --context prod -o wide',
  ];
  static override flags = {output: outputFlag};

  async run(): Promise<PipelineStatus> {
    const status = await pipelineStatus(await this.runContext());
    this.exitWith(verdictExitCode(status.verdict));
    return this.present(status, (wide) => renderStatus(status, wide));
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
  if (s.problems.length > 0) {
    parts.push('');
    parts.push(c.bold('Problems:'));
    for (const p of s.problems)
      parts.push(`  ${paintState(p.severity === 'down' ? 'down' : 'degraded')}  ${p.component}: ${p.message}`);
  }
  return parts.join('\n');
}
