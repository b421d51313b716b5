import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../base-command.js';
import {LOG_LEVELS, setLogger} from '../../../services/connectors/plugins.js';

export default class ConnectorsLoggersSet extends BaseCommand<typeof ConnectorsLoggersSet> {
  static override summary = "Set a logger's level on this worker or on every worker of the cluster.";
  static override mutating = true;
  static override args = {
    logger: Args.string({required: true, description: 'Logger name, e.g. io.debezium.connector.jdbc or root.'}),
    level: Args.string({
      required: true,
      description: 'Level.',
      options: [...LOG_LEVELS, ...LOG_LEVELS.map((l) => l.toLowerCase())],
    }),
  };
  static override flags = {
    scope: Flags.string({
      summary: 'worker (the one answering) or cluster (Kafka Connect ≥ 3.7).',
      options: ['worker', 'cluster'],
      default: 'worker',
    }),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> io.debezium.connector.jdbc DEBUG',
    '<%= config.bin %> <%= command.id %> root WARN --scope cluster',
  ];

  async run(): Promise<Awaited<ReturnType<typeof setLogger>>> {
    const result = await setLogger(
      await this.runContext(),
      this.args.logger,
      this.args.level,
      this.flags.scope as 'worker' | 'cluster',
    );
    this.log$.info(
      `${result.logger} → ${result.level} (${result.scope})${result.affected.length ? `; affected: ${result.affected.join(', ')}` : ''}`,
    );
    return result;
  }
}
