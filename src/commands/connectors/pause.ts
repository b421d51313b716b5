import {Args} from '@oclif/core';
import {ConnectorControlCommand} from '../../connector-control-command.js';

export default class ConnectorsPause extends ConnectorControlCommand<typeof ConnectorsPause> {
  static override summary = 'Pause connectors and their tasks (they keep their place; resume continues).';
  static override action = 'pause' as const;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override examples = [
    "<%= config.bin %> <%= command.id %> 'inventory-*' --wait",
    "<%= config.bin %> <%= command.id %> '/-sink$/' --dry-run --json",
  ];
}
