import type {TopicLayout} from '../../clients/kafka.js';
import type {CheckResult} from './types.js';

/**
 * The cluster's replication as an operator reads it when a broker dies: partitions without a leader
 * (offline: nothing can be read or written), partitions whose in-sync replicas fell below the topic's
 * min.insync.replicas (acks=all writes fail with NotEnoughReplicas: Connect's producers stop), and
 * under-replicated ones (still served, with less redundancy), with the brokers missing from the ISRs.
 */
export interface ReplicationHealth {
  topics: number;
  partitions: number;
  offline: number;
  belowMinIsr: number;
  underReplicated: number;
  /** Broker id → partitions whose ISR lacks it (a replica not in sync). */
  outOfIsr: Map<number, number>;
  /** Broker ids that replicas name and the cluster's metadata does not list: not running. */
  missingBrokers: number[];
  /** Up to 5 affected topics (worst first), for the detail line. */
  examples: string[];
}

export function replicationHealth(
  layouts: TopicLayout[],
  liveBrokers: number[],
  minIsr: Map<string, number>,
): ReplicationHealth {
  const live = new Set(liveBrokers);
  const h: ReplicationHealth = {
    topics: layouts.length,
    partitions: 0,
    offline: 0,
    belowMinIsr: 0,
    underReplicated: 0,
    outOfIsr: new Map(),
    missingBrokers: [],
    examples: [],
  };
  const missing = new Set<number>();
  const worst = new Map<string, number>(); // topic → 3 offline, 2 below min ISR, 1 under-replicated
  for (const t of layouts) {
    const min = minIsr.get(t.topic) ?? 1;
    for (const p of t.partitions) {
      h.partitions++;
      for (const r of p.replicas) if (!live.has(r)) missing.add(r);
      let level = 0;
      if (p.leader < 0 || !live.has(p.leader)) {
        h.offline++;
        level = 3;
      } else if (p.isr.length < Math.min(min, p.replicas.length)) {
        h.belowMinIsr++;
        level = 2;
      }
      if (p.isr.length < p.replicas.length) {
        h.underReplicated++;
        level = Math.max(level, 1);
        for (const r of p.replicas) if (!p.isr.includes(r)) h.outOfIsr.set(r, (h.outOfIsr.get(r) ?? 0) + 1);
      }
      if (level > (worst.get(t.topic) ?? 0)) worst.set(t.topic, level);
    }
  }
  h.missingBrokers = [...missing].sort((a, b) => a - b);
  h.examples = [...worst.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([t]) => t);
  return h;
}

/** The doctor check of a ReplicationHealth: fail when partitions are offline or below min ISR, warn when under-replicated. */
export function replicationCheck(h: ReplicationHealth): Omit<CheckResult, 'ms'> {
  const brokers = [...h.outOfIsr.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(
      ([id, n]) =>
        `broker ${id}${h.missingBrokers.includes(id) ? ' (not in the cluster: down?)' : ''} out of the ISR of ${n}`,
    );
  const counts = `${h.underReplicated} of ${h.partitions} partition(s) in ${h.topics} topic(s) under-replicated, ${h.belowMinIsr} below min.insync.replicas, ${h.offline} offline`;
  const detail =
    h.underReplicated + h.offline === 0
      ? `${h.partitions} partition(s) in ${h.topics} topic(s): every replica in sync`
      : `${counts}${brokers.length ? `: ${brokers.join(', ')}` : ''}${h.examples.length ? ` (e.g. ${h.examples.join(', ')})` : ''}`;
  const status = h.offline + h.belowMinIsr > 0 ? 'fail' : h.underReplicated > 0 ? 'warn' : 'ok';
  const hint =
    status === 'ok'
      ? undefined
      : h.offline + h.belowMinIsr > 0
        ? `Partitions offline or below min.insync.replicas refuse acks=all writes (Connect's producers and sinks stall): bring the missing broker(s) back${h.missingBrokers.length ? ` (${h.missingBrokers.join(', ')})` : ''}; the ISRs refill when they return.`
        : 'Still served, with less redundancy: bring back or fix the broker(s) out of sync (their process, disk, network); the ISRs refill by themselves once they catch up.';
  return {
    target: 'kafka cluster',
    check: 'replication',
    status,
    detail,
    hint,
    data: {
      partitions: h.partitions,
      underReplicated: h.underReplicated,
      belowMinIsr: h.belowMinIsr,
      offline: h.offline,
      outOfIsr: Object.fromEntries(h.outOfIsr),
      missingBrokers: h.missingBrokers,
    },
  };
}
