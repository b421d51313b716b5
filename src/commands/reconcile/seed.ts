import {Flags} from '@oclif/core';
import {BaseCommand} from '../../base-command.js';
import {durationFlag} from '../../flags.js';
import {renderTable} from '../../output/render.js';
import {type SeedResult, seed} from '../../services/reconcile/seed.js';

export default class ReconcileSeed extends BaseCommand<typeof ReconcileSeed> {
  static override summary =
    'Load demo rows into a Cassandra table and its PostgreSQL mirror (tests, benchmarks, demos).';
  static override description =
    `Creates (if needed) a 10-column table of mixed types on both sides — Cassandra with cdc=true, the
PostgreSQL mirror with an updated_at column — and loads the same N rows into both (Cassandra: concurrent
prepared inserts, PostgreSQL: COPY). --drift makes that fraction of rows differ, cycling through
missing, extra and a changed value in each column; the injected differences are listed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --rows 100000',
    '<%= config.bin %> <%= command.id %> --rows 10000 --drift 0.001 --json',
  ];
  static override mutating = true;
  static override flags = {
    cassandra: Flags.string({summary: 'Cassandra keyspace.table.', default: 'demo.accounts'}),
    postgres: Flags.string({summary: "PostgreSQL schema.table (in the context's database).", default: 'demo.accounts'}),
    rows: Flags.integer({summary: 'Rows to load.', default: 10_000}),
    drift: Flags.string({summary: 'Fraction of rows to make differ (0 … 1).', default: '0'}),
    age: durationFlag({summary: 'Date the writes this far back (writetime, updated_at).', default: 3_600_000}),
    recreate: Flags.boolean({summary: 'Drop and re-create both tables first.'}),
    seed: Flags.string({summary: 'Data seed (same seed, same rows).', default: 'cdcctl'}),
    concurrency: Flags.integer({summary: 'Cassandra inserts in flight.', default: 128}),
    cdc: Flags.boolean({
      summary: 'Create the Cassandra table with cdc = true (--no-cdc for benchmarks without a CDC consumer).',
      default: true,
      allowNo: true,
    }),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask before --recreate drops tables.'}),
  };

  async run(): Promise<SeedResult> {
    const f = this.flags;
    if (f.recreate) await this.confirm(`drop and re-create ${f.cassandra} and ${f.postgres}?`);
    const result = await seed(await this.runContext(), {
      cassandra: f.cassandra,
      postgres: f.postgres,
      rows: f.rows,
      drift: Number(f.drift),
      ageMs: f.age,
      recreate: f.recreate,
      seed: f.seed,
      concurrency: f.concurrency,
      cdc: f.cdc,
    });
    const summary = `Loaded ${result.rows.toLocaleString('en-US')} rows: Cassandra ${result.cassandra} in ${(result.cassandraMs / 1000).toFixed(1)}s, PostgreSQL ${result.postgres} in ${(result.postgresMs / 1000).toFixed(1)}s`;
    return this.present(result, () =>
      result.drift.length
        ? `${summary}\nInjected ${result.drift.length} differences:\n${renderTable(result.drift, [
            {header: 'KIND', value: (d) => d.kind},
            {header: 'ID', value: (d) => d.id},
            {header: 'COLUMN', value: (d) => d.column ?? ''},
            {header: 'HOW', value: (d) => d.how},
          ])}`
        : summary,
    );
  }
}
