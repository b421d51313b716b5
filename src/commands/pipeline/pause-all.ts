import {withExitCodes} from '../../cli/base-command.js';
import {PipelineBulkCommand} from '../../cli/pipeline-bulk-command.js';

export default class PipelinePauseAll extends PipelineBulkCommand<typeof PipelinePauseAll> {
  static override summary = 'Pause every running connector (or those matching --selector).';
  static override description = withExitCodes(
    'Remembers which connectors it paused (in the operational store, per context), so that resume-all resumes ' +
      'exactly those and not connectors an operator had paused on purpose. Asks first; --yes without a terminal. ' +
      'A connector UNASSIGNED (its worker left the group, no other has taken it yet) is paused too: the next worker ' +
      'to take it starts it paused. Requests go on through a rebalance (409s and timeouts are retried).',
  );
  static override kind = 'pause-all' as const;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --selector 'inventory-*' --yes --wait",
    '<%= config.bin %> <%= command.id %> --dry-run',
  ];
}
