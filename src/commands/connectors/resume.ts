import {Args} from '@oclif/core';
import {ConnectorControlCommand} from '../../connector-control-command.js';

export default class ConnectorsResume extends ConnectorControlCommand<typeof ConnectorsResume> {
  static override summary = 'Resume paused or stopped connectors.';
  static override action = 'resume' as const;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --wait',
    "<%= config.bin %> <%= command.id %> '/-sink$/' --dry-run --json",
  ];
}
