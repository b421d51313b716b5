/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) and the default partitioner's choice
 * for a keyed record: `toPositive(murmur2(keyBytes)) % partitions` — what the Java producer (and so
 * Kafka Connect and Debezium) does, and kafkajs's JavaCompatiblePartitioner.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = 0x9747b28c ^ length;
  const whole = length >> 2;
  for (let i = 0; i < whole; i++) {
    const j = i * 4;
    let k = (data[j] ?? 0) | ((data[j + 1] ?? 0) << 8) | ((data[j + 2] ?? 0) << 16) | ((data[j + 3] ?? 0) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: murmur2 folds the tail bytes in cascade
    case 3:
      h ^= (data[tail + 2] ?? 0) << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      h ^= (data[tail + 1] ?? 0) << 8;
    case 1:
      h ^= data[tail] ?? 0;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
