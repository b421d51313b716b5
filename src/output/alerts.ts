import type {AlertmanagerOverview, AlertRow, GroupRow, SilenceView, TestAlert} from '../services/alerts/alerts.js';
import {color, renderTable} from './render.js';

/** Terminal renderings of the alerts topic: severity colours and ages. */

export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600)}h`;
}

export function paintSeverity(text: string): string {
  const c = color();
  if (/^(critical|page|error)$/i.test(text)) return c.red.bold(text);
  if (/^warning$/i.test(text)) return c.yellow(text);
  if (/^info$/i.test(text)) return c.cyan(text);
  return text;
}

function paintAlertState(text: string): string {
  const c = color();
  return text === 'active' ? c.red(text) : text === 'silenced' || text === 'inhibited' ? c.dim(text) : c.yellow(text);
}

function otherLabels(r: AlertRow): string {
  return Object.entries(r.labels)
    .filter(([k]) => k !== 'alertname' && k !== 'severity')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function renderAlerts(rows: AlertRow[], wide: boolean): string {
  if (!rows.length) return 'No alerts.';
  return renderTable(
    rows,
    [
      {header: 'ALERT', value: (r) => r.alertname},
      {header: 'SEVERITY', value: (r) => r.severity ?? '', paint: paintSeverity},
      {header: 'STATE', value: (r) => r.state, paint: paintAlertState},
      {header: 'AGE', value: (r) => formatAge(r.ageSeconds)},
      {header: 'LABELS', value: otherLabels},
      {header: 'SUMMARY', value: (r) => r.summary ?? ''},
      {header: 'RECEIVERS', value: (r) => r.receivers.join(','), wide: true},
      {header: 'STARTS', value: (r) => r.startsAt, wide: true},
      {header: 'SILENCED BY', value: (r) => r.silencedBy.join(','), wide: true},
    ],
    wide,
  );
}

export function renderGroups(groups: GroupRow[], wide: boolean): string {
  if (!groups.length) return 'No alert groups.';
  return renderTable(
    groups,
    [
      {
        header: 'GROUP',
        value: (g) =>
          Object.entries(g.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '{}',
      },
      {header: 'RECEIVER', value: (g) => g.receiver},
      {header: 'ACTIVE', value: (g) => g.counts.active},
      {header: 'SILENCED', value: (g) => g.counts.silenced},
      {header: 'INHIBITED', value: (g) => g.counts.inhibited},
      {
        header: 'SEVERITIES',
        value: (g) => [...new Set(g.alerts.map((a) => a.severity).filter(Boolean))].join(','),
        wide: true,
      },
    ],
    wide,
  );
}

export function renderStatus(s: AlertmanagerOverview): string {
  return [
    `Alertmanager ${s.version ?? '?'} at ${s.url}`,
    `up since:   ${s.uptime}`,
    `cluster:    ${s.cluster}${s.peers ? ` (${s.peers} peers)` : ''}`,
    `receivers:  ${s.receivers.join(', ')}`,
    `alerts:     ${s.alerts.active} active, ${s.alerts.silenced} silenced, ${s.alerts.inhibited} inhibited, ${s.alerts.unprocessed} unprocessed`,
    `CDC alerts: ${s.alerts.cdc} active (matchers: ${s.cdcMatchers.join(' ')})`,
    `silences:   ${s.silences.active} active, ${s.silences.pending} pending, ${s.silences.expired} expired`,
  ].join('\n');
}

/** `alerts silence list -q`: the ids alone, one a line (nothing for no silence), to pipe into `silence expire`. */
export function renderSilenceIds(list: SilenceView[]): string {
  return list.map((s) => s.id).join('\n');
}

export function renderSilences(list: SilenceView[], wide: boolean): string {
  if (!list.length) return 'No silences.';
  const now = Date.now();
  return renderTable(
    list,
    [
      {header: 'ID', value: (s) => s.id},
      {header: 'MATCHERS', value: (s) => s.matchersText.join(' ')},
      {header: 'STATE', value: (s) => s.status.state},
      {
        header: 'ENDS',
        value: (s) => {
          const d = Math.round((Date.parse(s.endsAt) - now) / 1000);
          return d >= 0 ? `in ${formatAge(d)}` : `${formatAge(-d)} ago`;
        },
      },
      {header: 'CREATED BY', value: (s) => s.createdBy},
      {header: 'COMMENT', value: (s) => s.comment},
      {header: 'STARTS', value: (s) => s.startsAt, wide: true},
      {header: 'ENDS AT', value: (s) => s.endsAt, wide: true},
    ],
    wide,
  );
}

export function renderExpired(results: Array<{id: string; result: string}>): string {
  return `${results.map((x) => `${x.id}: ${x.result}`).join('\n')}\n`;
}

export function renderFired(r: {alert: TestAlert; sent: boolean; receivers?: string[]}): string {
  const labelText = Object.entries(r.alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return r.sent
    ? `Fired ${labelText} until ${r.alert.endsAt}${r.receivers?.length ? ` → receivers: ${r.receivers.join(', ')}` : ''}\n`
    : `Would fire ${labelText} until ${r.alert.endsAt}\n`;
}

/** The new silence's id (what scripts read), or what a dry run would silence. */
export function renderSilenceAdded(r: {
  silence: {id?: string; endsAt: string};
  affected: number;
  dryRun: boolean;
}): string {
  return r.dryRun ? `Would silence ${r.affected} alert(s) until ${r.silence.endsAt}\n` : `${r.silence.id}\n`;
}
