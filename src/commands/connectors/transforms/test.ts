import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../../cli/flags/common.js';
import {ExitCode} from '../../../errors.js';
import {renderTransformsTest} from '../../../output/transforms.js';
import {type TransformsTestResult, testTransforms} from '../../../services/connectors/transforms/test-chain.js';

export default class ConnectorsTransformsTest extends BaseCommand<typeof ConnectorsTransformsTest> {
  static override summary = "Dry-run a connector's Single Message Transform chain on sample records, step by step.";
  static override description = withExitCodes(
    `Kafka Connect has no dry-run: cdcctl emulates the chain and its predicates in this process, without touching the pipeline, and shows for each record what each step did (changed fields, routed topic, headers, dropped, skipped by its predicate). Emulated, each proved record by record against the real worker (test/integration/transforms-differential.test.ts): io.debezium.transforms.ExtractNewRecordState, and org.apache.kafka.connect.transforms ReplaceField, MaskField, InsertField, ValueToKey, ExtractField, RegexRouter, HeaderFrom, Filter, Cast, TimestampConverter with the predicates TopicNameMatches, HasHeaderKey, RecordIsTombstone. Any other class (Flatten …), and what Java does that cannot be matched exactly (e.g. Java 17 printing some very large doubles, SimpleDateFormat letters beyond the documented subset), is refused by name rather than guessed. Records are JsonConverter JSON, with or without schemas: from a topic (--from-topic, the first --limit records) or a file (-f: a JSON array of {topic, key, value, headers}).

Exit 3 when the chain would fail the worker's task on a record (as MaskField does on a tombstone).`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink --from-topic inventory.public.customers --limit 5',
    '<%= config.bin %> <%= command.id %> inventory-sink --config examples/connectors/inventory-sink.json --from-topic inventory.public.orders --limit 3 -o wide',
  ];
  static override args = {connector: Args.string({description: 'The connector whose chain to run.', required: true})};
  static override flags = {
    'from-topic': Flags.string({
      summary: 'Read the sample records from this topic (from its beginning).',
      exclusive: ['file'],
    }),
    file: Flags.string({char: 'f', summary: 'Read the sample records from this JSON file.'}),
    limit: integerFlag({summary: 'At most this many records.', default: 10, min: 1, max: 10_000}),
    config: Flags.string({summary: "A connector definition (JSON/YAML) to test instead of the worker's config."}),
    output: outputFlag,
  };

  async run(): Promise<TransformsTestResult> {
    const f = this.flags;
    const result = await testTransforms(await this.runContext(), {
      connector: this.args.connector,
      configFile: f.config,
      fromTopic: f['from-topic'],
      recordsFile: f.file,
      limit: f.limit,
    });
    if (result.summary.failed > 0) this.exitWith(ExitCode.notOk);
    return this.present(result, (wide) => renderTransformsTest(result, wide));
  }
}
