import type {HistoryDiff, SyncResult} from '../services/history/versions.js';
import type {ConfigVersion} from '../store/config-history.js';
import {formatChange} from './changes.js';
import {renderTable} from './render.js';

export function renderHistory(versions: ConfigVersion[], wide: boolean): string {
  return renderTable(
    versions,
    [
      {header: 'VERSION', value: (v) => v.version},
      {header: 'TIME', value: (v) => v.time},
      {header: 'ACTION', value: (v) => v.action},
      {header: 'ACTOR', value: (v) => v.actor},
      {header: 'KEYS', value: (v) => (v.config ? Object.keys(v.config).length : '-'), wide: true},
      {header: 'MESSAGE', value: (v) => v.message ?? ''},
    ],
    wide,
  );
}

export function renderHistoryDiff(d: HistoryDiff): string {
  const head = `${d.connector}: version ${d.from} → ${d.to === 'live' ? 'live config' : `version ${d.to}`}`;
  if (d.changes.length === 0) return `${head}: no difference\n`;
  return `${head}\n${d.changes.map((c) => `  ${formatChange(c)}`).join('\n')}\n`;
}

export function renderSync(results: SyncResult[], wide: boolean, dryRun: boolean): string {
  if (results.length === 0) return 'No connector matched.';
  const table = renderTable(
    results,
    [
      {header: 'CONNECTOR', value: (r) => r.connector},
      {header: 'RESULT', value: (r) => (r.outcome === 'recorded' && dryRun ? 'would record' : r.outcome)},
      {header: 'VERSION', value: (r) => r.version ?? ''},
      {header: 'REASON', value: (r) => r.reason ?? ''},
      {header: 'CHANGES', value: (r) => r.changes.map(formatChange).join('; '), wide: true},
    ],
    wide,
  );
  return dryRun ? `${table}\nDry run: nothing recorded.\n` : table;
}
