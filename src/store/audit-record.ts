import {createHash} from 'node:crypto';
import {canonicalJson} from '../util/canonical-json.js';

/**
 * One audit record and its place in the hash chain. Each record stores the SHA-256 of its
 * predecessor (`prevHash`) and its own `hash` over a canonical serialisation of every field but
 * `seq` and `hash` — so an edited row no longer matches its hash, and a deleted or moved row breaks
 * the link of the row after it.
 */
export type AuditResult = 'ok' | 'failed' | 'partial' | 'denied' | 'dry-run';
export const AUDIT_RESULTS: readonly AuditResult[] = ['ok', 'failed', 'partial', 'denied', 'dry-run'];

export interface AuditEntry {
  id: string;
  /** ISO-8601 UTC, millisecond precision. */
  time: string;
  actor: string;
  /** The roles that granted the command (comma-separated), or "unrestricted" without a policy. */
  role: string;
  context: string;
  command: string;
  /** The command line after the command id, secrets redacted. */
  args: string[];
  targets: string[];
  result: AuditResult;
  error: {code: string; message: string} | null;
  durationMs: number;
  version: string;
  host: string;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Bumped if the canonical form ever changes; part of every hash. */
const CANONICAL_VERSION = 1;

/** JSON with object keys sorted, arrays in order: the same bytes for the same record, always. */
export {canonicalJson};

export function recordHash(entry: AuditEntry, prevHash: string): string {
  return createHash('sha256').update(canonicalRecord(entry, prevHash)).digest('hex');
}

/**
 * canonicalJson([version, id, time, actor, role, context, command, args, targets, result, error,
 * durationMs, version, host, prevHash]) — built with the native JSON.stringify around the one
 * object (error), which is canonicalised: byte-identical, and several times faster for `verify`.
 */
export function canonicalRecord(e: AuditEntry, prevHash: string): string {
  return `${canonicalPrefix(e)}${JSON.stringify(prevHash)}]`;
}

/**
 * The canonical record up to the predecessor's hash: the store appends `"<prevHash>"]` and hashes
 * it under the chain-head lock (see appendAudit), so an append is one round trip.
 */
export function canonicalPrefix(e: AuditEntry): string {
  const head = JSON.stringify([
    CANONICAL_VERSION,
    e.id,
    e.time,
    e.actor,
    e.role,
    e.context,
    e.command,
    e.args,
    e.targets,
    e.result,
  ]);
  const tail = JSON.stringify([e.durationMs, e.version, e.host]);
  return `${head.slice(0, -1)},${canonicalJson(e.error)},${tail.slice(1, -1)},`;
}
