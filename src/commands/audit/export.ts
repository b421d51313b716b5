import {once} from 'node:events';
import {createWriteStream} from 'node:fs';
import type {Writable} from 'node:stream';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {auditFilter, auditFilterFlags} from '../../cli/flags/audit.js';
import {csvHeader, csvRows} from '../../output/audit.js';
import {exportAuditRecords} from '../../services/audit/query.js';

export default class AuditExport extends BaseCommand<typeof AuditExport> {
  static override summary = 'Export audit records as JSON, NDJSON or CSV (for CI, SIEM or auditors).';
  static override description =
    'Streams the records in chain order (constant memory for any size) to stdout or --output. Every record carries prevHash and hash, so the export can be re-verified elsewhere.';
  static override enableJsonFlag = false;
  static override flags = {
    format: Flags.option({summary: 'Output format.', options: ['json', 'ndjson', 'csv'] as const, default: 'ndjson'})(),
    output: Flags.string({summary: 'Write to this file instead of stdout.'}),
    ...auditFilterFlags,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> --format csv --since 7d --output audit.csv',
    '<%= config.bin %> <%= command.id %> --format ndjson | jq -c \'select(.result=="denied")\'',
  ];

  async run(): Promise<void> {
    const {format} = this.flags;
    const out: Writable = this.flags.output ? createWriteStream(this.flags.output, {mode: 0o600}) : process.stdout;
    const write = async (text: string) => {
      if (text && !out.write(text)) await once(out, 'drain');
    };
    let count = 0;
    await write(format === 'csv' ? csvHeader() : format === 'json' ? '[' : '');
    for await (const batch of exportAuditRecords(await this.runContext(), auditFilter(this.flags))) {
      if (format === 'csv') await write(csvRows(batch));
      else if (format === 'ndjson') await write(batch.map((r) => `${JSON.stringify(r)}\n`).join(''));
      else await write(batch.map((r) => `${count++ === 0 ? '\n' : ',\n'}  ${JSON.stringify(r)}`).join(''));
      if (format !== 'json') count += batch.length;
    }
    if (format === 'json') await write(count ? '\n]\n' : ']\n');
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
      this.log$.info(`${count} record(s) written to ${this.flags.output}`);
    }
  }
}
