import {BaseCommand} from '../../cli/base-command.js';
import {renderMigration} from '../../output/store.js';
import {migrateStore} from '../../store/index.js';

export default class StoreMigrate extends BaseCommand<typeof StoreMigrate> {
  static override summary = "Create or upgrade the operational store's schema.";
  static override description =
    'Applies pending migrations in order, each in its own transaction, under an advisory lock (safe when several cdcctl processes start at once). Commands that use the store also do this on first use.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  /**
   * It runs DDL, so it needs store:write (not the store:read a non-mutating command would get). It is
   * not a "mutating" command of the base class: that would open (and so migrate) the store for the
   * audit record before this command could report what it applied; `store status` is its dry run.
   */
  static override permission = 'store:write';

  async run(): Promise<Awaited<ReturnType<typeof migrateStore>>> {
    const result = await migrateStore(await this.runContext());
    return this.present(result, () => renderMigration(result));
  }
}
