import {BaseCommand} from '../../cli/base-command.js';
import {renderStoreStatus} from '../../output/store.js';
import {storeStatus} from '../../store/index.js';

export default class StoreStatus extends BaseCommand<typeof StoreStatus> {
  static override summary = "Show the operational store's schema version and pending migrations.";
  static override description =
    "cdcctl keeps its own state (audit log, config history, DLQ records, reconciliation runs, GDPR journal) in the context's PostgreSQL database, in a dedicated schema (postgres.opsSchema, default cdc_ops).";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<Awaited<ReturnType<typeof storeStatus>>> {
    const status = await storeStatus(await this.runContext());
    return this.present(status, () => renderStoreStatus(status));
  }
}
