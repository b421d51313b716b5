import {withExitCodes} from '../../base-command.js';
import {PipelineBulkCommand} from '../../pipeline-bulk-command.js';

export default class PipelineRestartFailed extends PipelineBulkCommand<typeof PipelineRestartFailed> {
  static override summary = 'Restart every failed connector and failed task (only what failed).';
  static override description = withExitCodes(
    'With --wait, exit 3 when every failure is a connector that did not reach its state in time; exit 5 when ' +
      'some connectors succeeded and others failed.',
  );
  static override kind = 'restart-failed' as const;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --yes --wait',
    "<%= config.bin %> <%= command.id %> -s '*-sink' --dry-run",
  ];
}
