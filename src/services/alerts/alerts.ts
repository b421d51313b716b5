import {
  type AlertGroup,
  type AlertmanagerClient,
  alertmanagerClient,
  type GettableAlert,
  type Matcher,
  type Silence,
} from '../../clients/alertmanager.js';
import {UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {instantAt} from '../../util/time.js';
import {checkRegex, formatMatcher, LABEL_NAME, parseMatcher, silenceMatcherMatchesEmpty} from './matchers.js';

/** CDC alerts, groups, status, silences and test alerts from Alertmanager. */

/** Which alerts are "CDC alerts" when a context does not say (alerts.matchers). */
export const DEFAULT_CDC_MATCHERS = [
  'alertname=~"(Connector|Task|Replication|Reconciliation|Debezium|Dlq|DLQ|Cdc|CDC|Schema|Sink|Source|Kafka).*"',
];

export const ALERT_STATES = ['active', 'silenced', 'inhibited', 'unprocessed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertRow {
  alertname: string;
  severity?: string;
  state: AlertState;
  startsAt: string;
  endsAt: string;
  /** Seconds since startsAt (at the time of the query). */
  ageSeconds: number;
  summary?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: string[];
  fingerprint: string;
  silencedBy: string[];
  inhibitedBy: string[];
  generatorURL?: string;
}

export async function withAlertmanager<T>(ctx: RunContext, fn: (am: AlertmanagerClient) => Promise<T>): Promise<T> {
  const am = alertmanagerClient(ctx);
  try {
    return await fn(am);
  } finally {
    await am.close();
  }
}

export function cdcMatchers(ctx: RunContext): string[] {
  return ctx.config.alerts?.matchers ?? DEFAULT_CDC_MATCHERS;
}

export interface AlertSelection {
  /** Matchers from the user (amtool syntax). */
  matchers: Matcher[];
  /** Drop the context's CDC matchers. */
  all?: boolean;
  states?: AlertState[];
  receiver?: string;
}

export function stateOf(a: GettableAlert): AlertState {
  if (a.status.state === 'unprocessed') return 'unprocessed';
  if (a.status.state === 'active') return 'active';
  return a.status.silencedBy.length ? 'silenced' : 'inhibited';
}

function filters(ctx: RunContext, sel: AlertSelection): string[] {
  if (sel.receiver !== undefined) checkRegex(sel.receiver, `--receiver "${sel.receiver}"`); // Alertmanager compiles it (RE2)
  const base = sel.all ? [] : cdcMatchers(ctx).map((m) => formatMatcher(parseMatcher(m)));
  return [...base, ...sel.matchers.map(formatMatcher)];
}

export function toRow(a: GettableAlert, now = Date.now()): AlertRow {
  return {
    alertname: a.labels.alertname ?? '',
    severity: a.labels.severity,
    state: stateOf(a),
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    ageSeconds: Math.max(0, Math.round((now - Date.parse(a.startsAt)) / 1000)),
    summary: a.annotations.summary ?? a.annotations.description ?? a.annotations.message,
    labels: a.labels,
    annotations: a.annotations,
    receivers: a.receivers.map((r) => r.name),
    fingerprint: a.fingerprint,
    silencedBy: a.status.silencedBy,
    inhibitedBy: a.status.inhibitedBy,
    ...(a.generatorURL ? {generatorURL: a.generatorURL} : {}),
  };
}

/** The states a selection asks for: by default only active alerts (amtool's default, and the documented one). */
function statesOf(sel: AlertSelection): Set<AlertState> {
  return new Set<AlertState>(sel.states?.length ? sel.states : ['active']);
}

/** Alerts matching the selection; by default only active ones. */
export async function listAlerts(ctx: RunContext, sel: AlertSelection): Promise<AlertRow[]> {
  const states = statesOf(sel);
  return withAlertmanager(ctx, async (am) => {
    const alerts = await am.alerts({filter: filters(ctx, sel), receiver: sel.receiver});
    const now = Date.now();
    return alerts
      .map((a) => toRow(a, now))
      .filter((r) => states.has(r.state))
      .sort((x, y) => severityRank(x.severity) - severityRank(y.severity) || x.startsAt.localeCompare(y.startsAt));
  });
}

export function severityRank(s: string | undefined): number {
  const order = ['critical', 'error', 'warning', 'info'];
  const i = order.indexOf((s ?? '').toLowerCase());
  return i < 0 ? order.length : i;
}

export interface GroupRow {
  labels: Record<string, string>;
  receiver: string;
  alerts: AlertRow[];
  counts: Record<AlertState, number>;
}

export async function listGroups(ctx: RunContext, sel: AlertSelection): Promise<GroupRow[]> {
  return withAlertmanager(ctx, async (am) => {
    const groups: AlertGroup[] = await am.groups({filter: filters(ctx, sel), receiver: sel.receiver});
    const now = Date.now();
    const states = statesOf(sel);
    return groups
      .map((g) => {
        const alerts = g.alerts.map((a) => toRow(a, now)).filter((r) => states.has(r.state));
        const counts = {active: 0, silenced: 0, inhibited: 0, unprocessed: 0};
        for (const a of alerts) counts[a.state]++;
        return {labels: g.labels, receiver: g.receiver.name, alerts, counts};
      })
      .filter((g) => g.alerts.length > 0);
  });
}

export interface AlertmanagerOverview {
  url: string;
  version?: string;
  uptime: string;
  cluster: string;
  peers: number;
  receivers: string[];
  cdcMatchers: string[];
  alerts: Record<AlertState, number> & {cdc: number};
  silences: {active: number; pending: number; expired: number};
}

export async function alertmanagerStatus(ctx: RunContext): Promise<AlertmanagerOverview> {
  return withAlertmanager(ctx, async (am) => {
    const cdcFilter = cdcMatchers(ctx).map((m) => formatMatcher(parseMatcher(m)));
    const [status, receivers, all, cdc, silences] = await Promise.all([
      am.status(),
      am.receivers(),
      am.alerts(),
      am.alerts({filter: cdcFilter}),
      am.silences(),
    ]);
    const counts = {active: 0, silenced: 0, inhibited: 0, unprocessed: 0};
    for (const a of all) counts[stateOf(a)]++;
    const sil = {active: 0, pending: 0, expired: 0};
    for (const s of silences) sil[s.status.state]++;
    return {
      url: am.url,
      version: status.versionInfo?.version,
      uptime: status.uptime,
      cluster: status.cluster?.status ?? 'unknown',
      peers: status.cluster?.peers?.length ?? 0,
      receivers: receivers.map((r) => r.name),
      cdcMatchers: cdcMatchers(ctx),
      alerts: {...counts, cdc: cdc.filter((a) => stateOf(a) === 'active').length},
      silences: sil,
    };
  });
}

// ---- silences -------------------------------------------------------------------------------------------------

export interface NewSilence {
  matchers: Matcher[];
  startsAt?: Date;
  /** Either an end time or a duration from the start. */
  endsAt?: Date;
  durationMs?: number;
  comment: string;
  author?: string;
}

/**
 * The silence to post, checked with Alertmanager's own rules (silence validation in 0.25) so that a
 * dry run never approves what the server would refuse: at least one matcher, valid label names
 * and RE2 regexes, not every `=`/`=~` matcher matching the empty string, an end after the start.
 */
export function buildSilence(ctx: RunContext, s: NewSilence, now = new Date()) {
  if (!s.matchers.length) throw new UsageError('a silence needs at least one matcher');
  for (const m of s.matchers) {
    if (!LABEL_NAME.test(m.name))
      throw new UsageError(`invalid label name "${m.name}" in a matcher`, {
        hint: 'Label names match [a-zA-Z_][a-zA-Z0-9_]*.',
      });
  }
  if (s.matchers.every(silenceMatcherMatchesEmpty))
    throw new UsageError(
      `every matcher of the silence matches the empty string (${s.matchers.map(formatMatcher).join(', ')}): Alertmanager refuses it`,
      {hint: 'Add a matcher that names something, e.g. alertname=ConnectorDown; a silence must not match every alert.'},
    );
  if (!s.comment.trim()) throw new UsageError('a silence needs a comment (--comment): say why');
  const startsAt = s.startsAt ?? now;
  const endsAt =
    s.endsAt ?? instantAt(startsAt.getTime() + (s.durationMs ?? 3_600_000), 'the end of the silence (--duration)');
  if (endsAt <= startsAt) throw new UsageError('the silence must end after it starts');
  return {
    matchers: s.matchers,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    createdBy: s.author ?? ctx.actor,
    comment: s.comment,
  };
}

export async function addSilence(
  ctx: RunContext,
  s: NewSilence,
  options: {dryRun?: boolean} = {},
): Promise<{silence: ReturnType<typeof buildSilence> & {id?: string}; affected: number; dryRun: boolean}> {
  const body = buildSilence(ctx, s);
  return withAlertmanager(ctx, async (am) => {
    const affected = (await am.alerts({filter: body.matchers.map(formatMatcher), silenced: false})).length;
    if (options.dryRun) return {silence: body, affected, dryRun: true};
    const id = await am.createSilence(body);
    return {silence: {...body, id}, affected, dryRun: false};
  });
}

export type SilenceView = Silence & {matchersText: string[]};

function view(s: Silence): SilenceView {
  return {...s, matchersText: s.matchers.map(formatMatcher)};
}

export async function listSilences(
  ctx: RunContext,
  options: {matchers?: Matcher[]; expired?: boolean; all?: boolean} = {},
): Promise<SilenceView[]> {
  return withAlertmanager(ctx, async (am) => {
    const silences = await am.silences(options.matchers?.map(formatMatcher));
    return silences
      .filter((s) => options.all || (options.expired ? s.status.state === 'expired' : s.status.state !== 'expired'))
      .sort((a, b) => a.endsAt.localeCompare(b.endsAt))
      .map(view);
  });
}

export async function showSilence(ctx: RunContext, id: string): Promise<SilenceView> {
  return withAlertmanager(ctx, async (am) => {
    const s = await am.silence(id);
    if (!s)
      throw new UsageError(`no silence with id ${id}`, {hint: 'List them with `cdcctl alerts silence list --all`.'});
    return view(s);
  });
}

export async function expireSilences(
  ctx: RunContext,
  ids: string[],
  options: {dryRun?: boolean} = {},
): Promise<Array<{id: string; before: string; result: 'expired' | 'already-expired' | 'would-expire'}>> {
  return withAlertmanager(ctx, async (am) => {
    const out: Array<{id: string; before: string; result: 'expired' | 'already-expired' | 'would-expire'}> = [];
    for (const id of ids) {
      const s = await am.silence(id);
      if (!s) throw new UsageError(`no silence with id ${id}`);
      if (s.status.state === 'expired') out.push({id, before: s.status.state, result: 'already-expired'});
      else if (options.dryRun) out.push({id, before: s.status.state, result: 'would-expire'});
      else {
        await am.expireSilence(id);
        out.push({id, before: s.status.state, result: 'expired'});
      }
    }
    return out;
  });
}

// ---- test alerts ----------------------------------------------------------------------------------------------

/** Loopback Alertmanager (or `alerts.local: true`): a test alert needs no confirmation. */
export function isLocalContext(ctx: RunContext): boolean {
  if (ctx.config.alerts?.local !== undefined) return ctx.config.alerts.local;
  const url = ctx.config.alertmanager?.url;
  if (!url) return false;
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

export interface TestAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

/**
 * The test alert, checked with Alertmanager's own rules (alert validation in 0.25) so that a dry
 * run never approves what the server would refuse: label and annotation names, at least one label
 * with a value (empty values are dropped by the server), a start before the end.
 */
export function buildTestAlert(
  ctx: RunContext,
  options: {name?: string; severity?: string; labels?: Record<string, string>; summary?: string; durationMs?: number},
  now = new Date(),
): TestAlert {
  const alert = testAlertOf(ctx, options, now);
  for (const [what, set] of [
    ['label', alert.labels],
    ['annotation', alert.annotations],
  ] as const) {
    for (const name of Object.keys(set))
      if (!LABEL_NAME.test(name))
        throw new UsageError(`invalid ${what} name "${name}": Alertmanager refuses it`, {
          hint: 'Names match [a-zA-Z_][a-zA-Z0-9_]* (no dots, dashes or colons).',
        });
  }
  if (!Object.values(alert.labels).some((v) => v !== ''))
    throw new UsageError('the alert has no label with a value: Alertmanager refuses it');
  if (Date.parse(alert.endsAt) <= Date.parse(alert.startsAt))
    throw new UsageError('the alert must end after it starts (--duration)');
  return alert;
}

function testAlertOf(
  ctx: RunContext,
  options: {name?: string; severity?: string; labels?: Record<string, string>; summary?: string; durationMs?: number},
  now: Date,
): TestAlert {
  return {
    labels: {
      alertname: options.name ?? 'CdcctlTestAlert',
      severity: options.severity ?? 'info',
      source: 'cdcctl',
      ...options.labels,
    },
    annotations: {
      summary: options.summary ?? `Test alert from cdcctl (${ctx.actor}, context ${ctx.contextName})`,
    },
    startsAt: now.toISOString(),
    endsAt: instantAt(
      now.getTime() + (options.durationMs ?? 300_000),
      'the end of the alert (--duration)',
    ).toISOString(),
  };
}

export async function fireTestAlert(
  ctx: RunContext,
  alert: TestAlert,
  options: {dryRun?: boolean} = {},
): Promise<{alert: TestAlert; sent: boolean; receivers?: string[]}> {
  if (options.dryRun) return {alert, sent: false};
  return withAlertmanager(ctx, async (am) => {
    await am.postAlerts([alert]);
    // the routed receivers, as Alertmanager reports them back (best effort, it may take a moment)
    const filter = Object.entries(alert.labels).map(([name, value]) =>
      formatMatcher({name, value, isRegex: false, isEqual: true}),
    );
    const found = await am.alerts({filter}).catch(() => []);
    return {alert, sent: true, receivers: found[0]?.receivers.map((r) => r.name)};
  });
}
