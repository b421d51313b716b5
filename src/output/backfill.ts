import type {
  BackfillDetails,
  BackfillRecord,
  CassandraBackfillResult,
  ControlResult,
  ResnapshotResult,
  SetupResult,
  SignalProgress,
  StartSignalResult,
  TableProgress,
} from '../services/backfill/types.js';
import {color, renderTable} from './render.js';

/** Renderers of the backfill topic, and its progress display (a bar on a terminal, lines otherwise). */

export function renderSetup(r: SetupResult): string {
  const c = color();
  const lines = [`${c.bold(r.connector)}: signal backfill set-up${r.dryRun ? ' (dry run: nothing changed)' : ''}`];
  for (const i of r.items) lines.push(`  ${i.ok ? c.green('✓') : c.yellow('•')} ${i.check.padEnd(30)} ${i.detail}`);
  if (r.ready) {
    lines.push('', 'Ready: nothing to change.');
    return lines.join('\n');
  }
  if (r.diff.length > 0) {
    lines.push('', 'Connector config:');
    for (const d of r.diff) {
      if (d.before !== null) lines.push(c.red(`  - ${d.key}=${d.before}`));
      if (d.after !== null) lines.push(c.green(`  + ${d.key}=${d.after}`));
    }
  }
  if (r.sql.length > 0) lines.push('', 'Source database:', ...r.sql.map((s) => `  ${s};`));
  if (r.topics.length > 0) lines.push('', 'Kafka:', ...r.topics.map((t) => `  create topic ${t} (1 partition)`));
  lines.push('', r.applied ? 'Applied.' : 'Nothing changed (run without --dry-run to apply).');
  return lines.join('\n');
}

function conditionText(t: {table: string; where?: string}): string {
  return t.where ? `${t.table} WHERE ${t.where}` : t.table;
}

export function renderStart(r: StartSignalResult): string {
  const head = r.dryRun
    ? `Dry run: would send ${r.signal.type} (${r.mode}) to ${r.connector} through the ${r.channel} channel:`
    : `Backfill ${r.id}: ${r.signal.type} (${r.mode}) sent to ${r.connector} through the ${r.channel} channel (signal ${r.signalId}).`;
  const rows = renderTable(
    r.tables.map((t) => ({...t, progress: r.progress?.find((p) => p.table === t.table)})),
    [
      {header: 'TABLE', value: (t) => t.table},
      {header: 'WHERE', value: (t) => t.where ?? ''},
      {header: 'EST. ROWS', value: (t) => t.estimatedRows ?? ''},
      ...(r.progress
        ? [
            {header: 'STATE', value: (t: {progress?: TableProgress}) => t.progress?.state ?? ''},
            {header: 'ROWS', value: (t: {progress?: TableProgress}) => t.progress?.rows ?? ''},
          ]
        : []),
    ],
  );
  const tail = r.dryRun
    ? `\nSignal data: ${JSON.stringify(r.signal.data)}`
    : r.waited
      ? `\nStatus: ${r.status}`
      : `\nFollow it with: cdcctl backfill status ${r.id} --wait`;
  return `${head}\n${rows}${tail}`;
}

export function renderControl(r: ControlResult): string {
  const what = `${r.signal.type} ${JSON.stringify(r.signal.data)}`;
  const head = r.dryRun
    ? `Dry run: would send ${what} to ${r.connector} through the ${r.channel} channel.`
    : `Sent ${what} to ${r.connector} through the ${r.channel} channel (signal ${r.signalId}).`;
  const list = r.backfills.length
    ? `\n${r.backfills.map((b) => `  ${b.id}  ${b.status}`).join('\n')}`
    : '\nNo open backfill of this connector is recorded.';
  return `${head}${list}`;
}

export function renderCassandra(r: CassandraBackfillResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const head = r.dryRun
    ? `Dry run of a backfill of ${r.table}: nothing written.`
    : `Backfill ${r.id} of ${r.table}${r.resumed ? ' (resumed)' : ''}: ${r.status}.`;
  const shard = r.shard.count > 1 ? `, shard ${r.shard.index}/${r.shard.count}` : '';
  const lines = [
    head,
    `  splits        ${n(r.splitsDone)} of ${n(r.splits)} done now${r.splitsSkipped ? `, ${n(r.splitsSkipped)} done before (skipped)` : ''}${shard}`,
    `  rows read     ${n(r.rowsRead)}${r.filteredOut ? ` (${n(r.filteredOut)} outside the key range)` : ''}`,
    `  ${r.dryRun ? 'would insert ' : 'inserted     '} ${n(r.inserted)}`,
    `  ${r.dryRun ? 'would update ' : 'updated      '} ${n(r.updated)}`,
    `  left alone    ${n(r.unchanged + r.newer)}${r.dryRun ? ` (${n(r.newer)} newer in PostgreSQL, ${n(r.unchanged)} identical)` : ' (identical, or newer in PostgreSQL)'}`,
    `  time          ${(r.ms / 1000).toFixed(1)} s`,
    `  guard         ${r.guard}`,
  ];
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (r.status === 'interrupted') lines.push(`Resume it with: cdcctl backfill resume ${r.id}`);
  return lines.join('\n');
}

export function renderResnapshot(r: ResnapshotResult): string {
  const c = color();
  const lines = [`${c.bold(r.connector)}: re-snapshot${r.dryRun ? ' (dry run)' : ` (backfill ${r.id})`}`];
  for (const s of r.steps) lines.push(`  ${s.ok ? c.green('✓') : c.red('✗')} ${s.step.padEnd(13)} ${s.detail}`);
  for (const w of r.warnings) lines.push(`  ${c.yellow('warning:')} ${w}`);
  return lines.join('\n');
}

export function renderList(rows: BackfillRecord[], wide: boolean): string {
  if (rows.length === 0) return 'No backfills recorded.';
  return renderTable(
    rows,
    [
      {header: 'ID', value: (b) => b.id},
      {header: 'KIND', value: (b) => b.kind},
      {header: 'SOURCE', value: (b) => b.source},
      {header: 'TABLES', value: (b) => b.tables.map(conditionText).join('\n')},
      {header: 'MODE', value: (b) => b.mode, wide: true},
      {header: 'STATUS', value: (b) => b.status},
      {header: 'ROWS', value: (b) => (b.kind === 'cassandra' ? b.rowsWritten : '')},
      {header: 'STARTED', value: (b) => b.startedAt},
      {header: 'BY', value: (b) => b.actor, wide: true},
      {header: 'FINISHED', value: (b) => b.finishedAt ?? '', wide: true},
    ],
    wide,
  );
}

export function renderDetails(d: BackfillDetails): string {
  const b = d.backfill;
  const lines = [
    `Backfill ${b.id}: ${b.status}`,
    `  kind       ${b.kind} (${b.mode}${b.channel ? `, ${b.channel} channel` : ''})`,
    `  source     ${b.source}`,
    `  tables     ${b.tables.map(conditionText).join(', ')}`,
    `  by         ${b.actor}`,
    `  started    ${b.startedAt}`,
    `  updated    ${b.updatedAt}`,
  ];
  if (b.finishedAt) lines.push(`  finished   ${b.finishedAt}`);
  if (b.signalId) lines.push(`  signal     ${b.signalId}`);
  if (b.kind === 'cassandra') {
    const p = b.progress as {splits?: number};
    lines.push(`  splits     ${d.splitsDone ?? 0} done${p.splits ? ` of ${p.splits}` : ''}`);
    lines.push(`  rows       ${b.rowsRead} read, ${b.rowsWritten} written`);
  }
  const tables = (b.progress as {tables?: TableProgress[]}).tables;
  if (tables) for (const t of tables) lines.push(`  ${t.table}: ${progressText(t)}`);
  if (b.error) lines.push(`  error      ${b.error}`);
  return lines.join('\n');
}

function progressText(t: TableProgress): string {
  const pct = t.fraction === undefined ? '' : ` ${Math.round(t.fraction * 100)}%`;
  const key = t.lastKey ? ` key ${t.lastKey}/${t.maximumKey ?? '?'}` : '';
  const rows = t.rows === undefined ? '' : ` ${t.rows} rows`;
  return `${t.state}${pct}${key}${t.chunks ? ` ${t.chunks} chunk(s)` : ''}${rows}${t.status ? ` (${t.status})` : ''}`;
}

/**
 * Progress on stderr: on a terminal one redrawn line with a bar per table in flight; otherwise one
 * line per notification that changes a table's state, or per 10 % step.
 */
export function signalProgressPrinter(tty: boolean, write: (line: string) => void) {
  const lastShown = new Map<string, string>();
  let drawn = false;
  return {
    update(p: SignalProgress) {
      if (tty) {
        const current = p.tables.find((t) => t.state === 'running') ?? p.tables.at(-1);
        if (!current) return;
        const f = current.fraction ?? 0;
        const width = 30;
        const filled = Math.round(f * width);
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
        const done = p.tables.filter((t) => t.state === 'done').length;
        process.stderr.write(
          `\r\x1b[2K${current.table} ${bar} ${current.fraction === undefined ? '' : `${Math.round(f * 100)}% `}${current.lastKey ? `key ${current.lastKey}/${current.maximumKey} ` : ''}(${done}/${p.tables.length} tables)`,
        );
        drawn = true;
        return;
      }
      for (const t of p.tables) {
        const step = t.fraction === undefined ? t.chunks : Math.floor(t.fraction * 10);
        const mark = `${t.state}:${step}`;
        if (lastShown.get(t.table) === mark) continue;
        lastShown.set(t.table, mark);
        if (t.state === 'pending') continue;
        write(`${p.id} ${t.table}: ${progressText(t)}`);
      }
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}

export function cassandraProgressPrinter(tty: boolean, write: (line: string) => void) {
  let last = 0;
  let drawn = false;
  let lastSplits = -1;
  return {
    update(p: {rows: number; splitsDone: number; splits: number}) {
      const now = Date.now();
      if (tty) {
        if (now - last < 200) return;
        last = now;
        const f = p.splits ? p.splitsDone / p.splits : 0;
        const filled = Math.round(f * 30);
        process.stderr.write(
          `\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(30 - filled)}] ${p.splitsDone}/${p.splits} splits, ${p.rows.toLocaleString('en-US')} rows`,
        );
        drawn = true;
        return;
      }
      const step = Math.floor((p.splitsDone / Math.max(1, p.splits)) * 10);
      if (step === lastSplits) return;
      lastSplits = step;
      write(`${p.splitsDone}/${p.splits} splits, ${p.rows} rows read`);
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[2K');
    },
  };
}
