import {randomUUID} from 'node:crypto';
import {hostname} from 'node:os';
import {retryTransient} from '../../clients/postgres.js';
import {auditMode} from '../../config/audit-mode.js';
import {REDACTED, redactText} from '../../config/secrets.js';
import {CdcError, ExitCode} from '../../errors.js';
import type {RunContext} from '../../runtime.js';
import type {AuditEntry, AuditResult} from '../../store/audit-record.js';
import {ForbiddenError, type Identity, osIdentity, resolveIdentity} from '../access/identity.js';
import {type Decision, decide} from '../access/policy.js';
import {gdprKeys} from '../gdpr/keys.js';
import {type PersonalFlags, personalValues, redactArgv} from './redact-args.js';
import {AuditTrail} from './trail.js';

/**
 * What the base command does around every run: identify the actor, check the access policy before
 * anything runs (a denial is audited and exits 6), make sure a mutating run can be audited when
 * the context requires it, and write the audit record when the run ends.
 */
/**
 * How long a run waits for a restarting store (a PostgreSQL restart takes 0.5–8 s here, more on a big
 * server): where the context requires audit records, before the run and for its record at the end. Where
 * they are optional a missing record is accepted, so a store that is down costs no wait (only the warning).
 */
const STORE_WAIT_MS = {required: 10_000, optional: 0} as const;

export interface RunMeta {
  commandId: string;
  mutating: boolean;
  permission: string | null;
  dryRun: boolean;
  argv: string[];
  /** The run's targets as the command line names them: its positional arguments, never flag values. */
  targets: string[];
  /**
   * Flags whose values are a GDPR subject id: recorded only as `hmac:<pseudonym>` (the same HMAC
   * with gdpr.reportKey as the erasure journal's), or masked when the context has no report key.
   */
  subjectFlags?: readonly string[];
  version: string;
}

export interface RunOutcome {
  error?: unknown;
  exitCode?: number;
  targets: string[];
}

export interface RunGuard {
  identity: Identity;
  decision: Decision;
  /** Writes the audit record of a mutating run (durable when it resolves); warns when it cannot. */
  finish(outcome: RunOutcome): Promise<void>;
}

export async function guardRun(ctx: RunContext, meta: RunMeta): Promise<RunGuard> {
  const started = performance.now();
  // The record's id is fixed up front so that what the run writes elsewhere (e.g. the GDPR journal)
  // can point at it.
  const auditId = randomUUID();
  if (meta.mutating) ctx.auditId = auditId;
  const trail = new AuditTrail(ctx);
  if (meta.mutating) void trail.open(); // warm up the store while the command gets going

  const personal: PersonalFlags | undefined = meta.subjectFlags?.length
    ? {flags: meta.subjectFlags, rewrite: (subject) => subjectPseudonym(ctx, subject)}
    : undefined;
  const personalInArgv = personalValues(meta.argv, personal);
  const errorOf = (err: unknown): {code: string; message: string} | null => {
    if (!err) return null;
    let message = redactText(err instanceof Error ? err.message : String(err));
    for (const v of personalInArgv) message = message.split(v).join(personal!.rewrite(v));
    return {code: err instanceof CdcError ? err.code : 'INTERNAL', message};
  };

  const record = async (identity: Identity, role: string, result: AuditResult, outcome: RunOutcome) => {
    const entry: AuditEntry = {
      id: auditId,
      time: new Date().toISOString(),
      actor: identity.actor,
      role,
      context: ctx.contextName,
      command: meta.commandId,
      args: redactArgv(meta.argv, personal),
      targets: outcome.targets,
      result,
      error: errorOf(outcome.error),
      durationMs: Math.round(performance.now() - started),
      version: meta.version,
      host: identity.host || hostname(),
    };
    const command = meta.commandId.replace(/:/g, ' ');
    try {
      const wait = STORE_WAIT_MS[auditMode(ctx.config)];
      await trail.append(entry, {
        retryForMs: wait,
        onRetry: (err) => ctx.log.warn(storeWaits(`for the audit record of this ${command} run`, err, wait)),
      });
    } catch (err) {
      const what = `the audit record of this ${command} run (${result}) was not written: ${messageOf(err)}`;
      // a context that requires the record: what the run did is unrecorded, so it does not end as a success
      if (auditMode(ctx.config) === 'required' && result !== 'dry-run' && result !== 'denied')
        throw new CdcError('AUDIT_NOT_WRITTEN', ExitCode.unreachable, `${what} (the run itself ended ${result})`, {
          hint: `Context "${ctx.contextName}" requires audit records: check the store (\`cdcctl store status\`) and record what this run did by hand.`,
        });
      ctx.log.warn(what);
    }
  };

  let identity: Identity;
  try {
    identity = await resolveIdentity(ctx.config.access, ctx.contextName);
  } catch (err) {
    if (err instanceof ForbiddenError) {
      const os = osIdentity();
      await record({...os, actor: `unverified-token:${os.actor}`}, 'none', 'denied', {
        error: err,
        targets: meta.targets,
      });
    }
    throw err;
  }
  ctx.actor = identity.actor;

  const decision = decide(ctx.config.access, identity, meta.permission);
  const role = decision.policy ? decision.grantedBy.join(',') || decision.roles.join(',') || 'none' : 'unrestricted';
  if (!decision.allowed) {
    const command = meta.commandId.replace(/:/g, ' ');
    const error = new ForbiddenError(
      `${identity.actor} may not run \`${command}\` in context "${ctx.contextName}": ${decision.reason}`,
      {
        hint: `It needs the permission ${decision.permission}. \`cdcctl auth whoami\` shows your roles; \`cdcctl auth roles\` what each role may do.`,
        details: {permission: decision.permission, roles: decision.roles, actor: identity.actor},
      },
    );
    await record(identity, role, 'denied', {error, targets: meta.targets});
    throw error;
  }

  if (meta.mutating && !meta.dryRun && auditMode(ctx.config) === 'required') {
    try {
      // the check waits through a restart of the store as the record at the end does
      await retryTransient(() => trail.open(), {
        retryForMs: STORE_WAIT_MS.required,
        onRetry: (err) => ctx.log.warn(storeWaits('before this run', err, STORE_WAIT_MS.required)),
      });
    } catch (err) {
      throw new CdcError(
        'AUDIT_UNAVAILABLE',
        ExitCode.unreachable,
        `refusing to run: context "${ctx.contextName}" requires an audit record and the store cannot be written: ${messageOf(err)}`,
        {
          hint: 'Fix the operational store (`cdcctl store status`), or set `audit: optional` on a context where that is acceptable.',
        },
      );
    }
  }

  // One record per run: an interrupted run writes it from the signal handler, and the command's
  // own end (if it gets there before the process exits) must not write a second one.
  let finished: Promise<void> | undefined;
  return {
    identity,
    decision,
    finish: (outcome) => {
      if (!meta.mutating) return Promise.resolve();
      finished ??= record(identity, role, resultOf(outcome, meta.dryRun), outcome);
      return finished;
    },
  };
}

export function resultOf(outcome: RunOutcome, dryRun: boolean): AuditResult {
  if (outcome.error instanceof ForbiddenError) return 'denied';
  if (outcome.error) return 'failed';
  if (outcome.exitCode === ExitCode.partial) return 'partial';
  if (outcome.exitCode) return 'failed';
  return dryRun ? 'dry-run' : 'ok';
}

/** A subject id as the erasure journal keeps it: its HMAC pseudonym, from the run's one key resolution (masked without a report key). */
function subjectPseudonym(ctx: RunContext, subject: string): string {
  try {
    return `hmac:${gdprKeys(ctx).pseudonym(subject)}`;
  } catch {
    return REDACTED;
  }
}

function storeWaits(when: string, err: unknown, ms: number): string {
  return `the operational store does not answer ${when} (${messageOf(err)}); trying again for up to ${ms / 1000} s`;
}

function messageOf(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}
