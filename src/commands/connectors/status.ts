import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderStatuses} from '../../output/connectors.js';
import {type ConnectorStatusView, connectorStatuses} from '../../services/connectors/inspect.js';

export default class ConnectorsStatus extends BaseCommand<typeof ConnectorsStatus> {
  static override summary = 'State of connectors and each task, with the root cause of failures.';
  static override description = withExitCodes(
    'Exit 0 when every selected connector and task is RUNNING, 3 otherwise (so it can gate a script). Without arguments, all connectors.',
  );
  static override strict = false;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> inventory-sink -o wide',
  ];

  async run(): Promise<ConnectorStatusView[]> {
    const statuses = await connectorStatuses(await this.runContext(), this.rest);
    const allRunning = statuses.every((s) => s.state === 'RUNNING' && s.tasks.every((t) => t.state === 'RUNNING'));
    if (!allRunning) this.exitWith(ExitCode.notOk);
    return this.present(statuses, (wide) => renderStatuses(statuses, wide));
  }
}
