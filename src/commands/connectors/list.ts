import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderConnectorList} from '../../output/connectors.js';
import {type ConnectorSummary, listConnectors} from '../../services/connectors/list.js';

export default class ConnectorsList extends BaseCommand<typeof ConnectorsList> {
  static override summary = 'List connectors with their type, state and tasks.';
  static override description =
    'One request to Kafka Connect (GET /connectors?expand=status&expand=info). Select connectors by exact name, ' +
    'glob (inventory-*) or /regex/, and by state.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -o wide',
    "<%= config.bin %> <%= command.id %> 'inventory-*' --state FAILED --json",
  ];
  static override strict = false;
  static override args = {selector: Args.string({description: 'Names, globs or /regex/ (any number).'})};
  static override flags = {
    output: outputFlag,
    state: Flags.string({
      summary: 'Only connectors in this state (repeatable).',
      options: ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING'],
      multiple: true,
    }),
  };

  async run(): Promise<ConnectorSummary[]> {
    const connectors = await listConnectors(await this.runContext(), {
      select: this.rest,
      states: this.flags.state,
    });
    return this.present(connectors, (wide) => renderConnectorList(connectors, wide));
  }
}
