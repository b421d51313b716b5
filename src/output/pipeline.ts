import type {PipelineStatus} from '../services/pipeline/status.js';
import {color, paintState, renderTable} from './render.js';

/** The verdict, then workers, connectors, the other components and the problems found. */
export function renderStatus(s: PipelineStatus, wide: boolean): string {
  const c = color();
  const parts: string[] = [];
  parts.push(`${c.bold('Pipeline')} (context ${s.context}): ${paintState(s.verdict)}`);
  parts.push('');
  parts.push(
    renderTable(
      s.workers,
      [
        {header: 'WORKER', value: (w) => w.id},
        {header: 'VERSION', value: (w) => w.version ?? '-'},
        {header: 'HEALTH', value: (w) => (w.reachable ? (w.health ?? '-') : 'unreachable'), paint: paintState},
        {header: 'URL', value: (w) => w.url, wide: true},
        {header: 'CLUSTER', value: (w) => w.kafkaClusterId, wide: true},
      ],
      wide,
    ),
  );
  if (s.connectors.length > 0) {
    parts.push('');
    parts.push(
      renderTable(
        s.connectors,
        [
          {header: 'CONNECTOR', value: (x) => x.name},
          {header: 'TYPE', value: (x) => x.type},
          {header: 'STATE', value: (x) => x.state, paint: paintState},
          {
            header: 'TASKS',
            value: (x) => x.tasks.map((t) => `${t.id}:${t.state}`).join(' ') || '-',
          },
          {
            header: 'WORKERS',
            value: (x) => [...new Set([x.workerId, ...x.tasks.map((t) => t.workerId)])].join(','),
            wide: true,
          },
        ],
        wide,
      ),
    );
  }
  const extra: Array<{component: string; target: string; state: string; detail: string}> = [];
  if (s.kafka) {
    extra.push({
      component: 'kafka',
      target: s.kafka.clusterId ?? '',
      state: s.kafka.reachable ? 'ok' : 'down',
      detail: s.kafka.reachable ? `${s.kafka.brokers} broker(s)` : (s.kafka.error ?? ''),
    });
    for (const l of s.kafka.lag) {
      extra.push({
        component: `lag ${l.connector}`,
        target: l.groupId,
        state: l.total === null ? 'unknown' : 'ok',
        detail: l.total === null ? (l.error ?? '') : `${l.total} message(s) behind`,
      });
    }
  }
  for (const d of s.debezium)
    extra.push({
      component: `debezium ${d.name}`,
      target: d.url,
      state: d.status === 'up' ? 'ok' : d.status,
      detail: d.detail,
    });
  for (const db of s.databases)
    extra.push({component: db.name, target: db.target, state: db.reachable ? 'ok' : 'down', detail: db.detail});
  for (const x of s.cassandraCdc?.components ?? [])
    extra.push({component: x.component, target: s.cassandraCdc?.target ?? '', state: x.verdict, detail: x.detail});
  if (extra.length > 0) {
    parts.push('');
    parts.push(
      renderTable(
        extra,
        [
          {header: 'COMPONENT', value: (x) => x.component},
          {header: 'STATE', value: (x) => x.state, paint: paintState},
          {header: 'DETAIL', value: (x) => x.detail},
          {header: 'TARGET', value: (x) => x.target, wide: true},
        ],
        wide,
      ),
    );
  }
  if (s.problems.length > 0) {
    parts.push('');
    parts.push(c.bold('Problems:'));
    for (const p of s.problems)
      parts.push(`  ${paintState(p.severity === 'down' ? 'down' : 'degraded')}  ${p.component}: ${p.message}`);
  }
  return parts.join('\n');
}
