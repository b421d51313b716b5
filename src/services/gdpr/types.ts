import type {BackupRow, GdprState, JournalEntry, SystemRow} from '../../store/gdpr-journal.js';
import type {CqlKey} from './cassandra-store.js';
import type {UnmappedTable} from './targets.js';
import type {Step} from './transitions.js';

/**
 * The public shapes of GDPR erasure: what the entry points (requests.ts) take and return, what the
 * commands and src/output/gdpr.ts render. No behaviour here.
 */

export type {Step} from './transitions.js';

/** Test seams (never set by the CLI): called right after a step's intent / completion is durable. */
export interface SagaHooks {
  afterIntent?: (step: Step) => void | Promise<void>;
  afterDone?: (step: Step) => void | Promise<void>;
}

export interface Located {
  cassandra: Array<{keyspace: string; table: string; keys: CqlKey[]}>;
  postgres: Array<{schema: string; table: string; column: string; located: number}>;
}

export interface Horizon {
  topic: string;
  cleanupPolicy: string;
  /** When records written before the erasure are gone at the latest (ISO), or null when unbounded. */
  horizonAt: string | null;
  note: string;
}

export interface RequestView {
  requestId: string;
  context: string;
  subjectPseudonym: string;
  state: GdprState;
  onFailure: 'restore' | 'retry';
  reason: string | null;
  receivedAt: string;
  deadlineAt: string;
  updatedAt: string;
  closedAt: string | null;
  actor: string;
  toolVersion: string;
  configHash: string;
  host: string;
  deleteTimestampUs: string | null;
  restoreTimestampUs: string | null;
  lastError: string | null;
  systems: SystemRow[];
  backup: Omit<BackupRow, 'iv' | 'tag' | 'ciphertext'> | null;
  evidence: Record<string, unknown>;
  journal: JournalEntry[];
}

export interface EraseOptions {
  subject: string;
  requestId?: string;
  reason?: string;
  dryRun?: boolean;
  onFailure?: 'restore' | 'retry';
  toolVersion: string;
  hooks?: SagaHooks;
}

export interface ErasePlan {
  dryRun: true;
  context: string;
  cassandra: Array<{table: string; rows: number; region?: string; jurisdiction?: string}>;
  postgres: Array<{table: string; rows: number; region?: string; jurisdiction?: string}>;
  horizons: Horizon[];
  /** Tables the map does not list that have a column named like a subject key: not erased. */
  unmapped: UnmappedTable[];
  steps: string[];
}

export interface ResumeResult {
  dryRun: false;
  requests: Array<{requestId: string; from: GdprState; to: GdprState; error?: string}>;
  needsOperator: string[];
}

/** `gdpr resume --dry-run`: what a resume would do with each unfinished request; nothing is run. */
export interface ResumePlan {
  dryRun: true;
  context: string;
  requests: Array<{
    requestId: string;
    state: GdprState;
    /**
     * resume: run `steps`; wait: only the backup's grace period is left; needs_operator: left alone;
     * finished: already closed or restored (only when named with --request).
     */
    action: 'resume' | 'wait' | 'needs_operator' | 'finished';
    /** The step it resumes at (re-run from the start when its intent is the last journal entry). */
    step: Step | null;
    /** Every step it would run, in order, if each succeeds. */
    steps: Step[];
    /** The state it would reach then. */
    to: GdprState;
    /** The last journal entry: where the request stopped. */
    lastJournal: {step: string; phase: JournalEntry['phase']; at: string} | null;
    lastError: string | null;
    /** When the backup's grace period ends (purge and close), if there is a backup. */
    backupExpiresAt: string | null;
  }>;
  needsOperator: string[];
}

export interface VerifyResult {
  requestId: string;
  state: GdprState;
  at: string;
  ok: boolean;
  remaining: Array<{store: string; table: string; rows: number}>;
  hash: string | null;
  consistency: string;
}
