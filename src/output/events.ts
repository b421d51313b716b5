import type {ChangeEvent} from '../services/events/stream.js';
import {color} from './render.js';

/** Renderers for `events *`: one compact line per change on a terminal, NDJSON otherwise. */

const OP_NAMES: Record<string, string> = {c: 'INSERT', u: 'UPDATE', d: 'DELETE', r: 'READ', t: 'TRUNC', m: 'MSG'};

export function eventHeader(): string {
  return color().bold(`${'TIME'.padEnd(12)} ${'OP'.padEnd(6)} ${'TABLE'.padEnd(28)} ${'KEY'.padEnd(16)} CHANGE`);
}

/** TIME OP TABLE KEY CHANGE — for updates only the changed fields (before → after). */
export function eventLine(ev: ChangeEvent, width = process.stdout.columns ?? 160): string {
  const c = color();
  const time = new Date(ev.sourceTsMs ?? ev.tsMs ?? Date.parse(ev.timestamp)).toISOString().slice(11, 23);
  // the Cassandra connector's `t` is a range tombstone (a DELETE of a clustering range), not a TRUNCATE
  const op = ev.cassandra && ev.op === 't' ? 'RANGE' : (OP_NAMES[ev.op ?? ''] ?? '-');
  const paint = ev.op === 'c' ? c.green : ev.op === 'd' ? c.red : ev.op === 'u' ? c.yellow : (s: string) => s;
  const table = ev.table ?? ev.topic;
  const line = `${time} ${paint(op.padEnd(6))} ${fit(table, 28)} ${fit(compactKey(ev.key), 16)} ${change(ev)}`;
  return line.length > width + 20 ? `${line.slice(0, width + 19)}…` : line;
}

function fit(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

function compactKey(k: unknown): string {
  if (k && typeof k === 'object' && !Array.isArray(k)) {
    const vals = Object.values(k);
    if (vals.length === 1) return String(vals[0]);
  }
  return typeof k === 'string' ? k : (JSON.stringify(k) ?? '');
}

function change(ev: ChangeEvent): string {
  if (ev.cassandra) return cassandraChangeText(ev);
  const b = asRecord(ev.before);
  const a = asRecord(ev.after);
  if (ev.op === 'u' && a) {
    const diffs = Object.keys(a)
      .filter((k) => !b || JSON.stringify(b[k]) !== JSON.stringify(a[k]))
      .map((k) => (b ? `${k}: ${show(b[k])} → ${show(a[k])}` : `${k}=${show(a[k])}`));
    return diffs.join(', ') || '(no column changed)';
  }
  const row = ev.op === 'd' ? b : a;
  if (!row) return JSON.stringify(ev.op === 'd' ? ev.before : ev.after) ?? '';
  return Object.entries(row)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
}

/**
 * A Cassandra change as cells: `col=value` for written cells (`[ttl → time]` when they expire),
 * `col=NULL` for cells written to null, one `deleted at …` for a row or partition delete, the range of
 * a range tombstone, and the columns the change did not touch as `unset: a, b` (a sink must leave them).
 */
export function cassandraChangeText(ev: ChangeEvent): string {
  const cz = ev.cassandra;
  if (!cz) return '';
  const keyCols = new Set(Object.keys(asRecord(ev.key) ?? {}));
  const parts: string[] = [];
  const deleted = cz.cells.filter((x) => x.state === 'deleted');
  if (ev.op === 'd') {
    const at = deleted[0]?.deletedAt;
    parts.push(`deleted${at ? ` at ${at}` : ''}`);
  }
  if (cz.range) {
    const side = (r: typeof cz.range.start) =>
      r ? `${r.method}(${r.values.map((v) => `${v.name}=${v.value}`).join(',')})` : '*';
    parts.push(`range ${side(cz.range.start)} … ${side(cz.range.end)}`);
  }
  for (const x of cz.cells) {
    if (keyCols.has(x.column) && ev.op === 'd') continue;
    if (x.state === 'set') parts.push(`${x.column}=${show(x.value)}${x.expiresAt ? ` [ttl → ${x.expiresAt}]` : ''}`);
    else if (x.state === 'null') parts.push(`${x.column}=NULL`);
  }
  const unset = cz.cells.filter((x) => x.state === 'unset').map((x) => x.column);
  if (unset.length > 0) parts.push(color().dim(`unset: ${unset.join(', ')}`));
  if (cz.snapshot) parts.push(color().dim('(snapshot)'));
  return parts.join(' ');
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
}

export function eventNdjson(ev: ChangeEvent): string {
  return `${JSON.stringify(ev)}\n`;
}
