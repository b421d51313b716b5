import {readFileSync} from 'node:fs';
import {type QualityCheckConfig, type QualityConfig, qualitySchema} from '../../config/schema.js';
import {describeIssue} from '../../config/validate.js';
import {parseYamlFile} from '../../config/yaml-file.js';
import {ConfigError, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {parseSpan} from '../../util/time.js';
import type {Bounds, ResolvedCheck, ResolvedTable} from './types.js';

/**
 * The quality rules of a run: the context's `quality` section, or a `-f checks.yaml` file holding the
 * same section (validated with the same schema), resolved into named checks with numeric thresholds.
 */

export function loadRules(ctx: RunContext, file?: string): {config: QualityConfig; source: string} {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const data = parseYamlFile(file, text);
    // a whole config section ({quality: {...}}) or just its content
    const section = data && typeof data === 'object' && 'quality' in data ? (data as {quality: unknown}).quality : data;
    const parsed = qualitySchema.safeParse(section);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ConfigError(
        `${file}: ${first ? `${first.path.join('.') || '(top)'}: ${describeIssue(first)}` : 'invalid quality rules'}`,
        {
          hint: 'See `cdcctl quality rules validate --help` for the shape of a checks file.',
        },
      );
    }
    return {config: parsed.data, source: file};
  }
  const config = ctx.config.quality;
  if (!config)
    throw new ConfigError(`context "${ctx.contextName}" has no quality section`, {
      hint: 'Declare checks under contexts.<name>.quality.tables, or pass a checks file with -f.',
    });
  return {config, source: `contexts.${ctx.contextName}.quality`};
}

const COUNTING = new Set([
  'missing',
  'duplicates',
  'values_in_set',
  'pattern',
  'range',
  'length',
  'referential',
  'schema',
]);

export function defaultName(c: QualityCheckConfig): string {
  const cols = 'column' in c && c.column ? [c.column] : 'columns' in c && Array.isArray(c.columns) ? c.columns : [];
  const kind = c.type === 'pattern' && c.format ? 'format' : c.type;
  return [kind, ...cols].join('_');
}

function unitOf(c: QualityCheckConfig): string {
  switch (c.type) {
    case 'row_count':
      return 'rows';
    case 'source_count':
      return 'rows (replica − source)';
    case 'freshness':
      return 's';
    case 'sink_lag':
      return 'messages';
    case 'missing':
    case 'values_in_set':
    case 'pattern':
    case 'range':
    case 'length':
      return c.percent ? '% of rows' : 'rows';
    case 'duplicates':
      return 'duplicate rows';
    case 'schema':
      return 'differences';
    case 'sql':
      return c.mode === 'rows' ? 'rows' : '';
    default:
      return 'rows';
  }
}

function bound(v: number | string | undefined): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  return parseSpan(v);
}

function bounds(t: {min?: number | string; max?: number | string} | undefined): Bounds | undefined {
  if (!t) return undefined;
  return {min: bound(t.min), max: bound(t.max)};
}

export function resolveRules(config: QualityConfig, source: string): ResolvedTable[] {
  const seen = new Set<string>();
  return config.tables.map((t, ti) => {
    const name = t.name ?? t.table;
    if (seen.has(name)) throw new ConfigError(`${source}.tables[${ti}]: a second table named ${name}`);
    seen.add(name);
    const [schema, table] = t.table.split('.') as [string, string];
    const names = new Set<string>();
    const checks = t.checks.map((c, ci): ResolvedCheck => {
      const where = `${source}.tables[${ti}].checks[${ci}]`;
      const checkName = c.name ?? defaultName(c);
      if (names.has(checkName))
        throw new ConfigError(`${where}: a second check named ${checkName} in ${name}`, {
          hint: 'Give one of them a name.',
        });
      names.add(checkName);
      if (c.type === 'freshness' && !c.column && !t.updatedAt)
        throw new ConfigError(`${where}: freshness needs a column (or the table's updatedAt)`);
      if (c.type === 'source_count' && !t.source)
        throw new ConfigError(`${where}: source_count needs the table's source`);
      let fail = bounds(c.fail);
      if (!fail && !c.warn) {
        if (COUNTING.has(c.type) || (c.type === 'sql' && c.mode === 'rows')) fail = {max: 0};
        else if (c.type === 'row_count') fail = {min: 1};
        else if (c.type === 'source_count') fail = {min: 0, max: 0};
      }
      return {
        table: name,
        name: checkName,
        type: c.type,
        config: c,
        warn: bounds(c.warn),
        fail,
        unit: unitOf(c),
      };
    });
    return {name, schema, table, config: t, checks};
  });
}

/** The tables and checks a run selects (--table, --check); an unknown name is a usage error. */
export function selectRules(all: ResolvedTable[], tables: string[], checks: string[]): ResolvedTable[] {
  for (const t of tables)
    if (!all.some((r) => r.name === t || `${r.schema}.${r.table}` === t))
      throw new UsageError(`no quality rules for table "${t}"`, {
        hint: `Configured: ${all.map((r) => r.name).join(', ')}.`,
      });
  const picked = all
    .filter((r) => tables.length === 0 || tables.includes(r.name) || tables.includes(`${r.schema}.${r.table}`))
    .map((r) => ({...r, checks: r.checks.filter((c) => checks.length === 0 || checks.includes(c.name))}))
    .filter((r) => r.checks.length > 0);
  for (const c of checks)
    if (!picked.some((r) => r.checks.some((x) => x.name === c)))
      throw new UsageError(`no check named "${c}"${tables.length ? ` on ${tables.join(', ')}` : ''}`, {
        hint: 'List them with `cdcctl quality rules`.',
      });
  return picked;
}
