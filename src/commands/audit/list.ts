import {Flags} from '@oclif/core';
import {BaseCommand} from '../../base-command.js';
import {integerFlag, outputFlag} from '../../flags.js';
import {renderAuditList} from '../../output/audit.js';
import {listAuditRecords, parseTime} from '../../services/audit/query.js';
import {AUDIT_RESULTS, type AuditRecord, type AuditResult} from '../../store/audit-record.js';

export const auditFilterFlags = {
  since: Flags.string({summary: 'Only records from this long ago (24h, 7d) or this date/time on.'}),
  until: Flags.string({summary: 'Only records before this date/time (or this long ago).'}),
  actor: Flags.string({summary: 'Only actors containing this text (case-insensitive).'}),
  action: Flags.string({summary: 'Only this command or topic, e.g. "connectors patch" or connectors.'}),
  target: Flags.string({summary: 'Only records naming this target (e.g. a connector).'}),
  result: Flags.option({summary: 'Only records with this result.', options: AUDIT_RESULTS})(),
};

export function auditFilter(flags: {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  target?: string;
  result?: AuditResult;
}) {
  return {
    ...(flags.since ? {since: parseTime(flags.since, '--since')} : {}),
    ...(flags.until ? {until: parseTime(flags.until, '--until')} : {}),
    actor: flags.actor,
    action: flags.action,
    target: flags.target,
    result: flags.result,
  };
}

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
