import {BackfillControlCommand, tablesFlag} from '../../cli/backfill-control-command.js';
import {withExitCodes} from '../../cli/base-command.js';
import type {ControlResult} from '../../services/backfill/types.js';

export default class BackfillStop extends BackfillControlCommand<typeof BackfillStop> {
  static override summary = 'Stop a connector’s incremental snapshot (Debezium stop-snapshot signal).';
  static override description = withExitCodes(
    `Sends stop-snapshot through the connector's signal channel: the running incremental snapshot ends
(or only its --table values are dropped from it). Rows already sent stay sent. The backfills recorded for
the connector are marked stopped when every table is stopped.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source',
    '<%= config.bin %> <%= command.id %> inventory-source --table public.orders --dry-run',
  ];
  static override flags = {...BackfillControlCommand.flags, table: tablesFlag};

  async run(): Promise<ControlResult> {
    return this.control('stop', this.flags.table ?? []);
  }
}
