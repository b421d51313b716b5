import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderWhy} from '../../output/diagnostics.js';
import {type WhyReport, whyConnector} from '../../services/diagnostics/why.js';

export default class ConnectorsWhy extends BaseCommand<typeof ConnectorsWhy> {
  static override summary =
    "Why a connector's task failed: the failure kind, its root-cause line, the usual fix and the logger to raise.";
  static override description = withExitCodes(
    [
      'Reads the trace of each FAILED task (and of the connector) and classifies its exception chain: auth,',
      'unreachable database, privilege, wal_level, missing publication or slot, slot in use, missing table,',
      'sink constraint violation, schema incompatibility, serialization, missing topic, out of memory, timeout.',
      "A JDBC sink's connection failure (Hibernate hides its cause) is probed: cdcctl tries the same connection.",
      'Exit 0 when nothing failed, 3 when a failure was explained.',
    ].join('\n'),
  );
  static override args = {connector: Args.string({description: 'Connector name.', required: true})};
  static override flags = {output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    '<%= config.bin %> <%= command.id %> inventory-sink -o wide',
  ];

  async run(): Promise<WhyReport> {
    const report = await whyConnector(await this.runContext(), this.args.connector);
    if (report.failures.length > 0) this.exitWith(ExitCode.notOk);
    return this.present(report, (wide) => renderWhy(report, wide));
  }
}
