import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderLoggers} from '../../../output/connectors.js';
import {type LoggerRow, listLoggers} from '../../../services/connectors/plugins.js';

export default class ConnectorsLoggersList extends BaseCommand<typeof ConnectorsLoggersList> {
  static override summary = "The worker's explicitly set loggers and their levels.";
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<LoggerRow[]> {
    const loggers = await listLoggers(await this.runContext());
    return this.present(loggers, (wide) => renderLoggers(loggers, wide));
  }
}
