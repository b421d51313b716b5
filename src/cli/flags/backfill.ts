import {Flags} from '@oclif/core';
import {UsageError} from '../../errors.js';

/** Flags shared by the backfill commands. */

export const channelFlag = Flags.option({
  summary:
    'Signal channel: the source signal table or the Kafka signal topic (default: the source table if configured).',
  options: ['source', 'kafka'] as const,
})();

export const waitTimeoutFlag = Flags.string({
  summary: 'How long --wait waits for the snapshot to end, e.g. 30m.',
  default: '30m',
});

/** --where values by table: "schema.table: condition", or a bare condition for the only table. */
export function parseWhere(values: string[], tables: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+)$/s.exec(v);
    let table: string;
    let condition: string;
    if (m && tables.includes(m[1] as string)) {
      table = m[1] as string;
      condition = m[2] as string;
    } else if (tables.length === 1) {
      table = tables[0] as string;
      condition = v;
    } else {
      throw new UsageError(`--where "${v}" names no --table: with several tables write "schema.table: condition"`);
    }
    if (out[table]) throw new UsageError(`two --where conditions for ${table}: combine them with AND`);
    out[table] = condition.trim();
  }
  return out;
}
