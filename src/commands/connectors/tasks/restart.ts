import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {ExitCode, UsageError} from '../../../errors.js';
import {renderTaskRestarts} from '../../../output/connectors.js';
import {restartTasks, type TaskRestart} from '../../../services/connectors/tasks.js';

export default class ConnectorsTasksRestart extends BaseCommand<typeof ConnectorsTasksRestart> {
  static override summary = 'Restart tasks by id, or every failed task of a connector.';
  static override description = withExitCodes(
    'Exit 5 when some tasks restarted and others failed; 4 when every restart failed.',
  );
  static override strict = false;
  static override mutating = true;
  static override args = {
    connector: Args.string({required: true, description: 'Connector name.'}),
    id: Args.string({description: 'Task ids (any number).'}),
  };
  static override flags = {
    failed: Flags.boolean({summary: 'Restart every FAILED task.'}),
    'dry-run': mutationFlags['dry-run'],
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink 0',
    '<%= config.bin %> <%= command.id %> inventory-sink --failed',
  ];

  async run(): Promise<TaskRestart[]> {
    const ids = this.rest.slice(1);
    if (this.flags.failed === ids.length > 0) throw new UsageError('give task ids or --failed (not both)');
    const parsed = ids.map((i) => {
      if (!/^\d+$/.test(i)) throw new UsageError(`task id must be a number, got "${i}"`);
      return Number(i);
    });
    const results = await restartTasks(
      await this.runContext(),
      this.args.connector,
      this.flags.failed ? 'failed' : parsed,
      this.flags['dry-run'],
    );
    const failed = results.filter((r) => r.outcome === 'failed').length;
    if (failed > 0) this.exitWith(failed === results.length ? ExitCode.unreachable : ExitCode.partial);
    return this.present(results, () => renderTaskRestarts(results));
  }
}
