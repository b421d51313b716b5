import type {OffsetMap} from '../../clients/kafka.js';
import {UsageError} from '../../errors.js';

/**
 * Where one reader of a set of topics stands: per partition, the next offset to read. It tells a
 * replayed event from one already passed, and it is what an SSE event id carries, so that a
 * client reconnecting with `Last-Event-ID` resumes exactly where it was, in every partition.
 *
 * Id format: `topic:partition:offset` entries joined by commas, the event's own partition first,
 * each offset the last one read in that partition (-1: none yet). For a one-partition topic that
 * is the event's `topic:partition:offset`.
 */
export class EventCursor {
  private readonly next = new Map<string, {topic: string; partition: number; next: bigint}>();

  constructor(start: Array<{topic: string; partition: number; offset: string}>) {
    for (const p of start) this.next.set(slot(p.topic, p.partition), {...p, next: BigInt(p.offset)});
  }

  /** True when the record at this position has not been passed yet; it is then passed. */
  advance(topic: string, partition: number, offset: string): boolean {
    const o = BigInt(offset);
    const entry = this.next.get(slot(topic, partition));
    if (entry && o < entry.next) return false;
    // a partition the cursor did not know (added since) starts here
    this.next.set(slot(topic, partition), {topic, partition, next: o + 1n});
    return true;
  }

  /** The positions to read on from, for a consumer. */
  offsets(): OffsetMap {
    return offsetMap([...this.next.values()].map((e) => ({...e, offset: e.next.toString()})));
  }

  /** The id of the event just passed at (topic, partition). */
  id(topic: string, partition: number): string {
    const own = slot(topic, partition);
    const entry = (e: {topic: string; partition: number; next: bigint}) =>
      `${e.topic}:${e.partition}:${(e.next - 1n).toString()}`;
    const first = this.next.get(own);
    const rest = [...this.next].filter(([k]) => k !== own).map(([, e]) => entry(e));
    return (first ? [entry(first), ...rest] : rest).join(',');
  }
}

/** Positions as a consumer takes them: per topic, per partition, the next offset. */
export function offsetMap(entries: Array<{topic: string; partition: number; offset: string}>): OffsetMap {
  const out: OffsetMap = {};
  for (const e of entries) {
    const topic = out[e.topic] ?? {};
    topic[e.partition] = e.offset;
    out[e.topic] = topic;
  }
  return out;
}

function slot(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

const ENTRY = /^([A-Za-z0-9._-]+):(\d+):(-1|\d+)$/;

/**
 * The positions after an event id (`Last-Event-ID`): next offset = the id's offset + 1. Partitions
 * the id does not name are not in the map (a reader starts them at their beginning: they are newer
 * than the id). Throws a usage error for an id this server did not make.
 */
export function positionsAfter(id: string, topics: string[]): OffsetMap {
  const entries: Array<{topic: string; partition: number; offset: string}> = [];
  for (const part of id.split(',')) {
    const m = ENTRY.exec(part.trim());
    if (!m) {
      throw new UsageError(`Last-Event-ID "${id}" is not an event id of this server`, {
        hint: 'Event ids are topic:partition:offset entries joined by commas.',
      });
    }
    const [, topic, partition, offset] = m as unknown as [string, string, string, string];
    if (!topics.includes(topic))
      throw new UsageError(`Last-Event-ID names topic "${topic}", which this server does not serve`);
    entries.push({topic, partition: Number(partition), offset: (BigInt(offset) + 1n).toString()});
  }
  return offsetMap(entries);
}
