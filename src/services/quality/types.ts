import type {QualityCheckConfig} from '../../config/schema.js';
import type {CheckStatus} from '../../store/quality.js';

export type {CheckStatus};

/** Numeric warn/fail bounds (durations already in seconds). */
export interface Bounds {
  min?: number;
  max?: number;
}

/** A configured check, named and with its thresholds resolved. */
export interface ResolvedCheck {
  table: string;
  name: string;
  type: QualityCheckConfig['type'];
  config: QualityCheckConfig;
  warn?: Bounds;
  fail?: Bounds;
  /** What the metric counts, for people (e.g. "rows", "seconds", "% of rows"). */
  unit: string;
}

export interface ResolvedTable {
  name: string;
  schema: string;
  table: string;
  config: import('../../config/schema.js').QualityTableConfig;
  checks: ResolvedCheck[];
}

export interface CheckResult {
  table: string;
  check: string;
  type: string;
  status: CheckStatus;
  metric: number | null;
  unit: string;
  /** Why it is not `pass` (threshold, change, anomaly, error), or notes. */
  reasons: string[];
  /** Percent change since the last stored run of the check, when there was one. */
  changePercent?: number;
  /** Failing rows (or groups) sampled with --samples. */
  samples: Array<Record<string, unknown>>;
  durationMs: number;
}

export interface TableQuality {
  table: string;
  status: CheckStatus;
  checks: CheckResult[];
  durationMs: number;
}

export interface QualityRunResult {
  runId: string;
  status: CheckStatus;
  strict: boolean;
  tables: TableQuality[];
  warnings: string[];
}

export interface QualityRunOptions {
  tables: string[];
  checks: string[];
  samples: number;
  strict: boolean;
  push: boolean;
  alert: boolean;
  /** Store the results (default true). */
  store: boolean;
  concurrency?: number;
}
