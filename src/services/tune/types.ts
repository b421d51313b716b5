import type {ApplyResult} from '../connectors/apply.js';
import type {CassandraBacklog} from './cassandra.js';
import type {Direction, Measure, MeasureComparison} from './measure.js';
import type {ConnectorKind, MetricKey, Recommendation} from './rules.js';

/** The public types of `cdcctl tune`. */

export type {CassandraBacklog} from './cassandra.js';
export type {Direction, Measure, MeasureComparison, MeasureDelta} from './measure.js';
export type {Recommendation} from './rules.js';

export interface ConnectorObservation {
  connector: string;
  kind: ConnectorKind;
  connectorClass: string;
  measure: Measure;
  /** Every metric observed over the window (absent: no sample). */
  metrics: Partial<Record<MetricKey, number>>;
  slotLagBytes?: number;
}

export interface TuneReport {
  /** End of the window (ISO-8601) and its length. */
  at: string;
  windowSeconds: number;
  connectors: ConnectorObservation[];
  recommendations: Recommendation[];
  /** The Cassandra CDC backlog (Debezium Server), for the whole pipeline of a context that captures Cassandra. */
  cassandraCdc?: CassandraBacklog;
  warnings: string[];
}

export interface TuneApplyResult {
  rule: string;
  windowSeconds: number;
  at: string;
  dryRun: boolean;
  applied: Array<{recommendation: Recommendation; result: ApplyResult}>;
}

export interface BaselineSummary {
  name: string;
  windowSeconds: number;
  measuredAt: string;
  actor: string;
  measures: Measure[];
  warnings: string[];
}

export interface BaselineComparison {
  name: string;
  baseline: {measuredAt: string; windowSeconds: number; actor: string};
  now: {measuredAt: string; windowSeconds: number};
  connectors: MeasureComparison[];
  warnings: string[];
}

export type ExperimentOutcome = 'kept' | 'rolled-back' | 'planned';

export interface ExperimentResult {
  experimentId: string | null;
  connector: string;
  changes: Record<string, string>;
  durationSeconds: number;
  /** The validated diff of B against the live config (A). */
  plan: ApplyResult;
  outcome: ExperimentOutcome;
  /** Why it was kept or rolled back. */
  reason: string;
  a: Measure | null;
  b: Measure | null;
  comparison: MeasureComparison | null;
  verdict: Direction | null;
  versions: {a: number | null; b: number | null; rollback: number | null};
}
