import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags, outputFlag} from '../../../cli/flags/common.js';
import {renderSync} from '../../../output/history.js';
import {type SyncResult, syncHistory} from '../../../services/history/versions.js';

export default class ConnectorsHistorySync extends BaseCommand<typeof ConnectorsHistorySync> {
  static override summary = 'Record changes made outside cdcctl (live config ≠ latest version) as external versions.';
  static override description =
    'Compares every live connector (or those matching the arguments) with its latest version: a difference is stored as an ' +
    '"external" version, a connector seen for the first time gets its first version, and one deleted outside cdcctl a deletion. ' +
    'Run it from cron to make drift visible in `connectors history`.';
  static override strict = false;
  static override mutating = true;
  static override permission = 'connectors:write';
  static override flags = {output: outputFlag, 'dry-run': mutationFlags['dry-run']};
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> 'inventory-*' --dry-run",
  ];

  async run(): Promise<SyncResult[]> {
    const results = await syncHistory(await this.runContext(), this.rest, {dryRun: this.flags['dry-run']});
    this.auditTargets(results.filter((r) => r.outcome === 'recorded').map((r) => r.connector));
    return this.present(results, (wide) => renderSync(results, wide, this.flags['dry-run']));
  }
}
