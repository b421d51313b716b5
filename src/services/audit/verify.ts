import type {RunContext} from '../../runtime.js';
import {auditHead, seqOfHash, streamAudit} from '../../store/audit-log.js';
import {GENESIS_HASH, recordHash} from '../../store/audit-record.js';
import {openStore} from '../../store/index.js';

/**
 * `audit verify`: walks the chain in order, a batch at a time, and reports every record that no
 * longer matches its own hash (edited), every broken link (a record deleted before it, or records
 * reordered), and records missing at the end (compared with the chain head).
 */
export interface ChainProblem {
  kind: 'modified' | 'deleted' | 'reordered' | 'truncated';
  seq: number;
  id?: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  head: {seq: number; hash: string};
  problems: ChainProblem[];
  /** Problems found beyond the first MAX_PROBLEMS (not listed). */
  moreProblems: number;
  durationMs: number;
}

const MAX_PROBLEMS = 100;

export async function verifyAudit(ctx: RunContext, options: {batch?: number} = {}): Promise<VerifyResult> {
  const started = performance.now();
  const store = await openStore(ctx);
  try {
    const problems: ChainProblem[] = [];
    let more = 0;
    const report = (p: ChainProblem) => (problems.length < MAX_PROBLEMS ? problems.push(p) : more++);
    const head = await auditHead(store);
    let expectedPrev = GENESIS_HASH;
    let lastSeq = 0;
    let records = 0;
    for await (const batch of streamAudit(store, {}, options.batch ?? 5000)) {
      for (const r of batch) {
        records++;
        if (recordHash(r, r.prevHash) !== r.hash) {
          report({
            kind: 'modified',
            seq: r.seq,
            id: r.id,
            message: `record ${r.seq} (${r.id}) was modified: its content no longer matches its hash`,
          });
        }
        if (r.prevHash !== expectedPrev) {
          const linked = await seqOfHash(store, r.prevHash);
          if (linked !== undefined && linked !== lastSeq) {
            report({
              kind: 'reordered',
              seq: r.seq,
              id: r.id,
              message: `record ${r.seq} (${r.id}) is out of order: it follows record ${linked} in the chain, not record ${lastSeq}`,
            });
          } else {
            const gap = r.seq - lastSeq - 1;
            report({
              kind: 'deleted',
              seq: r.seq,
              id: r.id,
              message:
                gap > 0
                  ? `${gap} record(s) before record ${r.seq} were deleted (seq ${lastSeq + 1}–${r.seq - 1})`
                  : `the chain is broken before record ${r.seq} (${r.id}): the record it follows was deleted or rewritten`,
            });
          }
        } else if (r.seq !== lastSeq + 1 && lastSeq !== 0) {
          report({
            kind: 'reordered',
            seq: r.seq,
            id: r.id,
            message: `record ${r.seq} was renumbered (expected seq ${lastSeq + 1})`,
          });
        }
        expectedPrev = r.hash;
        lastSeq = r.seq;
      }
    }
    if (head.seq > lastSeq) {
      report({
        kind: 'truncated',
        seq: lastSeq + 1,
        message: `the last ${head.seq - lastSeq} record(s) were deleted (seq ${lastSeq + 1}–${head.seq}; the chain head says ${head.seq})`,
      });
    } else if (records > 0 && head.hash !== expectedPrev) {
      report({
        kind: 'truncated',
        seq: lastSeq,
        message: `the chain head (seq ${head.seq}) does not match the last record ${lastSeq}: records at the end were rewritten`,
      });
    }
    return {
      ok: problems.length === 0,
      records,
      head,
      problems,
      moreProblems: more,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await store.close();
  }
}
