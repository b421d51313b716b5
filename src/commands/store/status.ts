import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../output/render.js';
import {storeStatus} from '../../store/index.js';

export default class StoreStatus extends BaseCommand<typeof StoreStatus> {
  static override summary = "Show the operational store's schema version and pending migrations.";
  static override description =
    "cdcctl keeps its own state (audit log, config history, DLQ records, reconciliation runs, GDPR journal) in the context's PostgreSQL database, in a dedicated schema (postgres.opsSchema, default cdc_ops).";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<Awaited<ReturnType<typeof storeStatus>>> {
    const status = await storeStatus(await this.runContext());
    return this.present(status, () => {
      const head = `Store ${status.schema} at ${status.database}: version ${status.current}, ${status.pending.length} pending migration(s)`;
      const rows = [
        ...status.applied.map((m) => ({...m, state: 'applied'})),
        ...status.pending.map((m) => ({...m, appliedAt: '', state: 'pending'})),
      ];
      return `${head}\n\n${renderTable(rows, [
        {header: 'VERSION', value: (m) => m.version},
        {header: 'NAME', value: (m) => m.name},
        {header: 'STATE', value: (m) => m.state},
        {header: 'APPLIED', value: (m) => m.appliedAt},
      ])}`;
    });
  }
}
