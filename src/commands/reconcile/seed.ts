import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {dryRunFlag, durationFlag, fractionOrZeroFlag, integerFlag} from '../../cli/flags/common.js';
import {renderSeedPlan, renderSeedResult} from '../../output/reconcile.js';
import {planSeed, type SeedPlan, type SeedResult, seed} from '../../services/reconcile/seed.js';

export default class ReconcileSeed extends BaseCommand<typeof ReconcileSeed> {
  static override summary =
    'Load demo rows into a Cassandra table and its PostgreSQL mirror (tests, benchmarks, demos).';
  static override description =
    `Creates (if needed) a 10-column table of mixed types on both sides — Cassandra with cdc=true, the
PostgreSQL mirror with an updated_at column — and loads the same N rows into both (Cassandra: concurrent
prepared inserts, PostgreSQL: COPY). The PostgreSQL table's rows are replaced (TRUNCATE), so the command
asks first (--yes without a terminal). --drift makes that fraction of rows differ, cycling through
missing, extra and a changed value in each column; the injected differences are listed. --dry-run shows
whether each table exists, its row count now and what would be created, dropped, truncated and loaded; it
changes nothing and needs no --yes.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --rows 100000 --yes',
    '<%= config.bin %> <%= command.id %> --rows 100000 --recreate --dry-run',
    '<%= config.bin %> <%= command.id %> --rows 10000 --drift 0.001 --yes --json',
  ];
  static override mutating = true;
  static override flags = {
    cassandra: Flags.string({summary: 'Cassandra keyspace.table.', default: 'demo.accounts'}),
    postgres: Flags.string({summary: "PostgreSQL schema.table (in the context's database).", default: 'demo.accounts'}),
    rows: integerFlag({summary: 'Rows to load.', default: 10_000, min: 1}),
    drift: fractionOrZeroFlag({summary: 'Fraction of rows to make differ (0 … 1).', default: 0}),
    age: durationFlag({summary: 'Date the writes this far back (writetime, updated_at).', default: 3_600_000}),
    recreate: Flags.boolean({summary: 'Drop and re-create both tables first.'}),
    seed: Flags.string({summary: 'Data seed (same seed, same rows).', default: 'cdcctl'}),
    concurrency: integerFlag({summary: 'Cassandra inserts in flight.', default: 128, min: 1, max: 4096}),
    cdc: Flags.boolean({
      summary: 'Create the Cassandra table with cdc = true (--no-cdc for benchmarks without a CDC consumer).',
      default: true,
      allowNo: true,
    }),
    yes: Flags.boolean({
      char: 'y',
      summary: 'Do not ask before replacing the PostgreSQL rows (and, with --recreate, dropping both tables).',
    }),
    'dry-run': dryRunFlag,
  };

  async run(): Promise<SeedResult | SeedPlan> {
    const f = this.flags;
    const drift = f.drift;
    const options = {
      cassandra: f.cassandra,
      postgres: f.postgres,
      rows: f.rows,
      drift,
      ageMs: f.age,
      recreate: f.recreate,
      seed: f.seed,
      concurrency: f.concurrency,
      cdc: f.cdc,
    };
    if (f['dry-run']) {
      const plan = await planSeed(await this.runContext(), options);
      return this.present(plan, () => renderSeedPlan(plan));
    }
    // Every run empties the PostgreSQL table before loading it (and --recreate drops both tables).
    await this.confirm(
      f.recreate
        ? `drop and re-create ${f.cassandra} and ${f.postgres}?`
        : `replace every row of PostgreSQL ${f.postgres} and load ${f.rows} rows into Cassandra ${f.cassandra}?`,
    );
    const result = await seed(await this.runContext(), options);
    return this.present(result, () => renderSeedResult(result));
  }
}
