export function renderMigration(result: {
  schema: string;
  database: string;
  applied: Array<{version: number; name: string}>;
}): string {
  return result.applied.length === 0
    ? `Store ${result.schema} at ${result.database} is up to date.\n`
    : result.applied.map((m) => `applied ${m.version} ${m.name}\n`).join('');
}
