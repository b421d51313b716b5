import {Flags} from '@oclif/core';
import {PipelineBulkCommand} from '../../pipeline-bulk-command.js';

export default class PipelineResumeAll extends PipelineBulkCommand<typeof PipelineResumeAll> {
  static override summary = 'Resume the connectors pause-all paused (--all: every paused or stopped one).';
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
