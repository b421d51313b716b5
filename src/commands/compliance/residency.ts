import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderResidency} from '../../output/compliance.js';
import {type ResidencyRow, residency} from '../../services/compliance/residency.js';

export default class ComplianceResidency extends BaseCommand<typeof ComplianceResidency> {
  static override summary = 'Where each table holding subject data lives (region, jurisdiction), from the subject map.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];
  static override flags = {output: outputFlag};

  async run(): Promise<ResidencyRow[]> {
    const rows = residency(await this.runContext());
    return this.present(rows, (wide) => renderResidency(rows, wide));
  }
}
