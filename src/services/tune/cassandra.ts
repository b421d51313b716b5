import type {RunContext} from '../../runtime.js';
import {cassandraCdcHealth, checksCassandraCdc} from '../pipeline/cassandra-cdc.js';
import type {Measure} from './measure.js';

/**
 * The Cassandra side of the pipeline for `tune`: Debezium Server is not a Kafka Connect connector, so it has
 * no Connect metrics nor a config cdcctl can write; its backlog is what `pipeline status` reads (the CDC
 * segments in cdc_raw and the connector's offsets, src/services/pipeline/cassandra-cdc.ts). It becomes one
 * more measure, named "cassandra-cdc": latency = how long the oldest unread CDC data has waited; lag = CDC
 * bytes Cassandra synced past the connector's position (null where cdc_raw is not on this machine).
 */

export const CASSANDRA_CDC = 'cassandra-cdc';

export interface CassandraBacklog {
  measure: Measure;
  /** Segments Cassandra completed that the connector has not processed; null when cdc_raw is not readable here. */
  unprocessedSegments: number | null;
  /** cdc_raw usage of cdc_total_space (0..1), null when unknown. */
  usage: number | null;
  detail: string;
}

/** The context captures Cassandra (debezium.cassandra): its backlog is measured with the connectors. */
export function measuresCassandra(ctx: RunContext): boolean {
  return checksCassandraCdc(ctx);
}

export async function cassandraBacklog(
  ctx: RunContext,
  warn: (m: string) => void,
): Promise<CassandraBacklog | undefined> {
  const h = await cassandraCdcHealth(ctx);
  if (!h.reachable) {
    warn(`${CASSANDRA_CDC}: ${h.error ?? 'Cassandra unreachable'}`);
    return undefined;
  }
  const raw = h.cdcRaw;
  const pos = h.connector;
  if (!raw) warn(`${CASSANDRA_CDC}: backlog not measured: ${h.localAccess.reason}`);
  const latencyMs = pos && pos.behindBytes !== null ? pos.behindMs : (raw?.lagMs ?? null);
  const lag = pos?.behindBytes ?? null;
  const usage = raw?.usage ?? null;
  const detail = raw
    ? `${raw.unprocessed} unprocessed segment(s) in ${raw.directory}${usage === null ? '' : ` (${Math.round(usage * 100)} % of cdc_total_space)`}${lag === null ? '' : `, ${lag} CDC bytes past the connector's position`}`
    : h.localAccess.reason;
  return {
    measure: {connector: CASSANDRA_CDC, kind: 'source', throughput: null, latencyMs, lag, lagUnit: 'bytes'},
    unprocessedSegments: raw?.unprocessed ?? null,
    usage,
    detail,
  };
}
