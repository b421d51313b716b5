import {writeFileSync} from 'node:fs';
import type {ConnectClient, ConnectorOffsets, ConnectorState} from '../../clients/connect.js';
import {connectClient} from '../../clients/factory.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import {reached} from './control.js';

/**
 * Offsets as one guarded workflow (Kafka Connect ≥ 3.6, KIP-875): save the current offsets to a
 * backup file, stop the connector, reset or alter them, verify, and return the connector to the
 * state it was in. Every step is reported; a failure after the stop leaves the connector STOPPED
 * and says so, with the backup to restore from.
 */

export interface OffsetsStep {
  step: 'backup' | 'stop' | 'reset' | 'alter' | 'verify' | 'restore-state';
  ok: boolean;
  detail: string;
}

export interface OffsetsChange {
  connector: string;
  mode: 'reset' | 'set';
  previousState: ConnectorState | 'UNKNOWN';
  backupFile: string;
  dryRun: boolean;
  steps: OffsetsStep[];
  before: ConnectorOffsets;
  after?: ConnectorOffsets;
}

export async function getOffsets(ctx: RunContext, name: string): Promise<ConnectorOffsets> {
  const connect = connectClient(ctx);
  try {
    await requireOffsetsApi(connect);
    return await connect.offsets(name);
  } finally {
    await connect.close();
  }
}

/** Checks an offsets document's shape before anything is stopped. */
export function parseOffsetsDocument(data: unknown, where: string): ConnectorOffsets {
  const offsets = (data as {offsets?: unknown})?.offsets;
  if (!Array.isArray(offsets) || offsets.length === 0) {
    throw new UsageError(
      `${where}: expected {"offsets": [{"partition": {…}, "offset": {…} | null}, …]} with at least one entry`,
    );
  }
  for (const [i, o] of offsets.entries()) {
    const ok =
      o &&
      typeof o === 'object' &&
      o.partition &&
      typeof o.partition === 'object' &&
      (o.offset === null || typeof o.offset === 'object');
    if (!ok) throw new UsageError(`${where}: offsets[${i}] needs an object "partition" and an object or null "offset"`);
  }
  return {offsets} as ConnectorOffsets;
}

export async function changeOffsets(
  ctx: RunContext,
  name: string,
  change: {mode: 'reset'} | {mode: 'set'; offsets: ConnectorOffsets},
  options: {backupFile: string; dryRun: boolean; waitMs: number},
): Promise<OffsetsChange> {
  const connect = connectClient(ctx);
  const steps: OffsetsStep[] = [];
  try {
    await requireOffsetsApi(connect);
    const status = await connect.status(name);
    const previousState = status.connector.state;
    const before = await connect.offsets(name);
    const result: OffsetsChange = {
      connector: name,
      mode: change.mode,
      previousState,
      backupFile: options.backupFile,
      dryRun: options.dryRun,
      steps,
      before,
    };
    if (options.dryRun) {
      steps.push({
        step: 'backup',
        ok: true,
        detail: `would save ${before.offsets.length} offset(s) to ${options.backupFile}`,
      });
      steps.push({step: 'stop', ok: true, detail: `would stop ${name} (now ${previousState})`});
      steps.push({step: change.mode === 'reset' ? 'reset' : 'alter', ok: true, detail: describeChange(change)});
      steps.push({step: 'restore-state', ok: true, detail: `would return ${name} to ${previousState}`});
      return result;
    }
    writeFileSync(
      options.backupFile,
      `${JSON.stringify({connector: name, savedAt: new Date().toISOString(), ...before}, null, 2)}\n`,
      {mode: 0o600},
    );
    steps.push({step: 'backup', ok: true, detail: `saved ${before.offsets.length} offset(s) to ${options.backupFile}`});

    if (previousState !== 'STOPPED') {
      await connect.stop(name);
      await waitFor(connect, name, (e) => reached('stop', e), options.waitMs, 'STOPPED');
    }
    steps.push({step: 'stop', ok: true, detail: previousState === 'STOPPED' ? 'already STOPPED' : 'STOPPED'});

    const message =
      change.mode === 'reset' ? await connect.resetOffsets(name) : await connect.alterOffsets(name, change.offsets);
    steps.push({step: change.mode === 'reset' ? 'reset' : 'alter', ok: true, detail: message});

    const after = await connect.offsets(name);
    result.after = after;
    const verified = verify(change, after);
    steps.push({step: 'verify', ok: verified.ok, detail: verified.detail});

    if (previousState === 'RUNNING' || previousState === 'PAUSED') {
      await connect.resume(name);
      if (previousState === 'PAUSED') await connect.pause(name);
      const target = previousState === 'PAUSED' ? 'pause' : 'resume';
      await waitFor(connect, name, (e) => reached(target, e), options.waitMs, previousState);
      steps.push({step: 'restore-state', ok: true, detail: `back to ${previousState}`});
    } else {
      steps.push({
        step: 'restore-state',
        ok: true,
        detail: `left ${previousState === 'STOPPED' ? 'STOPPED, as it was' : `STOPPED (it was ${previousState})`}`,
      });
    }
    if (!verified.ok) {
      throw new CdcError(
        'VERIFY_FAILED',
        ExitCode.notOk,
        `offsets of ${name} do not match after the change: ${verified.detail}`,
        {
          hint: `The previous offsets are in ${options.backupFile}; restore them with \`cdcctl connectors offsets set ${name} -f ${options.backupFile}\`.`,
          details: {steps},
        },
      );
    }
    return result;
  } catch (err) {
    if (
      err instanceof CdcError &&
      steps.some((s) => s.step === 'stop') &&
      !steps.some((s) => s.step === 'restore-state')
    ) {
      throw new CdcError(err.code, err.exitCode, `${err.message} — ${name} was left STOPPED`, {
        hint: `Offsets before the change are in ${options.backupFile}. Resume with \`cdcctl connectors resume ${name}\` once fixed.`,
        details: {steps},
      });
    }
    throw err;
  } finally {
    await connect.close();
  }
}

function describeChange(change: {mode: 'reset'} | {mode: 'set'; offsets: ConnectorOffsets}): string {
  return change.mode === 'reset' ? 'would reset every offset' : `would set ${change.offsets.offsets.length} offset(s)`;
}

function verify(
  change: {mode: 'reset'} | {mode: 'set'; offsets: ConnectorOffsets},
  after: ConnectorOffsets,
): {ok: boolean; detail: string} {
  if (change.mode === 'reset') {
    const left = after.offsets.filter((o) => o.offset !== null);
    return left.length === 0
      ? {ok: true, detail: 'no offsets remain'}
      : {ok: false, detail: `${left.length} offset(s) remain`};
  }
  const key = (p: unknown) => JSON.stringify(sortKeys(p));
  const now = new Map(after.offsets.map((o) => [key(o.partition), key(o.offset)]));
  const wrong = change.offsets.offsets.filter((o) =>
    o.offset === null
      ? now.has(key(o.partition)) && now.get(key(o.partition)) !== 'null'
      : now.get(key(o.partition)) !== key(o.offset),
  );
  return wrong.length === 0
    ? {ok: true, detail: `${change.offsets.offsets.length} offset(s) as requested`}
    : {ok: false, detail: `${wrong.length} partition(s) differ from the request`};
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

async function requireOffsetsApi(connect: ConnectClient): Promise<void> {
  if (!(await connect.supports('offsets'))) {
    throw new CdcError(
      'UNSUPPORTED',
      ExitCode.usage,
      `the offsets API needs Kafka Connect 3.6 or later; this worker runs ${(await connect.serverInfo()).version}`,
    );
  }
}

async function waitFor(
  connect: ConnectClient,
  name: string,
  done: (e: Awaited<ReturnType<ConnectClient['listExpanded']>>[string] | undefined) => boolean,
  waitMs: number,
  target: string,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = await connect.status(name);
    if (done({status})) return;
    if (Date.now() > deadline) {
      throw new CdcError(
        'WAIT_TIMEOUT',
        ExitCode.notOk,
        `${name} did not reach ${target} within ${waitMs} ms (it is ${status.connector.state})`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
