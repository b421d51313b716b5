import type {ConsumeStart} from '../../clients/kafka.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {streamEvents} from '../events/stream.js';
import {loadRules, resolveRules} from './rules.js';
import {FORMATS} from './sql.js';
import type {ResolvedCheck, ResolvedTable} from './types.js';

/**
 * `quality validate`: the column rules of the quality checks (missing, values_in_set, pattern, range,
 * length) applied to the row images of change events in Kafka, decoded like `events tail`, so that a
 * bad record is found (with its partition and offset) before or while the sink writes it. Reads up to
 * the end offsets of when it began; deletes (no `after`) are not judged.
 */

export interface Violation {
  topic: string;
  partition: number;
  offset: string;
  key: unknown;
  op: string | null;
  table: string;
  check: string;
  column: string;
  value: unknown;
  reason: string;
}

export interface ValidateEventsResult {
  topics: string[];
  rules: string[];
  scanned: number;
  judged: number;
  violations: Violation[];
  /** More violations were found than --max-violations keeps. */
  truncated: boolean;
}

const ROW_RULES = new Set(['missing', 'values_in_set', 'pattern', 'range', 'length']);

/** A JavaScript RegExp of a PostgreSQL pattern: the POSIX classes the named formats use become JS ones. */
export function jsRegex(pg: string): RegExp {
  return new RegExp(pg.replaceAll('[[:space:]]', '\\s').replaceAll('[:space:]', '\\s'));
}

type Judge = (value: unknown) => string | undefined;

/** Missing: NULL (or absent) or blank text. Validity rules judge only values that are there. */
const absent = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function compare(v: unknown, bound: number | string): number | undefined {
  if (typeof bound === 'number') {
    const n = num(v);
    return n === undefined ? undefined : n - bound;
  }
  const a = Date.parse(String(v));
  const b = Date.parse(bound);
  if (Number.isFinite(a) && Number.isFinite(b)) return a - b;
  return String(v) < bound ? -1 : String(v) > bound ? 1 : 0;
}

/** The row judge of one column rule: a reason for a failing value, undefined for a good one. */
export function rowJudge(c: ResolvedCheck): Judge {
  const cfg = c.config;
  switch (cfg.type) {
    case 'missing':
      return (v) =>
        v === null || v === undefined || (typeof v === 'string' && v.trim() === '') ? 'missing' : undefined;
    case 'values_in_set': {
      const allowed = new Set(cfg.values.map(String));
      if (cfg.invalid) return (v) => (!absent(v) && allowed.has(String(v)) ? 'one of the invalid values' : undefined);
      return (v) => (absent(v) || allowed.has(String(v)) ? undefined : 'not in the allowed values');
    }
    case 'pattern': {
      const re = jsRegex(cfg.regex ?? (FORMATS[cfg.format as string] as string));
      const what = cfg.format ? `not a valid ${cfg.format}` : `does not match ${cfg.regex}`;
      return (v) => (absent(v) || re.test(String(v)) ? undefined : what);
    }
    case 'range':
      return (v) => {
        if (v === null || v === undefined) return undefined;
        const lo = cfg.min === undefined ? 0 : compare(v, cfg.min);
        const hi = cfg.max === undefined ? 0 : compare(v, cfg.max);
        if (lo === undefined || hi === undefined) return 'not comparable with the range';
        if (lo < 0) return `below ${cfg.min}`;
        if (hi > 0) return `above ${cfg.max}`;
        return undefined;
      };
    case 'length':
      return (v) => {
        if (absent(v)) return undefined;
        const n = String(v).length;
        if (cfg.min !== undefined && n < cfg.min) return `length ${n} < ${cfg.min}`;
        if (cfg.max !== undefined && n > cfg.max) return `length ${n} > ${cfg.max}`;
        return undefined;
      };
    default:
      throw new Error(`${c.type} is not a row rule`);
  }
}

/** The configured table a topic carries: `--rules` names, else the table whose schema.table ends the topic name. */
export function rulesForTopic(all: ResolvedTable[], topic: string, wanted: string[]): ResolvedTable[] {
  if (wanted.length) {
    const picked = all.filter((t) => wanted.includes(t.name) || wanted.includes(`${t.schema}.${t.table}`));
    for (const w of wanted)
      if (!picked.some((t) => t.name === w || `${t.schema}.${t.table}` === w))
        throw new UsageError(`no quality rules for table "${w}"`, {
          hint: `Configured: ${all.map((t) => t.name).join(', ')}.`,
        });
    return picked;
  }
  const picked = all.filter((t) => topic === `${t.schema}.${t.table}` || topic.endsWith(`.${t.schema}.${t.table}`));
  if (picked.length === 0)
    throw new UsageError(`no quality rules match topic ${topic}`, {
      hint: 'Name the configured table whose rules apply with --rules.',
    });
  return picked;
}

export async function validateEvents(
  ctx: RunContext,
  opts: {topic: string; start: ConsumeStart; rules: string[]; file?: string; maxViolations: number; maxEvents?: number},
): Promise<ValidateEventsResult> {
  const {config, source} = loadRules(ctx, opts.file);
  const tables = rulesForTopic(resolveRules(config, source), opts.topic, opts.rules);
  const judges = tables.flatMap((t) =>
    t.checks
      .filter((c) => ROW_RULES.has(c.type))
      .map((c) => ({table: t.name, check: c.name, column: (c.config as {column: string}).column, judge: rowJudge(c)})),
  );
  if (judges.length === 0)
    throw new UsageError(
      `the rules of ${tables.map((t) => t.name).join(', ')} have no column rule to apply to events`,
      {
        hint: 'Column rules: missing, values_in_set, pattern, range, length.',
      },
    );
  const violations: Violation[] = [];
  let judged = 0;
  let truncated = false;
  const res = await streamEvents(
    ctx,
    {topics: [opts.topic], start: opts.start, stopAtEnd: true, max: opts.maxEvents},
    () => true,
    (ev) => {
      const row = ev.after;
      if (!row || typeof row !== 'object') return;
      judged++;
      for (const j of judges) {
        const value = (row as Record<string, unknown>)[j.column];
        const reason = j.judge(value);
        if (!reason) continue;
        if (violations.length >= opts.maxViolations) {
          truncated = true;
          continue;
        }
        violations.push({
          topic: ev.topic,
          partition: ev.partition,
          offset: ev.offset,
          key: ev.key,
          op: ev.op,
          table: j.table,
          check: j.check,
          column: j.column,
          value,
          reason,
        });
      }
    },
  );
  return {
    topics: res.topics,
    rules: tables.map((t) => t.name),
    scanned: res.seen,
    judged,
    violations,
    truncated,
  };
}
