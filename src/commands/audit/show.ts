import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {renderAuditRecord} from '../../output/audit.js';
import {showAuditRecord} from '../../services/audit/query.js';
import type {AuditRecord} from '../../store/audit-record.js';

export default class AuditShow extends BaseCommand<typeof AuditShow> {
  static override summary = 'Show one audit record in full, with its place in the hash chain.';
  static override args = {id: Args.string({required: true, description: 'Record id (UUID) or sequence number.'})};
  static override examples = [
    '<%= config.bin %> <%= command.id %> 42',
    '<%= config.bin %> <%= command.id %> 3f0c…-… --json',
  ];

  async run(): Promise<AuditRecord> {
    const record = await showAuditRecord(await this.runContext(), this.args.id);
    return this.present(record, () => renderAuditRecord(record));
  }
}
