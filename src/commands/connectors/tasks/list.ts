import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderTasks} from '../../../output/connectors.js';
import {listTasks, type TaskRow} from '../../../services/connectors/tasks.js';

export default class ConnectorsTasksList extends BaseCommand<typeof ConnectorsTasksList> {
  static override summary = "List a connector's tasks with state, worker and root cause.";
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %> inventory-sink'];

  async run(): Promise<TaskRow[]> {
    const tasks = await listTasks(await this.runContext(), this.args.connector);
    return this.present(tasks, (wide) => renderTasks(tasks, wide));
  }
}
