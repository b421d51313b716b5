import {writeFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {dateFlag} from '../../cli/flags/common.js';
import {renderCsv, renderHtml, renderReportSummary} from '../../output/compliance.js';
import {buildReport, type ReportPayload, signReport} from '../../services/compliance/report.js';
import type {SignedDocument} from '../../services/compliance/sign.js';

export default class ComplianceReport extends BaseCommand<typeof ComplianceReport> {
  static override summary =
    'Erasure evidence for a period: signed JSON, CSV (one line per system/table) or one-page HTML.';
  static override description =
    'Per request: received/deadline/closed times, the subject as an HMAC pseudonym, per-system row counts and delete ' +
    'timestamps, the verification hash, backup purge time, residual Kafka horizons, failures and compensations, and ' +
    'every journal transition. JSON is signed with gdpr.signing (HMAC or Ed25519); check it with `compliance verify`.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --from 2026-01-01 --to 2026-04-01 --format json --output q1.json',
    '<%= config.bin %> <%= command.id %> --format html --output erasures.html',
    '<%= config.bin %> <%= command.id %> --format csv > erasures.csv',
  ];
  static override flags = {
    from: dateFlag({summary: 'Requests received at or after this date (ISO 8601).'}),
    to: dateFlag({summary: 'Requests received before this date (ISO 8601).'}),
    format: Flags.option({summary: 'Report format.', options: ['json', 'csv', 'html'] as const, default: 'json'})(),
    output: Flags.string({summary: 'Write the report to this file instead of stdout.'}),
  };

  async run(): Promise<SignedDocument<ReportPayload> | ReportPayload> {
    const f = this.flags;
    const ctx = await this.runContext();
    const payload = await buildReport(ctx, {
      from: f.from,
      to: f.to,
      toolVersion: this.config.version,
    });
    const signed = f.format === 'json' ? signReport(ctx, payload) : undefined;
    const text = signed
      ? `${JSON.stringify(signed, null, 2)}\n`
      : f.format === 'csv'
        ? renderCsv(payload)
        : renderHtml(payload);
    if (f.output) {
      writeFileSync(f.output, text, {mode: 0o600});
      if (!this.jsonEnabled()) process.stderr.write(`${renderReportSummary(payload, f.output)}\n`);
      return signed ?? payload;
    }
    return this.present(signed ?? payload, () => text);
  }
}
