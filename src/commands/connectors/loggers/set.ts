import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {dryRunFlag, outputFlag} from '../../../cli/flags/common.js';
import {ExitCode} from '../../../errors.js';
import {renderLoggerPlan} from '../../../output/connectors.js';
import {
  LOG_LEVELS,
  type LoggerPlan,
  type LoggerResult,
  planLogger,
  setLogger,
} from '../../../services/connectors/plugins.js';

export default class ConnectorsLoggersSet extends BaseCommand<typeof ConnectorsLoggersSet> {
  static override summary = "Set a logger's level on this worker or on every worker of the cluster.";
  static override description =
    'Kafka Connect sets the level of the logger and of every logger whose name starts with it (root: every logger). ' +
    '--dry-run asks each worker (scope cluster: every worker named by a connector or task status) for its loggers ' +
    'and lists each one the change would reach, with its level now and the level it would get; it changes nothing.';
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
    output: outputFlag,
    scope: Flags.string({
      summary: 'worker (the one answering) or cluster (Kafka Connect ≥ 3.7).',
      options: ['worker', 'cluster'],
      default: 'worker',
    }),
    'dry-run': dryRunFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> io.debezium.connector.jdbc DEBUG',
    '<%= config.bin %> <%= command.id %> io.debezium.connector.jdbc DEBUG --dry-run',
    '<%= config.bin %> <%= command.id %> root WARN --scope cluster',
  ];

  async run(): Promise<LoggerResult | LoggerPlan> {
    const ctx = await this.runContext();
    const scope = this.flags.scope as 'worker' | 'cluster';
    if (this.flags['dry-run']) {
      const plan = await planLogger(ctx, this.args.logger, this.args.level, scope);
      if (plan.workers.some((w) => w.error)) this.exitWith(ExitCode.unreachable);
      return this.present(plan, (wide) => renderLoggerPlan(plan, wide));
    }
    const result = await setLogger(ctx, this.args.logger, this.args.level, scope);
    this.log$.info(
      `${result.logger} → ${result.level} (${result.scope})${result.affected.length ? `; affected: ${result.affected.join(', ')}` : ''}`,
    );
    return result;
  }
}
