import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {fromTopicFlag} from '../../cli/flags/dlq.js';
import {renderDetail} from '../../output/dlq.js';
import {type RecordDetail, showRecord} from '../../services/dlq/browse.js';

export default class DlqShow extends BaseCommand<typeof DlqShow> {
  static override summary = 'Show one dead-letter record: decoded key and value, headers, error and trace.';
  static override description =
    'JSON is pretty-printed (JsonConverter envelopes unwrapped); values in Confluent wire format (magic byte 0 + schema id) are decoded through the Schema Registry: Avro and JSON Schema. Other bytes are shown as text or base64.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 42',
    '<%= config.bin %> <%= command.id %> 0:17 --from-topic dlq-orders',
    '<%= config.bin %> <%= command.id %> 42 -o yaml',
  ];
  static override args = {
    id: Args.string({description: 'Record id (store) or partition:offset (--from-topic).', required: true}),
  };
  static override flags = {
    ...fromTopicFlag,
    output: Flags.option({
      char: 'o',
      summary: 'Output format.',
      options: ['text', 'json', 'yaml'] as const,
      default: 'text',
    })(),
  };

  async run(): Promise<RecordDetail> {
    const detail = await showRecord(await this.runContext(), {fromTopic: this.flags['from-topic']}, this.args.id);
    return this.present(detail, () => renderDetail(detail));
  }
}
