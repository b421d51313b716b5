import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';
import {loadRules, resolveRules} from './rules.js';
import type {ResolvedTable} from './types.js';

/**
 * `quality rules` and `quality rules validate`: the configured (or -f) rules, resolved; validation
 * adds what only the database can tell: the tables and columns the checks name exist, referenced
 * tables exist, and every custom SQL query plans (EXPLAIN inside a READ ONLY transaction).
 */

export function listRules(ctx: RunContext, file?: string): {source: string; tables: ResolvedTable[]} {
  const {config, source} = loadRules(ctx, file);
  return {source, tables: resolveRules(config, source)};
}

export interface RuleProblem {
  table: string;
  check?: string;
  problem: string;
}

export interface RulesValidation {
  source: string;
  tables: number;
  checks: number;
  /** Whether the database was consulted (--offline skips it). */
  live: boolean;
  problems: RuleProblem[];
}

export async function validateRules(
  ctx: RunContext,
  file: string | undefined,
  live: boolean,
): Promise<RulesValidation> {
  const {source, tables} = listRules(ctx, file);
  const problems: RuleProblem[] = [];
  const result = {source, tables: tables.length, checks: tables.reduce((n, t) => n + t.checks.length, 0), live};
  if (!live || !ctx.config.postgres) return {...result, live: false, problems};
  const target = pgTarget(
    ctx.config.postgres,
    `contexts.${ctx.contextName}.postgres`,
    ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const pool = await createPool(target);
  await pool.query('SELECT 1').catch(async (e) => {
    await pool.end().catch(() => {});
    throw pgError(e, target, 'connecting to check the rules against the database');
  });
  const columnsOf = async (schema: string, table: string) =>
    new Set(
      (
        await pool.query<{c: string}>(
          'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
          [schema, table],
        )
      ).rows.map((r) => r.c),
    );
  try {
    for (const t of tables) {
      const cols = await columnsOf(t.schema, t.table);
      if (cols.size === 0) {
        problems.push({table: t.name, problem: `table ${t.schema}.${t.table} does not exist`});
        continue;
      }
      for (const c of t.checks) {
        const cfg = c.config;
        const named = new Set<string>();
        if ('column' in cfg && cfg.column) named.add(cfg.column);
        if (cfg.type === 'freshness' && !cfg.column && t.config.updatedAt) named.add(t.config.updatedAt);
        if (cfg.type === 'duplicates' || cfg.type === 'referential') for (const x of cfg.columns) named.add(x);
        for (const x of named)
          if (!cols.has(x)) problems.push({table: t.name, check: c.name, problem: `no column ${x}`});
        if (cfg.type === 'referential') {
          const [rs, rt] = cfg.references.table.split('.') as [string, string];
          const rcols = await columnsOf(rs, rt);
          if (rcols.size === 0)
            problems.push({
              table: t.name,
              check: c.name,
              problem: `referenced table ${cfg.references.table} does not exist`,
            });
          else
            for (const x of cfg.references.columns)
              if (!rcols.has(x))
                problems.push({table: t.name, check: c.name, problem: `no column ${x} in ${cfg.references.table}`});
          if (cfg.references.columns.length !== cfg.columns.length)
            problems.push({table: t.name, check: c.name, problem: 'references.columns and columns differ in number'});
        }
        if (cfg.type === 'sql') {
          const client = await pool.connect();
          try {
            await client.query('BEGIN TRANSACTION READ ONLY');
            await client.query({
              text: `EXPLAIN ${cfg.query.trim().replace(/;+\s*$/, '')}`,
              values: cfg.params ?? [],
              queryMode: 'extended',
            } as never);
          } catch (e) {
            problems.push({table: t.name, check: c.name, problem: `query does not plan: ${(e as Error).message}`});
          } finally {
            await client.query('ROLLBACK').catch(() => {});
            client.release();
          }
        }
      }
    }
  } finally {
    await pool.end().catch(() => {});
  }
  return {...result, problems};
}
