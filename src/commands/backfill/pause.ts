import {BackfillControlCommand} from '../../cli/backfill-control-command.js';
import {withExitCodes} from '../../cli/base-command.js';
import type {ControlResult} from '../../services/backfill/types.js';

export default class BackfillPause extends BackfillControlCommand<typeof BackfillPause> {
  static override summary = 'Pause a connector’s incremental snapshot (Debezium pause-snapshot signal).';
  static override description = withExitCodes(
    `Sends pause-snapshot through the connector's signal channel: the incremental snapshot stops reading
chunks while streaming goes on. \`backfill resume <connector>\` continues it where it stopped.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source',
    '<%= config.bin %> <%= command.id %> inventory-source --channel source --dry-run',
  ];

  async run(): Promise<ControlResult> {
    return this.control('pause');
  }
}
