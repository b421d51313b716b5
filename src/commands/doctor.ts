import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../cli/base-command.js';
import {outputFlag, timerFlag} from '../cli/flags/common.js';
import {ExitCode} from '../errors.js';
import {renderDoctor} from '../output/diagnostics.js';
import {DEFAULT_CHECK_TIMEOUT_MS, doctor} from '../services/diagnostics/doctor.js';
import type {DoctorReport} from '../services/diagnostics/types.js';

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary =
    'Check every endpoint of the context and the CDC prerequisites; ok / warn / fail with a hint.';
  static override description = withExitCodes(
    [
      'Per endpoint (Connect, Schema Registry, Alertmanager, Prometheus, Pushgateway, Kafka brokers, PostgreSQL,',
      'Cassandra, Debezium health endpoints, the trace backend): DNS, TCP (round trip), TLS (protocol, chain,',
      'days to expiry, hostname match), credentials accepted, server version and clock skew where the protocol',
      'tells the time. Then the CDC prerequisites of the connectors Connect runs: PostgreSQL sources (wal_level,',
      'replication slot, publication coverage, replica identity, REPLICATION privilege), Cassandra (cdc flag of the',
      'captured tables, cdc_raw usage), Kafka topics (existence, partitions, replication, retention against the',
      "sink's downtime) and Connect workers (equal versions, plugins present).",
      'Checks run concurrently, each with its own deadline (--check-timeout): a dead endpoint is a fail of its own.',
      'Exit 0 when nothing fails (warnings allowed), 3 when a check fails.',
    ].join('\n'),
  );
  static override flags = {
    output: outputFlag,
    'check-timeout': timerFlag({
      summary: `Deadline of each check, e.g. 2s (default ${DEFAULT_CHECK_TIMEOUT_MS / 1000}s).`,
    }),
    only: Flags.option({
      summary: 'Run only the endpoint checks or only the CDC prerequisites.',
      options: ['endpoints', 'cdc'] as const,
    })(),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --only endpoints -o wide',
    '<%= config.bin %> <%= command.id %> --json --check-timeout 2s',
  ];

  async run(): Promise<DoctorReport> {
    const report = await doctor(await this.runContext(), {
      checkTimeoutMs: this.flags['check-timeout'],
      only: this.flags.only,
    });
    if (report.summary.fail > 0) this.exitWith(ExitCode.notOk);
    return this.present(report, (wide) => renderDoctor(report, wide));
  }
}
