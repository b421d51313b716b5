import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderCatalog} from '../../output/metrics.js';
import {type CatalogEntry, catalog} from '../../services/metrics/catalog.js';

export default class MetricsList extends BaseCommand<typeof MetricsList> {
  static override summary = "List the named CDC queries (built-in and from the context's metrics.queries).";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o wide'];
  static override flags = {output: outputFlag};

  async run(): Promise<CatalogEntry[]> {
    const entries = catalog(await this.runContext());
    return this.present(entries, (wide) => renderCatalog(entries, wide));
  }
}
