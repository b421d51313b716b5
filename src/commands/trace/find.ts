import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {durationFlag, integerFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderFound} from '../../output/diagnostics.js';
import {type FoundTraces, findRecordTraces} from '../../services/diagnostics/traces.js';

export default class TraceFind extends BaseCommand<typeof TraceFind> {
  static override summary =
    'The traces of one record: its change events in Kafka, matched to the spans that produced, consumed and captured them.';
  static override description = withExitCodes(
    'Finds the record’s change events as `cdcctl trace` does, then asks the trace backend for: the traces the events name in their W3C `traceparent` header; traces on that topic (tag messaging.destination.name) whose span carries one of the events’ offsets; and the spans of Debezium’s ActivateTracingSpan SMT (`db-log-write` → `debezium-read`) for the events’ source positions (db.table, db.ts_ms and, from PostgreSQL, db.lsn), which show the time from the commit to the connector’s read. Traces are listed oldest first. Exit 0 when one is found, 3 when none.',
  );
  static override flags = {
    table: Flags.string({summary: 'schema.table or keyspace.table.', required: true}),
    key: Flags.string({summary: 'Primary key: a value, or col=value,… for a compound key.', required: true}),
    since: durationFlag({
      summary: 'How far back to look for events when the source has no write time (default 1h).',
      default: 3_600_000,
    }),
    lookback: durationFlag({summary: 'How far back the trace backend searches (default 1h).', default: 3_600_000}),
    service: Flags.string({
      summary: 'Service name of the spans (Jaeger requires one; default: any for Zipkin, "connect" for Jaeger).',
    }),
    limit: integerFlag({summary: 'Traces asked from the backend.', default: 100, min: 1}),
  };
  static override examples = ['<%= config.bin %> <%= command.id %> --table public.customers --key 1001 --lookback 1h'];

  async run(): Promise<FoundTraces> {
    const ctx = await this.runContext();
    const service = this.flags.service ?? (ctx.config.tracing?.kind === 'jaeger' ? 'connect' : undefined);
    const f = await findRecordTraces(ctx, this.flags.table, this.flags.key, {
      sinceMs: Date.now() - this.flags.since,
      lookbackMs: this.flags.lookback,
      service,
      limit: this.flags.limit,
    });
    if (f.traces.length === 0) this.exitWith(ExitCode.notOk);
    return this.present(f, () => renderFound(f));
  }
}
