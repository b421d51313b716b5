import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {durationFlag, outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderJourney} from '../../output/diagnostics.js';
import {type Journey, traceRecord} from '../../services/diagnostics/journey.js';

export default class Trace extends BaseCommand<typeof Trace> {
  static override summary =
    "A record's journey: source row, its change events in Kafka, dead letters, the target row, and a verdict.";
  static override description = withExitCodes(
    [
      'Finds the row by primary key in the source (a PostgreSQL table a source connector captures, or a Cassandra',
      'table, with its writetime), its change events in Kafka — the partition computed from the serialized key',
      "with the producer's murmur2 partitioner, the start offset found by a timestamp lookup (never a topic scan) —",
      "any dead letter of the sink's DLQ topic for the key, and the row in the PostgreSQL target. Verdict: in sync,",
      'in flight (the sink has not consumed the event yet), or stuck at a hop with the reason.',
      'Without a source write time (PostgreSQL keeps none by default), events are looked for since --since ago.',
      'Exit 0 in sync, 3 otherwise; --watch follows until in sync (Ctrl-C stops).',
    ].join('\n'),
  );
  static override args = {
    table: Args.string({description: 'schema.table (PostgreSQL) or keyspace.table (Cassandra).', required: true}),
    key: Args.string({description: 'Primary key: a value, or col=value,… for a compound key.', required: true}),
  };
  static override flags = {
    output: outputFlag,
    since: durationFlag({
      summary: 'How far back to look for events when the source has no write time (default 1h).',
      default: 3_600_000,
    }),
    topic: Flags.string({summary: 'The change topic (default: the topic ending in .<schema>.<table>).'}),
    sink: Flags.string({summary: 'The sink connector (default: the one reading the topic).'}),
    watch: Flags.boolean({summary: 'Repeat every second, printing each new verdict, until in sync.'}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> public.customers 1001',
    '<%= config.bin %> <%= command.id %> public.customers id=1001 -o wide',
    '<%= config.bin %> <%= command.id %> public.orders 10001 --since 30m --json',
  ];

  async run(): Promise<Journey> {
    const ctx = await this.runContext();
    const once = () =>
      traceRecord(ctx, this.args.table, this.args.key, {
        sinceMs: Date.now() - this.flags.since,
        topic: this.flags.topic,
        sink: this.flags.sink,
      });
    let j = await once();
    if (this.flags.watch) {
      const stop = this.stopSignal();
      let shown = '';
      for (;;) {
        const line = `${j.verdict.state}${j.verdict.hop ? ` at ${j.verdict.hop}` : ''}: ${j.verdict.reason}`;
        if (line !== shown) {
          shown = line;
          if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(j)}\n`);
          else process.stdout.write(`${new Date().toISOString()}  ${line}\n`);
        }
        if (j.verdict.state === 'in sync' || stop.aborted) break;
        await new Promise((r) => setTimeout(r, 1000));
        if (stop.aborted) break;
        j = await once();
      }
      if (j.verdict.state !== 'in sync') this.exitWith(ExitCode.notOk);
      if (this.jsonEnabled()) process.exit(process.exitCode ?? 0);
      return j;
    }
    if (j.verdict.state !== 'in sync') this.exitWith(ExitCode.notOk);
    return this.present(j, (wide) => renderJourney(j, wide));
  }
}
