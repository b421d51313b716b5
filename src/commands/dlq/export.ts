import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag} from '../../cli/flags/dlq.js';
import {csvHeader, csvLine, ndjsonLine} from '../../output/dlq.js';
import {stdoutStream} from '../../output/stream.js';
import {exportRecords} from '../../services/dlq/browse.js';

export default class DlqExport extends BaseCommand<typeof DlqExport> {
  static override summary = 'Export dead-letter records as NDJSON or CSV on stdout.';
  static override description =
    'Key, value and headers are exported exactly as base64 (keyBase64, valueBase64, headers[].base64), with keyText/valueText added when the bytes are UTF-8.';
  static override enableJsonFlag = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --format ndjson > dlq.ndjson',
    '<%= config.bin %> <%= command.id %> --format csv --connector orders-sink --status new > dlq.csv',
    '<%= config.bin %> <%= command.id %> --from-topic dlq-orders --format ndjson',
  ];
  static override flags = {
    ...dlqFilterFlags,
    ...fromTopicFlag,
    format: Flags.option({summary: 'Export format.', options: ['ndjson', 'csv'] as const, default: 'ndjson'})(),
  };

  async run(): Promise<void> {
    const csv = this.flags.format === 'csv';
    if (csv) stdoutStream.write(csvHeader());
    const {count} = await exportRecords(
      await this.runContext(),
      {fromTopic: this.flags['from-topic']},
      dlqFilterOf(this.flags),
      (row) => stdoutStream.write(csv ? csvLine(row) : ndjsonLine(row)),
    );
    this.log$.info(`${count} record(s) exported`);
  }
}
