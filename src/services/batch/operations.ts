import {connectClient} from '../../clients/factory.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {parseDuration, parseInstant} from '../../util/time.js';
import {type ControlAction, controlConnectors, resolveSelection} from '../connectors/control.js';
import {planReplay, runReplay} from '../dlq/replay.js';
import {gdprKeys} from '../gdpr/keys.js';
import {erase} from '../gdpr/requests.js';
import {reconcile} from '../reconcile/engine.js';
import {type OperationName, type PlanStep, readCsvColumn} from './plan.js';

/**
 * What each batch operation is: the permission it needs, how a step expands into items (one
 * subject, table, connector or DLQ filter each), and how one item runs — in this process, through
 * the same service functions as the command of the same name. An item that fails throws.
 */

export interface BatchItem {
  /** Stored and shown; never personal data (a GDPR subject is its pseudonym). */
  label: string;
  /** What the item runs on; kept in memory only (a subject id is not stored). */
  input: unknown;
}

export interface ItemRun {
  batchId: string;
  step: string;
  item: number;
  /** The result this item stored in an earlier attempt (a resumed reconcile continues its run). */
  previous: unknown;
}

export interface Operation {
  permission: string;
  expand(ctx: RunContext, step: PlanStep): Promise<BatchItem[]>;
  /** One line: what running the item would do (--dry-run). */
  describe(step: PlanStep, item: BatchItem): string;
  run(ctx: RunContext, step: PlanStep, item: BatchItem, at: ItemRun): Promise<Record<string, unknown>>;
}

/** An item that ran and whose answer is "not OK" (drift, a request that needs an operator …). */
export class ItemNotOk extends CdcError {
  constructor(
    message: string,
    readonly result: Record<string, unknown>,
  ) {
    super('ITEM_NOT_OK', ExitCode.notOk, message);
  }
}

/** Ids of what an item creates (a GDPR request, a replay run), stable across attempts of the item. */
export function itemRunId(at: Pick<ItemRun, 'batchId' | 'step' | 'item'>): string {
  return `${at.batchId}-${at.step}-${at.item}`.slice(0, 64);
}

type Of<O extends OperationName> = Extract<PlanStep, {op: O}>;

const gdprErase: Operation = {
  permission: 'gdpr:erase',
  async expand(ctx, step) {
    const s = step as Of<'gdpr.erase'>;
    const keys = gdprKeys(ctx);
    return readCsvColumn(s.subjects, {column: s.column, noHeader: s.noHeader}).map(({line, value}) => ({
      label: value === '' ? `line ${line}: (empty)` : `line ${line}: ${keys.pseudonym(value).slice(0, 16)}`,
      input: value,
    }));
  },
  describe: (_s, item) => `erase subject ${item.label.replace(/^line \d+: /, '')} (its own saga)`,
  async run(ctx, step, item, at) {
    const s = step as Of<'gdpr.erase'>;
    const subject = item.input as string;
    // the messages name the line, never the id (it would reach the store and the terminal)
    if (subject.trim() === '') throw new UsageError('the subject id is empty');
    if (s.subjectPattern !== undefined && !new RegExp(s.subjectPattern, 'u').test(subject))
      throw new UsageError(`the subject id does not match subjectPattern ${s.subjectPattern}`);
    const view = await erase(ctx, {
      subject,
      requestId: itemRunId(at),
      reason: s.reason,
      onFailure: s.onFailure,
      dryRun: false,
      toolVersion: ctx.userAgent.replace(/^cdcctl\//, ''),
    });
    if ('dryRun' in view) throw new Error('erase answered a plan');
    const result = {requestId: view.requestId, state: view.state};
    if (view.state === 'restored' || view.state === 'needs_operator')
      throw new ItemNotOk(`erasure ${view.requestId} ended ${view.state}: ${view.lastError ?? ''}`.trim(), result);
    return result;
  },
};

const reconcileOp: Operation = {
  permission: 'reconcile:read',
  async expand(_ctx, step) {
    return (step as Of<'reconcile'>).tables.map((t) => ({label: t, input: t}));
  },
  describe: (_s, item) => `reconcile ${item.label}`,
  async run(ctx, step, item, at) {
    const s = step as Of<'reconcile'>;
    const prior = (at.previous as {runId?: string; status?: string} | null)?.runId;
    const result = await reconcile(ctx, {
      tables: [item.input as string],
      resume: prior && (at.previous as {status?: string}).status === 'interrupted' ? prior : undefined,
      shard: {index: 0, count: 1},
      minAgeMs: s.minAge === undefined ? undefined : parseDuration(s.minAge),
      recheckAfterMs: s.recheckAfter === undefined ? 5000 : parseDuration(s.recheckAfter),
      maxDiffRatio: 0.1,
      consistency: 'LOCAL_QUORUM',
      push: true,
      alert: true,
    });
    const t = result.tables[0];
    const out = {
      runId: result.runId,
      status: result.status,
      missing: t?.missing,
      extra: t?.extra,
      mismatched: t?.mismatched,
    };
    if (result.status !== 'clean') throw new ItemNotOk(`${item.label}: ${result.status} (run ${result.runId})`, out);
    return out;
  },
};

const connectorOp = (action: ControlAction): Operation => ({
  permission: 'connectors:write',
  async expand(ctx, step) {
    const patterns = (step as Extract<PlanStep, {connectors: string[]}>).connectors;
    const targets = await resolveSelection(connectClient(ctx), patterns, {info: false});
    const names = Object.keys(targets).sort();
    if (names.length === 0) throw new UsageError(`step "${step.id}": no connector matches ${patterns.join(', ')}`);
    return names.map((n) => ({label: n, input: n}));
  },
  describe: (_s, item) => `${action} connector ${item.label}`,
  async run(ctx, _step, item) {
    const connect = connectClient(ctx);
    const name = item.input as string;
    const targets = await resolveSelection(connect, [name], {info: false});
    const [r] = await controlConnectors(connect, targets, action, {concurrency: 1});
    if (!r) throw new UsageError(`no such connector: ${name}`);
    if (r.outcome === 'failed') {
      throw new CdcError(r.error?.code ?? 'FAILED', r.error?.exitCode ?? ExitCode.unreachable, r.message ?? 'failed');
    }
    return {before: r.before ?? null, outcome: r.outcome};
  },
});

const dlqReplay: Operation = {
  permission: 'dlq:write',
  async expand(_ctx, step) {
    return (step as Of<'dlq.replay'>).filters.map((f) => ({
      label:
        Object.entries(f)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
          .join(' ') || 'all',
      input: f,
    }));
  },
  describe: (s, item) =>
    `replay DLQ records ${item.label}${(s as Of<'dlq.replay'>).toTopic ? ` to ${(s as Of<'dlq.replay'>).toTopic}` : ''}`,
  async run(ctx, step, item, at) {
    const s = step as Of<'dlq.replay'>;
    const f = item.input as Of<'dlq.replay'>['filters'][number];
    const req = {
      filter: {
        ids: f.ids,
        connector: f.connector,
        topic: f.topic,
        stage: f.stage,
        exception: f.exception,
        since: f.since ? parseInstant(f.since, 'since') : undefined,
        until: f.until ? parseInstant(f.until, 'until') : undefined,
      },
      runId: itemRunId(at),
      toTopic: s.toTopic,
      force: false,
    };
    const plan = await planReplay(ctx, req);
    if (plan.eligible + plan.inDoubt === 0) return {runId: plan.runId, produced: 0, note: 'nothing to replay'};
    const result = await runReplay(ctx, plan, req);
    const out = {
      runId: result.runId,
      state: result.state,
      produced: result.produced + result.resent,
      recovered: result.recovered,
    };
    if (result.state !== 'finished') throw new ItemNotOk(`replay ${result.runId} ended ${result.state}`, out);
    return out;
  },
};

export const OPERATIONS: Record<OperationName, Operation> = {
  'gdpr.erase': gdprErase,
  reconcile: reconcileOp,
  'connectors.pause': connectorOp('pause'),
  'connectors.resume': connectorOp('resume'),
  'connectors.stop': connectorOp('stop'),
  'connectors.restart': connectorOp('restart'),
  'dlq.replay': dlqReplay,
};
