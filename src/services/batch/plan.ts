import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, isAbsolute, resolve} from 'node:path';
import {parseDocument} from 'yaml';
import {z} from 'zod';
import {UsageError} from '../../errors.js';

/**
 * A batch plan: steps of cdcctl operations with dependencies between them. Parsed and checked here
 * (YAML syntax with position, shape per operation, unknown/duplicate step ids, dependency cycles)
 * before anything runs. Files the plan names (a CSV of subjects) are resolved against the plan's
 * directory and fingerprinted: `batch resume` refuses a file that changed since the run started.
 */

const stepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "_" or "-" (at most 64)');

export const OPERATION_NAMES = [
  'gdpr.erase',
  'reconcile',
  'connectors.pause',
  'connectors.resume',
  'connectors.stop',
  'connectors.restart',
  'dlq.replay',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

const base = {id: stepId, dependsOn: z.array(stepId).optional()};
const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, 'a duration such as 30s, 5m, 1h');

const dlqFilter = z.strictObject({
  connector: z.string().min(1).optional(),
  topic: z.string().min(1).optional(),
  stage: z.string().min(1).optional(),
  exception: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
  until: z.string().min(1).optional(),
  ids: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
});

export const stepSchema = z.discriminatedUnion('op', [
  z.strictObject({
    ...base,
    op: z.literal('gdpr.erase'),
    /** A CSV file of subject ids, relative to the plan; one subject per row, each its own saga. */
    subjects: z.string().min(1),
    /** The CSV column holding the subject id (default: a column named "subject", else the first one). */
    column: z.string().min(1).optional(),
    /** The CSV has no header row. */
    noHeader: z.boolean().optional(),
    /**
     * A regular expression every subject id must match (e.g. ^[0-9]+$): a malformed id fails its item
     * instead of an erasure that finds nothing and closes as done.
     */
    subjectPattern: z
      .string()
      .min(1)
      .refine((p) => {
        try {
          new RegExp(p, 'u');
          return true;
        } catch {
          return false;
        }
      }, 'an invalid regular expression')
      .optional(),
    reason: z.string().optional(),
    onFailure: z.enum(['restore', 'retry']).optional(),
  }),
  z.strictObject({
    ...base,
    op: z.literal('reconcile'),
    tables: z.array(z.string().min(1)).min(1),
    minAge: duration.optional(),
    recheckAfter: duration.optional(),
  }),
  z.strictObject({
    ...base,
    op: z.enum(['connectors.pause', 'connectors.resume', 'connectors.stop', 'connectors.restart']),
    /** Names, globs or /regex/: each connector matched is one item. */
    connectors: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({
    ...base,
    op: z.literal('dlq.replay'),
    /** Each filter is one item: one replay run. */
    filters: z.array(dlqFilter).min(1),
    toTopic: z.string().min(1).optional(),
  }),
]);
export type PlanStep = z.infer<typeof stepSchema>;
export type DlqFilterSpec = z.infer<typeof dlqFilter>;

export const planSchema = z.strictObject({
  version: z.literal(1).optional(),
  name: z.string().max(200).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  continueOnError: z.boolean().optional(),
  steps: z.array(stepSchema).min(1).max(1000),
});
export type Plan = z.infer<typeof planSchema>;

/** A plan ready to run: steps in an order where every step comes after its dependencies. */
export interface LoadedPlan {
  plan: Plan;
  /** The plan file (absolute), or null for a plan built in code (gdpr erase --from-file). */
  source: string | null;
  /** Absolute path → sha256 of every file the plan reads, as read now. */
  files: Record<string, string>;
}

export function parsePlanText(text: string, source: string): Plan {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new UsageError(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  return checkPlan(doc.toJS() as unknown, source);
}

export function checkPlan(data: unknown, source: string): Plan {
  const parsed = planSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const at = first.path.length ? first.path.join('.') : '(top level)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
    throw new UsageError(`${source}: ${at}: ${first.message}${more}`, {
      hint: `Steps are {id, op, dependsOn?, …}; op is one of ${OPERATION_NAMES.join(', ')}.`,
    });
  }
  const plan = parsed.data;
  const ids = new Set<string>();
  for (const s of plan.steps) {
    if (ids.has(s.id)) throw new UsageError(`${source}: two steps are named "${s.id}"`);
    ids.add(s.id);
  }
  for (const s of plan.steps) {
    for (const d of s.dependsOn ?? []) {
      if (!ids.has(d))
        throw new UsageError(`${source}: step "${s.id}" depends on "${d}", which the plan does not have`);
      if (d === s.id) throw new UsageError(`${source}: step "${s.id}" depends on itself`);
    }
  }
  plan.steps = stepOrder(plan.steps, source);
  return plan;
}

/** Kahn's order (stable: plan order among ready steps); a cycle is a usage error naming its steps. */
export function stepOrder(steps: PlanStep[], source: string): PlanStep[] {
  const done = new Set<string>();
  const out: PlanStep[] = [];
  let left = [...steps];
  while (left.length) {
    const ready = left.filter((s) => (s.dependsOn ?? []).every((d) => done.has(d)));
    if (ready.length === 0)
      throw new UsageError(
        `${source}: the dependencies of steps ${left.map((s) => `"${s.id}"`).join(', ')} form a cycle`,
      );
    for (const s of ready) {
      out.push(s);
      done.add(s.id);
    }
    left = left.filter((s) => !done.has(s.id));
  }
  return out;
}

/** Reads and checks a plan file; files it names become absolute and fingerprinted. */
export function loadPlanFile(path: string): LoadedPlan {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read plan ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return withFiles(parsePlanText(text, path), abs, dirname(abs));
}

/** Makes the plan's file references absolute (against `dir`) and fingerprints them. */
export function withFiles(plan: Plan, source: string | null, dir: string): LoadedPlan {
  const files: Record<string, string> = {};
  for (const s of plan.steps) {
    if (s.op !== 'gdpr.erase') continue;
    s.subjects = isAbsolute(s.subjects) ? s.subjects : resolve(dir, s.subjects);
    files[s.subjects] = fileHash(s.subjects);
  }
  return {plan, source, files};
}

export function fileHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The rows of a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF), blank lines left
 * out. Returns the chosen column's values with their 1-based line numbers.
 */
export function readCsvColumn(
  path: string,
  o: {column?: string; noHeader?: boolean},
): Array<{line: number; value: string}> {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const rows = parseCsv(text);
  if (rows.length === 0) throw new UsageError(`${path} is empty`);
  let col = 0;
  let first = 0;
  if (!o.noHeader) {
    const header = (rows[0]?.cells ?? []).map((h) => h.trim());
    first = 1;
    if (o.column !== undefined) {
      col = header.indexOf(o.column);
      if (col < 0) throw new UsageError(`${path}: no column "${o.column}" in the header (${header.join(', ')})`);
    } else if (header.includes('subject')) col = header.indexOf('subject');
  } else if (o.column !== undefined) {
    throw new UsageError(`${path}: "column" needs a header row (drop noHeader, or the column)`);
  }
  return rows.slice(first).map((r) => ({line: r.line, value: r.cells[col] ?? ''}));
}

export function parseCsv(text: string): Array<{line: number; cells: string[]}> {
  const out: Array<{line: number; cells: string[]}> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let any = false;
  const endRow = () => {
    cells.push(cell);
    if (any || cells.length > 1 || cell !== '') out.push({line: rowLine, cells});
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
      any = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (quoted) throw new UsageError(`unterminated quoted field starting on line ${rowLine}`);
  if (cell !== '' || cells.length > 0 || any) endRow();
  return out;
}
