import type {Observations} from './rules.js';

/**
 * What a baseline and an experiment compare: per connector, its throughput (records/s), latency (ms) and
 * lag, derived from the same observations the rules read.
 *   source: throughput = records written to Kafka/s; latency = how far its events trail the database's
 *           commit time (Debezium MilliSecondsBehindSource, window average); lag = replication slot lag (bytes).
 *   sink:   throughput = records put into the sink/s; lag = consumer lag (records, window average);
 *           latency = the wait of a new record: lag ÷ throughput.
 * A figure cdcctl could not observe is null (never 0).
 */
export interface Measure {
  connector: string;
  kind: 'source' | 'sink';
  throughput: number | null;
  latencyMs: number | null;
  lag: number | null;
  lagUnit: 'records' | 'bytes';
}

export type Direction = 'better' | 'worse' | 'same' | 'unknown';

export interface MeasureDelta {
  metric: 'throughput' | 'latencyMs' | 'lag';
  before: number | null;
  after: number | null;
  /** (after − before) ÷ before; null when either is unknown or before is 0. */
  change: number | null;
  direction: Direction;
}

export interface MeasureComparison {
  connector: string;
  kind: 'source' | 'sink' | null;
  deltas: MeasureDelta[];
  /** The connector's verdict: throughput first, then latency and lag (see verdictOf). */
  verdict: Direction;
}

/** Changes within ±5 % (and lag/latency differences below these floors) are "same": the noise of a 1 s scrape. */
export const SAME_WITHIN = 0.05;
const FLOOR = {throughput: 1, latencyMs: 50, lag: 100} as const;

export function measureOf(o: Observations): Measure {
  if (o.kind === 'source') {
    return {
      connector: o.connector,
      kind: 'source',
      throughput: o.metrics.sourceWriteRate ?? null,
      latencyMs: o.metrics.behindSourceAvgMs ?? null,
      lag: o.slotLagBytes ?? null,
      lagUnit: 'bytes',
    };
  }
  const throughput = o.metrics.sinkSendRate ?? null;
  const lag = o.metrics.consumerLagAvg ?? null;
  const latencyMs =
    lag === null || throughput === null ? null : lag === 0 ? 0 : throughput > 0 ? (lag / throughput) * 1000 : null;
  return {connector: o.connector, kind: 'sink', throughput, latencyMs, lag, lagUnit: 'records'};
}

function delta(metric: MeasureDelta['metric'], before: number | null, after: number | null): MeasureDelta {
  if (before === null || after === null) return {metric, before, after, change: null, direction: 'unknown'};
  const change = before === 0 ? null : (after - before) / before;
  const higherIsBetter = metric === 'throughput';
  const diff = after - before;
  const same = Math.abs(diff) < FLOOR[metric] || (change !== null && Math.abs(change) <= SAME_WITHIN);
  const direction: Direction = same ? 'same' : diff > 0 === higherIsBetter ? 'better' : 'worse';
  return {metric, before, after, change, direction};
}

/**
 * One connector's verdict: throughput decides when it moved; otherwise worse if latency or lag got
 * worse, better if one got better and none worse; same when nothing moved; unknown without figures.
 */
export function verdictOf(deltas: MeasureDelta[]): Direction {
  const by = Object.fromEntries(deltas.map((d) => [d.metric, d.direction])) as Record<
    MeasureDelta['metric'],
    Direction
  >;
  if (by.throughput === 'better' || by.throughput === 'worse') return by.throughput;
  const rest = [by.latencyMs, by.lag];
  if (rest.includes('worse')) return 'worse';
  if (rest.includes('better')) return 'better';
  return deltas.every((d) => d.direction === 'unknown') ? 'unknown' : 'same';
}

export function compareMeasures(before: Measure[], after: Measure[]): MeasureComparison[] {
  const names = [...new Set([...before.map((m) => m.connector), ...after.map((m) => m.connector)])].sort();
  return names.map((connector) => {
    const a = before.find((m) => m.connector === connector);
    const b = after.find((m) => m.connector === connector);
    const deltas = (['throughput', 'latencyMs', 'lag'] as const).map((k) => delta(k, a?.[k] ?? null, b?.[k] ?? null));
    return {connector, kind: (b ?? a)?.kind ?? null, deltas, verdict: verdictOf(deltas)};
  });
}
