import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {eventSourceFlags, startOf} from '../../cli/flags/events.js';
import {ExitCode, UsageError} from '../../errors.js';
import {eventHeader, eventLine, eventNdjson} from '../../output/events.js';
import {stdoutStream} from '../../output/stream.js';
import {
  type ChangeOp,
  eventMatcher,
  resolveEventTopics,
  type StreamResult,
  streamEvents,
} from '../../services/events/stream.js';

export default class EventsTail extends BaseCommand<typeof EventsTail> {
  static override summary = 'Stream change events as they arrive: decoded Debezium envelopes.';
  static override description =
    `One compact line per change on a terminal (op, table, key, changed columns); NDJSON when piped ({topic, partition, offset, timestamp, key, keyFormat, valueFormat, op, before, after, source, table, tsMs, sourceTsMs}; keyFormat/valueFormat: json, text or base64 — how to read the key and the value). Tombstones are skipped.

--filter takes a small expression language (no code is run): paths like after.status or source.table, literals "x" 'x' 42 true false null, == != < <= > >= in [..], && || ! and parentheses. Example: --filter 'after.status == "shipped" && after.qty > 10'.

Ctrl-C stops cleanly and prints how many events were seen and shown.`;
  static override enableJsonFlag = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory.public.orders',
    '<%= config.bin %> <%= command.id %> --connector inventory-source --op u,d',
    '<%= config.bin %> <%= command.id %> inventory.public.orders --since 10m --filter \'after.status=="x"\' | jq .after',
    '<%= config.bin %> <%= command.id %> inventory.public.customers --from-beginning --key 1001 --max 5',
  ];
  static override args = {topic: Args.string({description: 'Topic to follow (or --connector).'})};
  static override flags = {
    ...eventSourceFlags,
    key: Flags.string({
      summary: "Only events with this key: its text, its JSON (any spacing or key order), or a one-field key's value.",
    }),
    op: Flags.string({summary: 'Only these operations: c, u, d, r (snapshot read), t (truncate); comma-separated.'}),
    filter: Flags.string({summary: 'Only events for which this expression is true (see description).'}),
    max: integerFlag({summary: 'Stop after this many matching events.', min: 1}),
    format: Flags.option({
      summary: 'Output: a table on a terminal and NDJSON otherwise (auto), or force one.',
      options: ['auto', 'table', 'ndjson'] as const,
      default: 'auto',
    })(),
    'until-end': Flags.boolean({
      summary: 'Stop at the end of the topics as they are now, instead of following.',
      hidden: false,
    }),
  };

  async run(): Promise<StreamResult> {
    if (!this.args.topic && !this.flags.connector) {
      throw new UsageError('name a topic or --connector', {hint: 'e.g. cdcctl events tail inventory.public.orders'});
    }
    const ctx = await this.runContext();
    const match = eventMatcher({
      ops: this.flags.op
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) as ChangeOp[] | undefined,
      key: this.flags.key,
      filter: this.flags.filter,
    });
    const topics = await resolveEventTopics(ctx, {topic: this.args.topic, connector: this.flags.connector});
    const table = this.flags.format === 'table' || (this.flags.format === 'auto' && stdoutStream.isTTY);
    const signal = this.stopSignal();
    let closed = false;
    stdoutStream.onClosed(() => {
      closed = true; // the reader went away (head, closed pipe): stop quietly
    });
    if (table) stdoutStream.write(`${eventHeader()}\n`);
    this.log$.info(
      `following ${topics.join(', ')}${this.flags['until-end'] ? ' (until the current end)' : ''} — Ctrl-C to stop`,
    );
    // Lines are buffered and written in chunks: one write per event would cap a pipe's throughput.
    let buf = '';
    const flush = (): Promise<void> | undefined => {
      if (!buf || closed) return;
      const written = stdoutStream.write(buf);
      buf = '';
      return written;
    };
    const timer = setInterval(() => void flush(), 100);
    let result: StreamResult;
    try {
      result = await streamEvents(
        ctx,
        {topics, start: startOf(this.flags), max: this.flags.max, signal, stopAtEnd: this.flags['until-end']},
        match,
        (ev) => {
          buf += table ? `${eventLine(ev)}\n` : eventNdjson(ev);
          if (buf.length >= 64 * 1024 || table) return flush();
        },
      );
    } finally {
      clearInterval(timer);
    }
    await flush();
    process.stderr.write(`${result.matched} event(s) shown, ${result.seen} read from ${topics.length} topic(s)\n`);
    if (result.stoppedBy === 'signal') this.exitWith(ExitCode.interrupted);
    return result;
  }
}
