import type {MigrationState} from '../store/migrate.js';
import {renderTable} from './render.js';

export function renderMigration(result: {
  schema: string;
  database: string;
  applied: Array<{version: number; name: string}>;
}): string {
  return result.applied.length === 0
    ? `Store ${result.schema} at ${result.database} is up to date.\n`
    : result.applied.map((m) => `applied ${m.version} ${m.name}\n`).join('');
}

export function renderStoreStatus(status: MigrationState & {database: string}): string {
  const head = `Store ${status.schema} at ${status.database}: version ${status.current}, ${status.pending.length} pending migration(s)`;
  const rows = [
    ...status.applied.map((m) => ({...m, state: 'applied'})),
    ...status.pending.map((m) => ({...m, appliedAt: '', state: 'pending'})),
  ];
  return `${head}\n\n${renderTable(rows, [
    {header: 'VERSION', value: (m) => m.version},
    {header: 'NAME', value: (m) => m.name},
    {header: 'STATE', value: (m) => m.state},
    {header: 'APPLIED', value: (m) => m.appliedAt},
  ])}`;
}
