/**
 * Writes examples/grafana/cdc-overview.json from cdcctl's built-in metric catalog, so that the Grafana
 * dashboard and `cdcctl metrics show/dashboard` run the same PromQL. Run after changing the catalog:
 *   node --import tsx examples/grafana/generate.ts
 * (test/unit/grafana-dashboard.test.ts fails when the committed file is out of date.)
 */
import {writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {BUILTIN_QUERIES} from '../../src/services/metrics/catalog.js';

const GRAFANA_UNITS: Record<string, string> = {
  s: 's',
  '/s': 'ops',
  records: 'short',
  rows: 'short',
  tasks: 'short',
  connectors: 'short',
};

export function buildDashboard(): Record<string, unknown> {
  const panels = Object.entries(BUILTIN_QUERIES).map(([name, q], i) => ({
    id: i + 1,
    type: 'timeseries',
    title: name,
    description: q.description ?? '',
    datasource: {type: 'prometheus', uid: '${datasource}'},
    gridPos: {h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8},
    fieldConfig: {defaults: {unit: GRAFANA_UNITS[q.unit ?? ''] ?? 'short'}, overrides: []},
    options: {legend: {displayMode: 'list', placement: 'bottom'}, tooltip: {mode: 'multi'}},
    targets: [
      {refId: 'A', expr: q.query, legendFormat: '__auto', datasource: {type: 'prometheus', uid: '${datasource}'}},
    ],
  }));
  return {
    title: 'CDC pipeline overview (cdcctl)',
    uid: 'cdcctl-cdc-overview',
    description:
      "Generated from cdcctl's metric catalog (src/services/metrics/catalog.ts) by examples/grafana/generate.ts",
    tags: ['cdc', 'cdcctl', 'debezium', 'kafka-connect'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: {from: 'now-6h', to: 'now'},
    templating: {
      list: [{name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus', current: {}}],
    },
    annotations: {list: []},
    panels,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(dirname(fileURLToPath(import.meta.url)), 'cdc-overview.json');
  writeFileSync(out, `${JSON.stringify(buildDashboard(), null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
