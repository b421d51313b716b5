import {Flags} from '@oclif/core';
import {withExitCodes} from '../../base-command.js';
import {PipelineBulkCommand} from '../../pipeline-bulk-command.js';

export default class PipelineResumeAll extends PipelineBulkCommand<typeof PipelineResumeAll> {
  static override summary = 'Resume the connectors pause-all paused (--all: every paused or stopped one).';
  static override description = withExitCodes(
    'With --wait, exit 3 when every failure is a connector that did not reach its state in time; exit 5 when ' +
      'some connectors succeeded and others failed.',
  );
  static override kind = 'resume-all' as const;
  static override flags = {
    ...PipelineBulkCommand.flags,
    all: Flags.boolean({summary: 'Resume every PAUSED or STOPPED connector, not only those pause-all paused.'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> --yes --wait',
    '<%= config.bin %> <%= command.id %> --all --dry-run',
  ];
}
