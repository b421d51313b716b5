import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {channelFlag, parseWhere, waitTimeoutFlag} from '../../cli/flags/backfill.js';
import {integerFlag, mutationFlags} from '../../cli/flags/common.js';
import {ExitCode, UsageError} from '../../errors.js';
import {cassandraProgressPrinter, renderCassandra, renderStart, signalProgressPrinter} from '../../output/backfill.js';
import {isTablePair, parseShard, parseTokens, startCassandraBackfill} from '../../services/backfill/cassandra.js';
import {startSignalBackfill} from '../../services/backfill/signals.js';
import type {CassandraBackfillResult, StartSignalResult} from '../../services/backfill/types.js';
import {parseTimerDuration} from '../../util/time.js';

export default class BackfillStart extends BaseCommand<typeof BackfillStart> {
  static override summary =
    'Backfill tables: a Debezium snapshot by signal, or cdcctl’s own Cassandra → PostgreSQL copy.';
  static override description = withExitCodes(
    `<source> is a connector or a Cassandra table pair (reconcile.tables).

Connector (a Debezium PostgreSQL source, prepared by \`backfill setup\`): sends execute-snapshot for the
--table values through its signal channel (the source signal table, or the Kafka signal topic with
--channel kafka), after checking that each table is captured and exists, and that each --where condition
plans on the source (PostgreSQL EXPLAIN in a read-only transaction; the condition is Debezium's to run).
--where takes "schema.table: condition", or a bare condition when there is one table. Incremental
snapshots (the default) interleave with streaming; --mode blocking pauses streaming while it runs.
With --wait, progress is read from the connector's notification topic (a bar on a terminal, a line per
step otherwise) and the exit code is 0 when every table completed, 3 when one was skipped or the
snapshot aborted, 4 when Connect, Kafka or the source database is unreachable.

Table pair: cdcctl reads the Cassandra table by token ranges (reconcile's scanner), streams each range
into PostgreSQL with COPY and merges it with reconcile repair's guard: a row PostgreSQL holds with a
later updatedAt than Cassandra's writetime is never overwritten, an identical row is not rewritten.
Every finished range is checkpointed with its rows (\`backfill resume <id>\` after a kill skips it).
--shard i/N splits the work between processes, --tokens and --key-from/--key-to limit it, --rate caps
the rows read per second, --dry-run counts what would be inserted, updated and left alone.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source --table public.customers --wait',
    '<%= config.bin %> <%= command.id %> inventory-source --table public.orders --where "quantity > 1" --dry-run',
    '<%= config.bin %> <%= command.id %> inventory-source --table public.orders --table public.products --where "public.orders: id > 10003" --channel source',
    '<%= config.bin %> <%= command.id %> demo.accounts --dry-run',
    '<%= config.bin %> <%= command.id %> demo.accounts --rate 20000 --yes',
    '<%= config.bin %> <%= command.id %> demo.accounts --shard 0/2 --yes',
  ];
  static override mutating = true;
  static override args = {
    source: Args.string({description: 'A connector, or a Cassandra table pair of reconcile.tables.', required: true}),
  };
  static override flags = {
    ...mutationFlags,
    table: Flags.string({
      char: 't',
      summary: 'Connector: a table to snapshot (schema.table); repeatable.',
      multiple: true,
    }),
    where: Flags.string({
      char: 'w',
      summary:
        'Connector: only the rows matching "schema.table: condition" (repeatable; a bare condition for one table).',
      multiple: true,
    }),
    mode: Flags.option({
      summary: 'Connector: snapshot type.',
      options: ['incremental', 'blocking'] as const,
      default: 'incremental',
    })(),
    channel: channelFlag,
    wait: Flags.boolean({
      summary: 'Connector: follow the snapshot until it ends (exit 0 completed, 3 skipped/aborted).',
    }),
    'wait-timeout': waitTimeoutFlag,
    shard: Flags.string({summary: 'Table pair: this process’s share of the token splits, i/N (e.g. 0/4).'}),
    tokens: Flags.string({summary: 'Table pair: only this token range, from:to (inclusive).'}),
    'key-from': Flags.string({summary: 'Table pair: only partition keys ≥ this value (first partition-key column).'}),
    'key-to': Flags.string({summary: 'Table pair: only partition keys < this value (first partition-key column).'}),
    rate: integerFlag({summary: 'Table pair: at most this many rows read per second (protects the source).', min: 1}),
    splits: integerFlag({
      summary: 'Table pair: token splits of the ring (checkpoint unit; default 64).',
      min: 1,
      max: 65536,
    }),
    'fetch-size': integerFlag({summary: 'Table pair: rows per Cassandra page (default 2000).', min: 10, max: 100000}),
    concurrency: integerFlag({summary: 'Table pair: splits in flight (default 3).', min: 1, max: 32}),
  };

  async run(): Promise<StartSignalResult | CassandraBackfillResult> {
    const f = this.flags;
    const ctx = await this.runContext();
    const source = this.args.source;
    const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
    const stop = this.stopSignal(() =>
      process.stderr.write('\nStopping after the splits in flight (Ctrl-C again to quit at once)…\n'),
    );
    if (isTablePair(ctx, source)) {
      if (f.table || f.where || f.wait)
        throw new UsageError(`${source} is a Cassandra table pair: --table, --where and --wait are for connectors`);
      const opts = {
        table: source,
        shard: parseShard(f.shard),
        tokens: parseTokens(f.tokens),
        keyFrom: f['key-from'],
        keyTo: f['key-to'],
        rate: f.rate,
        splits: f.splits,
        fetchSize: f['fetch-size'],
        concurrency: f.concurrency,
      };
      if (!f['dry-run'])
        await this.confirm(`write the rows of Cassandra ${source} into its PostgreSQL table (guarded)?`);
      const progress = cassandraProgressPrinter(tty, (line) => this.log$.info(line));
      const result = await startCassandraBackfill(ctx, {
        ...opts,
        dryRun: f['dry-run'],
        signal: stop,
        onProgress: (p) => progress.update(p),
      }).finally(() => progress.done());
      if (result.id) this.auditTargets([source, result.id]);
      if (result.status === 'interrupted') this.exitWith(ExitCode.interrupted);
      return this.present(result, () => renderCassandra(result));
    }
    if (f.shard || f.tokens || f['key-from'] || f['key-to'] || f.rate || f.splits)
      throw new UsageError(
        '--shard, --tokens, --key-from, --key-to, --rate and --splits are for Cassandra table pairs',
        {
          hint: `${source} is not in reconcile.tables, so it is taken as a connector.`,
        },
      );
    const tables = f.table ?? [];
    const where = parseWhere(f.where ?? [], tables);
    const progress = signalProgressPrinter(tty, (line) => this.log$.info(line));
    const result = await startSignalBackfill(ctx, source, {
      tables,
      where,
      mode: f.mode,
      channel: f.channel,
      dryRun: f['dry-run'],
      wait: f.wait,
      waitMs: parseTimerDuration(f['wait-timeout']),
      signal: stop,
      onProgress: (p) => progress.update(p),
    }).finally(() => progress.done());
    if (result.id && !result.dryRun) this.auditTargets([source, result.id]);
    if (result.waited) {
      if (stop.aborted && !['completed', 'skipped', 'aborted'].includes(result.status)) {
        this.log$.warn(
          `stopped following: the snapshot goes on in ${source} (cdcctl backfill status ${result.id} --wait)`,
        );
        this.exitWith(ExitCode.interrupted);
      } else if (result.status !== 'completed') this.exitWith(ExitCode.notOk);
    }
    return this.present(result, () => renderStart(result));
  }
}
