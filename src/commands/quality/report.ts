import {writeFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderReportTable, reportCsv, reportHtml} from '../../output/quality.js';
import {jsonText} from '../../output/render.js';
import {type QualityHistory, qualityHistory} from '../../services/quality/history.js';

export default class QualityReport extends BaseCommand<typeof QualityReport> {
  static override summary = 'A report of the stored quality results: table, JSON, CSV or a self-contained HTML page.';
  static override description =
    `The HTML page needs nothing but itself (inline styles and SVG): a summary, then per table a card per
check with its latest value, status, reasons, failing-row samples and a trend chart of its metric over
the runs. Written to stdout, or to --out.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --format html --out /tmp/quality.html',
    '<%= config.bin %> <%= command.id %> --format csv --table demo.accounts --runs 100',
  ];
  static override flags = {
    format: Flags.option({
      summary: 'Report format.',
      options: ['table', 'json', 'csv', 'html'] as const,
      default: 'table',
    })(),
    out: Flags.string({summary: 'Write the report to this file instead of stdout.'}),
    table: Flags.string({char: 't', summary: 'Only this table.'}),
    check: Flags.string({char: 'c', summary: 'Only this check.'}),
    runs: integerFlag({summary: 'The last this many runs.', default: 30, min: 1, max: 10_000}),
  };

  async run(): Promise<QualityHistory> {
    const f = this.flags;
    const h = await qualityHistory(await this.runContext(), {table: f.table, check: f.check, runs: f.runs});
    const format = this.jsonEnabled() ? 'json' : f.format;
    const text =
      format === 'json'
        ? `${jsonText(h)}\n`
        : format === 'csv'
          ? reportCsv(h)
          : format === 'html'
            ? reportHtml(h, new Date().toISOString())
            : `${renderReportTable(h, false)}\n`;
    if (f.out) {
      try {
        writeFileSync(f.out, text);
      } catch (err) {
        throw new UsageError(`cannot write ${f.out}: ${(err as Error).message}`);
      }
      this.log$.info(`wrote the ${format} report to ${f.out}`);
    } else if (!this.jsonEnabled()) process.stdout.write(text);
    return h;
  }
}
