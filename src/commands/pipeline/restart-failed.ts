import {PipelineBulkCommand} from '../../pipeline-bulk-command.js';

export default class PipelineRestartFailed extends PipelineBulkCommand<typeof PipelineRestartFailed> {
  static override summary = 'Restart every failed connector and failed task (only what failed).';
  static override kind = 'restart-failed' as const;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --yes --wait',
    "<%= config.bin %> <%= command.id %> -s '*-sink' --dry-run",
  ];
}
