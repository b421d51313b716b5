import {BaseCommand} from '../../cli/base-command.js';
import {auditFilter, auditFilterFlags} from '../../cli/flags/audit.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {renderAuditList} from '../../output/audit.js';
import {listAuditRecords} from '../../services/audit/query.js';
import type {AuditRecord} from '../../store/audit-record.js';

export default class AuditList extends BaseCommand<typeof AuditList> {
  static override summary = 'List audit records: who ran which mutating command, on what, with what result.';
  static override description =
    'Newest last. Every mutating command (and every denied one) writes a record to the hash-chained audit log in the operational store.';
  static override flags = {
    ...auditFilterFlags,
    limit: integerFlag({summary: 'At most this many (the newest).', default: 100, min: 1}),
    output: outputFlag,
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 24h',
    '<%= config.bin %> <%= command.id %> --action "connectors delete" --result ok -o wide',
    '<%= config.bin %> <%= command.id %> --actor jwt: --result denied --json',
  ];

  async run(): Promise<AuditRecord[]> {
    const records = await listAuditRecords(await this.runContext(), auditFilter(this.flags), this.flags.limit);
    return this.present(records, (wide) => renderAuditList(records, wide));
  }
}
