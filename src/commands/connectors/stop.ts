import {Args} from '@oclif/core';
import {ConnectorControlCommand} from '../../connector-control-command.js';

export default class ConnectorsStop extends ConnectorControlCommand<typeof ConnectorsStop> {
  static override summary = 'Stop connectors: no tasks run and offsets may be changed (Kafka Connect ≥ 3.5).';
  static override action = 'stop' as const;
  static override args = {connector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source --wait',
    "<%= config.bin %> <%= command.id %> '/-sink$/' --dry-run --json",
  ];
}
