import type {ContextConfig} from './config/schema.js';
import type {Logger} from './log.js';

/**
 * What a service needs to know about the run it is part of: the selected context and how to talk
 * and log. Built by the base command; services and clients never look at flags or the terminal.
 */
export interface RunContext {
  contextName: string;
  config: ContextConfig;
  /** Per-request timeout from --timeout; when absent, the endpoint's own timeoutMs or the default. */
  timeoutMs?: number;
  log: Logger;
  /** Set with --verbose: receives the HTTP trace (credentials redacted). */
  trace?: (line: string) => void;
  userAgent: string;
  /** Who runs the command: the verified token's `jwt:<subject>`, else the OS `user@host`. */
  actor: string;
  /** The id of this run's audit record (mutating commands), for records that should point at it. */
  auditId?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
