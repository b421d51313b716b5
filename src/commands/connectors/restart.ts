import {Args, Flags} from '@oclif/core';
import {withExitCodes} from '../../cli/base-command.js';
import {ConnectorControlCommand} from '../../cli/connector-control-command.js';

export default class ConnectorsRestart extends ConnectorControlCommand<typeof ConnectorsRestart> {
  static override summary = 'Restart connectors, optionally with their tasks or only what failed.';
  static override description = withExitCodes(
    'Uses Kafka Connect’s restart API (KIP-745): --include-tasks restarts tasks too, --only-failed limits the restart ' +
      'to instances that are FAILED. `restart <name> --include-tasks --only-failed` is the usual "fix what failed".',
  );
  static override action = 'restart' as const;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {
    ...ConnectorControlCommand.flags,
    'include-tasks': Flags.boolean({summary: 'Restart the tasks too.'}),
    'only-failed': Flags.boolean({summary: 'Restart only instances in the FAILED state.'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --include-tasks --only-failed --wait',
    "<%= config.bin %> <%= command.id %> '*' --only-failed --include-tasks --json",
  ];

  protected override extraOptions(): {includeTasks?: boolean; onlyFailed?: boolean} {
    return {includeTasks: this.flags['include-tasks'], onlyFailed: this.flags['only-failed']};
  }
}
