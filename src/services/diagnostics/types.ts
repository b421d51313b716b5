/** Public types of the diagnostics area (doctor, connectors why, trace). */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** What was checked: an endpoint (`connect`, `kafka 127.0.0.1:9092`) or a prerequisite's subject. */
  target: string;
  /** dns, tcp, tls, auth, version, clock, wal_level, slot, publication … */
  check: string;
  status: CheckStatus;
  detail: string;
  /** The setting to change (or the command to run) when the status is not ok. */
  hint?: string;
  ms: number;
  /** Measured facts (rtt, days left, bytes), for --json. */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  context: string;
  checks: CheckResult[];
  summary: Record<CheckStatus, number>;
  wallMs: number;
}
