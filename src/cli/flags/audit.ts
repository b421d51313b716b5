import {Flags} from '@oclif/core';
import {AUDIT_RESULTS, type AuditResult} from '../../store/audit-record.js';
import {parseAuditTime} from '../../util/time.js';

/** Flags shared by `audit list` and `audit export`: the record filter, and the filter they give. */

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
    ...(flags.since ? {since: parseAuditTime(flags.since, '--since')} : {}),
    ...(flags.until ? {until: parseAuditTime(flags.until, '--until')} : {}),
    actor: flags.actor,
    action: flags.action,
    target: flags.target,
    result: flags.result,
  };
}
