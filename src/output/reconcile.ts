import type {RepairResult} from '../services/reconcile/repair.js';
import type {RunDetails} from '../services/reconcile/results.js';
import type {SeedPlan, SeedResult, SeedSidePlan} from '../services/reconcile/seed.js';
import type {Progress, ReconcileResult} from '../services/reconcile/types.js';
import type {MismatchRecord, RunRecord, TableRecord} from '../store/reconcile.js';
import {color, paintState, renderTable} from './render.js';

/** Rendering of reconciliation results (tables for people, CSV for spreadsheets). */

const n = (x: number) => x.toLocaleString('en-US');
const paint = (s: string) => {
  const c = color();
  if (s === 'clean') return c.green(s);
  if (s === 'drift' || s === 'gave_up' || s === 'partial' || s === 'interrupted') return c.yellow(s);
  return paintState(s);
};

export function keyText(m: Pick<MismatchRecord, 'key'>): string {
  return Object.entries(m.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * What `reconcile show` says under the tables when it lists no differing row: a table that gave up
 * had too many to drill into, which is not "no differences".
 */
export function noMismatchesLine(tables: Array<{table: string; status: string}>): string {
  const gaveUp = tables.filter((t) => t.status === 'gave_up').map((t) => t.table);
  if (gaveUp.length === 0) return 'No differences.';
  return `No rows listed: ${gaveUp.join(', ')} gave up (more rows in differing buckets than --max-diff-ratio allows to drill into); re-snapshot such a table instead of repairing row by row.`;
}

export function renderMismatches(rows: MismatchRecord[], wide: boolean, limit = Number.POSITIVE_INFINITY): string {
  const shown = rows.slice(0, limit);
  const flat = shown.flatMap((m) =>
    m.columns.length === 0
      ? [{m, column: '', cassandra: '', postgres: ''}]
      : m.columns.map((c) => ({m, column: c.column, cassandra: c.cassandra ?? 'NULL', postgres: c.postgres ?? 'NULL'})),
  );
  const text = renderTable(
    flat,
    [
      {header: 'TABLE', value: (r) => r.m.table, wide: true},
      {header: 'KIND', value: (r) => r.m.kind},
      {header: 'KEY', value: (r) => keyText(r.m)},
      {header: 'COLUMN', value: (r) => r.column},
      {header: 'CASSANDRA', value: (r) => r.cassandra},
      {header: 'POSTGRESQL', value: (r) => r.postgres},
      {header: 'BUCKET', value: (r) => r.m.bucket, wide: true},
    ],
    wide,
  );
  return rows.length > shown.length ? `${text}\n… ${n(rows.length - shown.length)} more` : text;
}

export function renderRunResult(r: ReconcileResult, wide: boolean): string {
  const table = renderTable(
    r.tables,
    [
      {header: 'TABLE', value: (t) => t.table},
      {header: 'SHARD', value: (t) => t.shard, wide: true},
      {header: 'STATUS', value: (t) => t.status, paint},
      {header: 'CASSANDRA', value: (t) => n(t.rowsCassandra)},
      {header: 'POSTGRESQL', value: (t) => n(t.rowsPostgres)},
      {header: 'MISSING', value: (t) => t.missing},
      {header: 'EXTRA', value: (t) => t.extra},
      {header: 'VALUE', value: (t) => t.mismatched},
      {header: 'YOUNG', value: (t) => t.rowsYoung, wide: true},
      {header: 'BUCKETS≠', value: (t) => t.mismatchedBuckets, wide: true},
      {header: 'RECHECKED-OK', value: (t) => t.skippedOnRecheck, wide: true},
      {header: 'SINK LAG', value: (t) => `${t.sinkLag.start ?? '-'}→${t.sinkLag.end ?? '-'}`, wide: true},
      {header: 'TIME', value: (t) => `${(t.durationMs / 1000).toFixed(1)}s`},
    ],
    wide,
  );
  const lines = [`Run ${r.runId}: ${paint(r.status)}`, '', table];
  for (const t of r.tables) {
    for (const l of t.lossyColumns) lines.push(`${t.table}: column ${l.name} not compared: ${l.reason}`);
    if (t.recommendation) lines.push(`${t.table}: ${t.recommendation}`);
    if (t.sample) {
      const e = t.sample;
      lines.push(
        `${t.table}: estimate from ${n(e.rowsSampled)} rows (${(e.fraction * 100).toFixed(1)}% of the token ranges): ${(e.estimatedDriftRatio * 100).toFixed(3)}% of rows differ; ~${n(e.estimatedMissing)} missing, ~${n(e.estimatedMismatched)} differing, ~${n(e.estimatedExtra)} extra. Run without --sample for the exact list.`,
      );
    }
    if (t.mismatches.length > 0) lines.push('', renderMismatches(t.mismatches, wide, 20));
  }
  // repair acts on listed rows: a sample or a table given up on lists none
  if (r.tables.some((t) => t.mismatches.length > 0))
    lines.push('', `Details: cdcctl reconcile show ${r.runId}; fix: cdcctl reconcile repair ${r.runId} --dry-run`);
  return lines.join('\n');
}

export function renderHistory(runs: RunRecord[], wide: boolean): string {
  return renderTable(
    runs,
    [
      {header: 'RUN', value: (r) => r.runId},
      {header: 'STARTED', value: (r) => r.startedAt.replace(/\.\d+Z$/, 'Z')},
      {header: 'STATUS', value: (r) => r.status, paint},
      {header: 'TABLES', value: (r) => r.tables.join(',')},
      {header: 'SHARDS', value: (r) => r.shards, wide: true},
      {header: 'MISSING', value: (r) => r.missing},
      {header: 'EXTRA', value: (r) => r.extra},
      {header: 'VALUE', value: (r) => r.mismatched},
      {header: 'ROWS', value: (r) => n(r.rowsCassandra), wide: true},
      {header: 'ACTOR', value: (r) => r.actor, wide: true},
    ],
    wide,
  );
}

export function renderTables(tables: TableRecord[], wide: boolean): string {
  return renderTable(
    tables,
    [
      {header: 'TABLE', value: (t) => t.table},
      {header: 'SHARD', value: (t) => t.shard},
      {header: 'STATUS', value: (t) => t.status, paint},
      {header: 'CASSANDRA', value: (t) => n(t.rowsCassandra)},
      {header: 'POSTGRESQL', value: (t) => n(t.rowsPostgres)},
      {header: 'MISSING', value: (t) => t.missing},
      {header: 'EXTRA', value: (t) => t.extra},
      {header: 'VALUE', value: (t) => t.mismatched},
      {header: 'SPLITS', value: (t) => `${t.splitsDone.length}/${t.splits}`, wide: true},
      {header: 'SINK LAG', value: (t) => `${t.sinkLagStart ?? '-'}→${t.sinkLagEnd ?? '-'}`, wide: true},
      {header: 'TIME', value: (t) => (t.durationMs === null ? '' : `${(t.durationMs / 1000).toFixed(1)}s`)},
    ],
    wide,
  );
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** One line per differing column (missing/extra rows: one line with an empty column). */
export function mismatchesCsv(rows: MismatchRecord[]): string {
  const out = ['table,kind,key,column,cassandra,postgres,bucket'];
  for (const m of rows) {
    const cols = m.columns.length ? m.columns : [{column: '', cassandra: null, postgres: null}];
    for (const c of cols) {
      out.push([m.table, m.kind, keyText(m), c.column, c.cassandra, c.postgres, m.bucket].map(csvCell).join(','));
    }
  }
  return `${out.join('\n')}\n`;
}

const SEED_ACTIONS: Record<SeedSidePlan['actions'][number]['action'], string> = {
  'create-keyspace': 'create the keyspace',
  'create-schema': 'create the schema',
  'drop-table': 'drop the table',
  'create-table': 'create the table',
  truncate: 'truncate',
  load: 'load',
  'inject-drift': 'inject differences into',
};

/** `reconcile seed --dry-run`: per side, the table now and the actions in order. */
export function renderSeedPlan(p: SeedPlan): string {
  const side = (name: string, s: SeedSidePlan) => {
    const now = s.tableExists ? `${(s.rowsNow ?? 0).toLocaleString('en-US')} rows now` : 'does not exist';
    const actions = s.actions.map(
      (a) => `  - ${SEED_ACTIONS[a.action]}${a.rows === undefined ? '' : ` ${a.rows.toLocaleString('en-US')} row(s)`}`,
    );
    return [`${name} ${s.table} (${now}):`, ...actions].join('\n');
  };
  const d = p.drift;
  const drift =
    d.missing + d.extra + d.value
      ? `\nDrift: ${d.missing} missing, ${d.extra} extra, ${d.value} changed value(s) in PostgreSQL.`
      : '';
  return `${side('Cassandra', p.cassandra)}\n${side('PostgreSQL', p.postgres)}${drift}\nDry run: nothing was changed.`;
}

/** One rewritten stderr line on a terminal: rows, rows/s, ETA. Nothing otherwise. */
export function progressPrinter(enabled: boolean) {
  let last = 0;
  let started = 0;
  let table = '';
  let shown = false;
  return {
    update(p: Progress) {
      if (!enabled) return;
      const now = Date.now();
      if (p.table !== table) {
        table = p.table;
        started = now;
      }
      if (now - last < 200) return;
      last = now;
      let line: string;
      if (p.phase === 'scan') {
        const rate = p.rows / Math.max(0.001, (now - started) / 1000);
        const eta = p.expected > p.rows ? `ETA ${Math.ceil((p.expected - p.rows) / Math.max(rate, 1))}s` : '';
        line = `${p.table}: ${p.rows.toLocaleString('en-US')}${p.expected ? `/~${Math.round(p.expected).toLocaleString('en-US')}` : ''} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s  ${eta}`;
      } else
        line = `${p.table}: ${p.phase === 'drill' ? 'drilling into differing buckets' : `re-checking ${p.expected} rows`}`;
      process.stderr.write(`\r\x1b[2K${line}`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

/** A stored run (reconcile show): its header, its tables and its differences. */
export function renderRunDetails(details: RunDetails, wide: boolean): string {
  const r = details.run;
  const head = `Run ${r.runId} (${r.context}, ${r.actor}) started ${r.startedAt}: ${r.status}`;
  const diffs = details.mismatches.length
    ? renderMismatches(details.mismatches, wide)
    : noMismatchesLine(details.tables);
  return `${head}\n\n${renderTables(details.tables, wide)}\n\n${diffs}`;
}

export function renderSeedResult(result: SeedResult): string {
  const summary = `Loaded ${result.rows.toLocaleString('en-US')} rows: Cassandra ${result.cassandra} in ${(result.cassandraMs / 1000).toFixed(1)}s, PostgreSQL ${result.postgres} in ${(result.postgresMs / 1000).toFixed(1)}s`;
  if (!result.drift.length) return summary;
  return `${summary}\nInjected ${result.drift.length} differences:\n${renderTable(result.drift, [
    {header: 'KIND', value: (d) => d.kind},
    {header: 'ID', value: (d) => d.id},
    {header: 'COLUMN', value: (d) => d.column ?? ''},
    {header: 'HOW', value: (d) => d.how},
  ])}`;
}

/** A repair: the SQL it would run (dry run), or what it did to each row and the totals. */
export function renderRepair(result: RepairResult, wide: boolean): string {
  if (result.dryRun) {
    const lines = result.actions.map((a) =>
      a.sql ? `-- ${a.kind} ${keyText(a)}\n${a.sql};` : `-- ${a.kind} ${keyText(a)}: ${a.reason}`,
    );
    return lines.length ? `-- dry run: nothing changed\n${lines.join('\n')}` : 'Nothing to repair.';
  }
  const table = renderTable(
    result.actions,
    [
      {header: 'TABLE', value: (a) => a.table, wide: true},
      {header: 'KIND', value: (a) => a.kind},
      {header: 'KEY', value: (a) => keyText(a)},
      {header: 'ACTION', value: (a) => a.action},
      {header: 'RESULT', value: (a) => (a.applied ? 'done' : (a.reason ?? ''))},
    ],
    wide,
  );
  const more = [
    result.failed ? `${result.failed} refused by PostgreSQL` : '',
    result.kept ? `${result.kept} extra row(s) kept (--delete-extras deletes them)` : '',
  ].filter(Boolean);
  return `${table}\n\n${result.applied} row(s) repaired, ${result.skipped} left alone${more.map((m) => `, ${m}`).join('')}.`;
}
