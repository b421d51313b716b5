import {CdcError, ExitCode, UsageError} from '../../errors.js';
import {parseDuration} from '../../flags.js';
import type {RunContext} from '../../runtime.js';
import {type AuditFilter, getAudit, listAudit, streamAudit} from '../../store/audit-log.js';
import type {AuditRecord} from '../../store/audit-record.js';
import {openStore} from '../../store/index.js';
import {durationMs, instantAgo, instantAt} from '../../util/time.js';

/** Reading the audit log: list with filters, one record, and a streamed export. */

/** `--since 24h` (that long ago) or an ISO-8601 date/time. */
export function parseTime(input: string, flag: string): Date {
  if (/^\d+(\.\d+)?(ms|s|m|h)$/.test(input.trim())) return instantAgo(parseDuration(input), `${flag} ${input}`);
  if (/^\d+d$/.test(input.trim()))
    return instantAgo(durationMs(Number.parseInt(input, 10), 'd', input), `${flag} ${input}`);
  const t = Date.parse(input);
  if (Number.isNaN(t)) {
    throw new UsageError(`${flag}: "${input}" is neither a duration nor a date`, {
      hint: 'Use e.g. 90m, 24h, 7d or 2025-01-31T12:00:00Z.',
    });
  }
  return instantAt(t, `${flag} ${input}`);
}

export async function listAuditRecords(ctx: RunContext, filter: AuditFilter, limit: number): Promise<AuditRecord[]> {
  const store = await openStore(ctx);
  try {
    return await listAudit(store, filter, limit);
  } finally {
    await store.close();
  }
}

export async function showAuditRecord(ctx: RunContext, id: string): Promise<AuditRecord> {
  const store = await openStore(ctx);
  try {
    const r = await getAudit(store, id);
    if (!r) {
      throw new CdcError('NOT_FOUND', ExitCode.usage, `no audit record ${id}`, {
        hint: 'Give the record id (a UUID) or its sequence number, as `cdcctl audit list` shows them.',
      });
    }
    return r;
  } finally {
    await store.close();
  }
}

/** Every record matching the filter in chain order, a batch at a time (constant memory). */
export async function* exportAuditRecords(ctx: RunContext, filter: AuditFilter): AsyncGenerator<AuditRecord[]> {
  const store = await openStore(ctx);
  try {
    yield* streamAudit(store, filter);
  } finally {
    await store.close();
  }
}
