import {Args} from '@oclif/core';
import {ConnectorControlCommand} from '../../connector-control-command.js';
import {messageFlag} from '../../flags.js';

export default class ConnectorsDelete extends ConnectorControlCommand<typeof ConnectorsDelete> {
  static override summary = 'Delete connectors (asks first; --yes without a terminal). Source offsets remain in Kafka.';
  static override action = 'delete' as const;
  static override confirm = true;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {...ConnectorControlCommand.flags, message: messageFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --yes',
    "<%= config.bin %> <%= command.id %> '/-sink$/' --dry-run --json",
  ];
}
