import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {type AuditFilter, getAudit, listAudit, streamAudit} from '../../store/audit-log.js';
import type {AuditRecord} from '../../store/audit-record.js';
import {openStore} from '../../store/index.js';

/** Reading the audit log: list with filters, one record, and a streamed export. */

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
