import {readFileSync} from 'node:fs';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {listRequests} from '../../store/gdpr-journal.js';
import {openStore} from '../../store/index.js';
import {describe} from '../gdpr/requests.js';
import type {RequestView} from '../gdpr/types.js';
import {type SignatureCheck, type SignedDocument, signPayload, verifyDocument} from './sign.js';

/**
 * Compliance evidence for auditors and CI: the erasure register of a period, built from the GDPR
 * journal. Subjects appear only as HMAC pseudonyms (the report never re-introduces personal data).
 * JSON reports are signed; CSV and HTML are derived views of the same payload.
 */

export interface ReportSystem {
  store: string;
  name: string;
  located: number;
  deleted: number | null;
  deletedAt: string | null;
  deleteTimestampUs: string | null;
  consistency: string | null;
  verifiedAt: string | null;
  remaining: number | null;
  region: string | null;
  jurisdiction: string | null;
}

export interface ReportRequest {
  requestId: string;
  subjectPseudonym: string;
  state: string;
  reason: string | null;
  receivedAt: string;
  deadlineAt: string;
  closedAt: string | null;
  withinDeadline: boolean | null;
  actor: string;
  host: string;
  toolVersion: string;
  configHash: string;
  systems: ReportSystem[];
  verification: {at: string; hash: string; consistency: string; result: string} | null;
  rechecks: unknown[];
  settle: unknown;
  backup: {createdAt: string; sha256: string; keyId: string; expiresAt: string; purgedAt: string | null} | null;
  residualHorizons: unknown[];
  failures: Array<{step: string; at: string; error: string}>;
  compensations: Array<{step: string; phase: string; at: string}>;
  transitions: Array<{step: string; phase: string; at: string; auditId: string | null}>;
}

export interface ReportPayload {
  kind: 'cdcctl.gdpr.compliance-report';
  version: 1;
  generatedAt: string;
  generatedBy: string;
  context: string;
  period: {from: string | null; to: string | null};
  summary: {
    requests: number;
    byState: Record<string, number>;
    closedWithinDeadline: number;
    overdue: number;
    /** Failed step attempts journalled across the requests (each is listed under its request). */
    failures: number;
  };
  requests: ReportRequest[];
}

export async function buildReport(
  ctx: RunContext,
  o: {from?: Date; to?: Date; toolVersion: string},
): Promise<ReportPayload> {
  const store = await openStore(ctx);
  try {
    const rows = await listRequests(store, {context: ctx.contextName, from: o.from, to: o.to});
    const requests: ReportRequest[] = [];
    for (const r of rows) requests.push(toReport(await describe(store, r.requestId)));
    const byState: Record<string, number> = {};
    for (const r of requests) byState[r.state] = (byState[r.state] ?? 0) + 1;
    const now = Date.now();
    return {
      kind: 'cdcctl.gdpr.compliance-report',
      version: 1,
      generatedAt: new Date().toISOString(),
      generatedBy: `cdcctl/${o.toolVersion} ${ctx.actor}`,
      context: ctx.contextName,
      period: {from: o.from?.toISOString() ?? null, to: o.to?.toISOString() ?? null},
      summary: {
        requests: requests.length,
        byState,
        closedWithinDeadline: requests.filter((r) => r.withinDeadline === true).length,
        overdue: requests.filter((r) => r.withinDeadline === false || (!r.closedAt && Date.parse(r.deadlineAt) < now))
          .length,
        failures: requests.reduce((n, r) => n + r.failures.length, 0),
      },
      requests,
    };
  } finally {
    await store.close();
  }
}

function toReport(v: RequestView): ReportRequest {
  const e = v.evidence as Record<string, unknown>;
  return {
    requestId: v.requestId,
    subjectPseudonym: v.subjectPseudonym,
    state: v.state,
    reason: v.reason,
    receivedAt: v.receivedAt,
    deadlineAt: v.deadlineAt,
    closedAt: v.closedAt,
    withinDeadline: v.closedAt ? Date.parse(v.closedAt) <= Date.parse(v.deadlineAt) : null,
    actor: v.actor,
    host: v.host,
    toolVersion: v.toolVersion,
    configHash: v.configHash,
    systems: v.systems.map((s) => ({
      store: s.store,
      name: s.name,
      located: s.located,
      deleted: s.deleted,
      deletedAt: s.deletedAt,
      deleteTimestampUs: s.deleteTsUs,
      consistency: s.consistency,
      verifiedAt: s.verifiedAt,
      remaining: s.remaining,
      region: s.region,
      jurisdiction: s.jurisdiction,
    })),
    verification: (e.verification as ReportRequest['verification']) ?? null,
    rechecks: (e.rechecks as unknown[]) ?? [],
    settle: e.settle ?? null,
    backup: v.backup
      ? {
          createdAt: v.backup.createdAt,
          sha256: v.backup.sha256,
          keyId: v.backup.keyId,
          expiresAt: v.backup.expiresAt,
          purgedAt: v.backup.purgedAt,
        }
      : null,
    residualHorizons: (e.horizons as unknown[]) ?? [],
    failures: v.journal
      .filter((j) => j.phase === 'failed')
      .map((j) => ({step: j.step, at: j.at, error: String((j.detail as {error?: string}).error ?? '')})),
    compensations: v.journal
      .filter((j) => j.step === 'restore' || j.step === 'verify_restore')
      .map((j) => ({step: j.step, phase: j.phase, at: j.at})),
    // auditId: filled once the audit trail (issue 5) links each step to its audit record.
    transitions: v.journal.map((j) => ({step: j.step, phase: j.phase, at: j.at, auditId: j.auditId})),
  };
}

export function signReport(ctx: RunContext, payload: ReportPayload): SignedDocument<ReportPayload> {
  return signPayload(payload, ctx.config.gdpr?.signing, `contexts.${ctx.contextName}.gdpr.signing`);
}

export interface ReportVerification extends SignatureCheck {
  file: string;
  requests: number | null;
  generatedAt: string | null;
}

export function verifyReportFile(ctx: RunContext, file: string, publicKeyFile?: string): ReportVerification {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  const check = verifyDocument(
    doc,
    ctx.config.gdpr?.signing,
    `contexts.${ctx.contextName}.gdpr.signing`,
    publicKeyFile,
  );
  const p = (doc as {payload?: Partial<ReportPayload>}).payload;
  return {
    ...check,
    file,
    requests: Array.isArray(p?.requests) ? p.requests.length : null,
    generatedAt: typeof p?.generatedAt === 'string' ? p.generatedAt : null,
  };
}
