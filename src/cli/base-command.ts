import {stripVTControlCharacters} from 'node:util';
import {Command, Flags, type Interfaces} from '@oclif/core';
import {isTransientPgError} from '../clients/postgres.js';
import {selectContext} from '../config/context.js';
import {type LoadedConfig, loadConfig} from '../config/load.js';
import {redactText, redactTextDeep} from '../config/secrets.js';
import {CdcError, ExitCode, UsageError} from '../errors.js';
import {createLogger, type Logger} from '../log.js';
import {colorWanted, jsonText, type OutputFormat, renderYaml, setColor} from '../output/render.js';
import type {RunContext} from '../runtime.js';
import {osIdentity} from '../services/access/identity.js';
import {requiredPermission} from '../services/access/permissions.js';
import {guardRun, type RunGuard} from '../services/audit/guard.js';
import {fetchVaultSecrets} from '../services/secrets/vault.js';
import {closeRunStore} from '../store/index.js';
import {timerFlag} from './flags/common.js';
import {askChoice, askYesNo, canAsk, missingArg, type PickKind} from './prompt.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** How long an interrupted mutating run waits for its audit record before it exits anyway. */
const INTERRUPT_AUDIT_WAIT_MS = 3000;

const EXIT_CODES_HELP = `EXIT CODES
  0    OK
  1    internal error (a bug in cdcctl)
  2    usage error, invalid input or invalid configuration
  3    the command worked and the answer is "not OK" (unhealthy, drift, verification failed)
  4    a dependency was unreachable, timed out or answered garbage
  5    partial failure: some targets succeeded, others failed
  6    forbidden by the access policy
  130  interrupted`;

/**
 * The base of every cdcctl command: global flags, context resolution, output format and --json,
 * the error → exit-code mapping, confirmation for mutating commands, the access-policy check before
 * anything runs and the audit record around every mutating run.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    context: Flags.string({
      summary: 'Context to use (default: current-context).',
      env: 'CDCCTL_CONTEXT',
      helpGroup: 'GLOBAL',
    }),
    'no-color': Flags.boolean({summary: 'Never colour output (NO_COLOR does the same).', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({
      summary: 'Trace HTTP requests to stderr (credentials redacted) and show stack traces.',
      helpGroup: 'GLOBAL',
    }),
    timeout: timerFlag({
      summary: 'Per-request timeout for remote calls, e.g. 5s or 500ms (default 30s).',
      helpGroup: 'GLOBAL',
    }),
    'log-format': Flags.option({
      summary: 'Format of log lines on stderr.',
      options: ['text', 'json'] as const,
      default: 'text',
      helpGroup: 'GLOBAL',
    })(),
  };

  /** Mutating commands declare it; the base then requires confirmation (or --yes) where asked, and audits every run. */
  static mutating = false;
  /**
   * The permission the command needs (`connectors:write`, `pipeline:control`, `gdpr:erase` …);
   * null = always allowed. Undefined: derived from the id and `mutating` (`<topic>:write` / `<topic>:read`).
   */
  static permission: string | null | undefined = undefined;
  /** Flags whose value is a GDPR subject id: audit records keep only its pseudonym (see guardRun). */
  static subjectFlags: readonly string[] = [];
  /**
   * Required arguments that, omitted on a terminal, are chosen from a list (without a terminal the
   * missing argument stays a usage error). A required `connector` or `subject` argument is chosen
   * without saying so; other arguments name what they are chosen from here.
   */
  static pick: Readonly<Record<string, PickKind>> = {};

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  /** Every positional argument, for commands that take any number (static strict = false). */
  protected rest: string[] = [];
  protected log$!: Logger;
  private loadedConfig?: LoadedConfig;
  private context?: RunContext;
  /** The run uses the built-in `local` context: no config file exists (a first run). */
  private builtInContext = false;
  private guard?: RunGuard;
  private targets?: string[];
  private stop?: {controller: AbortController; onFirst?: () => void};
  private exiting = false;

  public override async init(): Promise<void> {
    await super.init();
    process.on('SIGINT', () => this.interrupted());
    process.once('SIGTERM', () => this.interrupted());
    const pickable = pickableArgs(this.ctor.args, (this.ctor as typeof BaseCommand).pick);
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: argsWithoutStdin(this.ctor.args, pickable),
      strict: this.ctor.strict,
    });
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
    this.rest = argv as string[];
    setColor(colorWanted(this.flags['no-color']));
    this.log$ = createLogger({format: this.flags['log-format'], verbose: this.flags.verbose});
    const given = this.args as Record<string, unknown>;
    const omitted = [...pickable].filter(([name]) => given[name] === undefined);
    if (omitted.length > 0 && (!canAsk() || this.jsonEnabled())) throw missingArg(omitted[0]![0]);
    await this.enforceAccess();
    // chosen after the access check: a denied run lists nothing
    for (const [name, kind] of omitted) {
      given[name] = await this.choose(name, kind);
      this.rest.push(given[name] as string);
    }
  }

  /** Asks for an omitted argument: one of the context's connectors or subjects, or a configured context. */
  private async choose(name: string, kind: PickKind): Promise<string> {
    let choices: string[];
    let where = '';
    if (kind === 'context') {
      choices = [...(await this.cdcConfig()).contexts.keys()].sort();
    } else {
      const ctx = await this.runContext();
      where = ` in context "${ctx.contextName}"`;
      if (kind === 'connector') {
        const {listConnectors} = await import('../services/connectors/list.js');
        choices = (await listConnectors(ctx)).map((c) => c.name).sort();
      } else {
        const {listSubjects} = await import('../services/schemas/read.js');
        const list = await listSubjects(ctx, {details: false});
        choices = list.subjects.filter((s) => !('deleted' in s && s.deleted)).map((s) => s.subject);
      }
    }
    if (choices.length === 0) {
      throw new UsageError(`Missing 1 required arg: ${name}`, {hint: `There is no ${kind}${where} to choose from.`});
    }
    return askChoice(`Choose a ${kind}${where}:`, choices);
  }

  /**
   * Identifies the actor, checks the access policy of the selected context (a denial is audited
   * and exits 6) and, for mutating commands, prepares the audit record. Without a usable context
   * there is no policy to apply: the command itself reports what is missing.
   */
  private async enforceAccess(): Promise<void> {
    const ctor = this.ctor as typeof BaseCommand;
    let ctx: RunContext;
    try {
      ctx = await this.runContext();
    } catch {
      return;
    }
    this.guard = await guardRun(ctx, {
      commandId: this.id ?? '',
      mutating: ctor.mutating,
      permission: requiredPermission(this.id, ctor.permission, ctor.mutating),
      dryRun: Boolean((this.flags as {'dry-run'?: boolean})['dry-run']),
      argv: this.argv,
      targets: this.auditedTargets(),
      subjectFlags: ctor.subjectFlags,
      version: this.config.version,
    });
  }

  /** Names the targets of this run for its audit record (default: the positional arguments). */
  protected auditTargets(names: string[]): void {
    this.targets = names;
  }

  /** Writes the audit record of a mutating run (durable before the process exits) and closes the run's store. */
  public override async finally(err: Error | undefined): Promise<void> {
    try {
      await this.guard?.finish({
        error: err,
        exitCode: typeof process.exitCode === 'number' ? process.exitCode : undefined,
        targets: this.auditedTargets(),
      });
    } finally {
      if (this.context) await closeRunStore(this.context);
      await super.finally(err);
    }
  }

  /**
   * Ctrl-C (or SIGTERM): exit 130 — at once for a read-only run, after writing the audit record
   * (waiting at most INTERRUPT_AUDIT_WAIT_MS) for a mutating one — unless the command asked for a
   * stop signal, in which case the first one aborts that signal (the command finishes its current
   * step and reports) and a second one exits.
   */
  private interrupted(): void {
    if (this.stop && !this.stop.controller.signal.aborted) {
      this.stop.onFirst?.();
      this.stop.controller.abort();
      return;
    }
    const exit = () => process.exit(ExitCode.interrupted);
    if (this.exiting) exit(); // a second Ctrl-C does not wait for the audit record
    this.exiting = true;
    process.stderr.write('\nInterrupted.\n');
    if (!this.guard) exit();
    // A mutating run may already have changed something: its audit record says it was interrupted
    // (a bounded wait for the store; exit regardless).
    process.exitCode = ExitCode.interrupted;
    setTimeout(exit, INTERRUPT_AUDIT_WAIT_MS);
    void this.guard
      ?.finish({
        error: new CdcError('INTERRUPTED', ExitCode.interrupted, 'interrupted by a signal (Ctrl-C or SIGTERM)'),
        exitCode: ExitCode.interrupted,
        targets: this.auditedTargets(),
      })
      .catch(() => {})
      .finally(exit);
  }

  private auditedTargets(): string[] {
    return this.targets ?? this.rest.filter((a) => typeof a === 'string');
  }

  /** For long-running commands that stop cleanly on the first Ctrl-C; see interrupted(). */
  protected stopSignal(onFirst?: () => void): AbortSignal {
    this.stop = {controller: new AbortController(), onFirst};
    return this.stop.controller.signal;
  }

  /**
   * The JSON document on stdout. oclif's own printer tokenises the whole text to colour it, a token
   * object per value: for reconcile's 5,000 mismatches (2.7 MB) that took 379 ms and 75 MB, against
   * 18 ms for the same text (two-space indentation). Only a terminal gets it coloured, while it is small.
   * Non-finite numbers keep their meaning (jsonText).
   */
  public override logJson(json: unknown): void {
    const text = jsonText(json, 2);
    if (process.stdout.isTTY && text.length < 256 * 1024) super.logJson(JSON.parse(text));
    else process.stdout.write(`${text}\n`);
  }

  /** `--json` and `-o json` both select the JSON document on stdout. */
  public override jsonEnabled(): boolean {
    if (super.jsonEnabled()) return true;
    const argv = this.argv.slice(0, this.argv.includes('--') ? this.argv.indexOf('--') : undefined);
    return argv.some(
      (a, i) =>
        a === '-ojson' ||
        a === '--output=json' ||
        a === '-o=json' ||
        ((a === '-o' || a === '--output') && argv[i + 1] === 'json'),
    );
  }

  protected outputFormat(): OutputFormat {
    if (this.jsonEnabled()) return 'json';
    return ((this.flags as {output?: OutputFormat}).output ?? 'table') as OutputFormat;
  }

  /**
   * Prints `result` in the chosen format and returns it (oclif prints the JSON document itself
   * when JSON is selected). `table` renders the table/wide form.
   */
  protected present<R>(result: R, table: (wide: boolean) => string): R {
    const format = this.outputFormat();
    if (format === 'yaml') process.stdout.write(renderYaml(result));
    else if (format !== 'json') {
      const text = table(format === 'wide');
      if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
    return result;
  }

  protected async cdcConfig(): Promise<LoadedConfig> {
    this.loadedConfig ??= await loadConfig();
    return this.loadedConfig;
  }

  /** The selected context, ready for services (one per run; `actor` is the verified identity). */
  protected async runContext(): Promise<RunContext> {
    if (this.context) return this.context;
    const entry = selectContext(await this.cdcConfig(), this.flags.context);
    this.builtInContext = entry.source === 'built-in';
    this.context = {
      contextName: entry.name,
      config: entry.config,
      timeoutMs: this.flags.timeout,
      log: this.log$,
      trace: this.flags.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      userAgent: `cdcctl/${this.config.version}`,
      actor: osIdentity().actor,
    };
    // Vault is read over HTTP and resolution is synchronous: read the context's Vault secrets now,
    // once; a failed read is reported where its reference is used (services/secrets/vault.ts).
    await fetchVaultSecrets(this.context, entry.config);
    return this.context;
  }

  /**
   * Asks before a destructive action. `--yes` answers for the user; without a terminal and without
   * `--yes` the command refuses, so that cron and CI never hang on a prompt nor act unconfirmed.
   * Ctrl-C or Ctrl-D at the prompt is an interruption (exit 130): nothing was changed.
   */
  protected async confirm(question: string): Promise<void> {
    if ((this.flags as {yes?: boolean}).yes) return;
    if (!process.stdin.isTTY) {
      throw new UsageError(`refusing to ${question.replace(/\?$/, '')} without confirmation`, {
        hint: 'Run it in a terminal to be asked, or pass --yes.',
      });
    }
    if (!(await askYesNo(question))) throw new CdcError('ABORTED', ExitCode.usage, 'aborted: nothing was changed');
  }

  /** Sets the exit code for a result that is an answer ("not OK" = 3, partial = 5) without throwing. */
  protected exitWith(code: ExitCode): void {
    process.exitCode = code;
  }

  /**
   * With no config file the built-in `local` context is used: when it cannot reach a service, or one
   * of its references does not resolve, the hint says so and what to do, instead of pointing at a
   * file that does not exist.
   */
  private withFirstRunHint(cdc: CdcError): CdcError {
    if (!this.builtInContext || (cdc.exitCode !== ExitCode.unreachable && cdc.code !== 'CONFIG')) return cdc;
    const firstRun =
      'No cdcctl config file exists, so the built-in context "local" (the local stack on 127.0.0.1) was used: ' +
      'start the stack (bash examples/stack/stack.sh up), or add your pipeline with ' +
      '`cdcctl config set-context <name> --connect-url <url> --current`.';
    const hint = cdc.exitCode === ExitCode.unreachable || !cdc.hint ? firstRun : `${cdc.hint} ${firstRun}`;
    return new CdcError(cdc.code, cdc.exitCode, cdc.message, {hint, details: cdc.details, cause: cdc});
  }

  public override async catch(err: Error & {oclif?: {exit?: number}; exitCode?: number}): Promise<void> {
    const verbose = this.argv.includes('--verbose');
    if (err.oclif?.exit !== undefined && err.constructor.name === 'ExitError') throw err;
    if (this.exiting) return; // interrupted: what the aborted work threw on its way out is noise
    const cdc = this.withFirstRunHint(toCdcError(err));
    process.exitCode = cdc.exitCode;
    if (this.jsonEnabled()) {
      // the same redaction as the text form: a resolved secret or a URL's password may sit in a server's or driver's message
      process.stdout.write(`${JSON.stringify({error: redactTextDeep(cdc.toJSON())}, null, 2)}\n`);
    } else if (this.log$ && this.flags?.['log-format'] === 'json') {
      // log collectors read stderr as JSON lines: the error is one of them
      const {code, exitCode, hint} = cdc;
      this.log$.error(cdc.message, redactTextDeep({code, exitCode, ...(hint ? {hint} : {})}));
      if (verbose && err.stack) this.log$.debug(err.stack);
    } else {
      const lines = [`Error: ${redactText(cdc.message)}`];
      if (cdc.hint) lines.push(`Hint: ${redactText(cdc.hint)}`);
      if (cdc.exitCode === ExitCode.bug) {
        lines.push('This is a bug in cdcctl. Please report it with the output of the same command run with --verbose.');
      }
      if (verbose && err.stack) lines.push(redactText(err.stack));
      process.stderr.write(`${lines.join('\n')}\n`);
    }
  }
}

/**
 * oclif fills a missing argument from standard input whenever stdin is not a terminal: in a
 * `… | while read n; do cdcctl connectors list; done` loop, `list` would swallow the loop's input as
 * its selector (and wait for it). cdcctl reads stdin only where a command says so (`-f -`,
 * `--subject-stdin`).
 */
function argsWithoutStdin(
  args: Interfaces.ArgInput | undefined,
  pickable: Map<string, PickKind> = new Map(),
): Interfaces.ArgInput | undefined {
  if (!args) return args;
  return Object.fromEntries(
    Object.entries(args).map(([name, arg]) => [
      name,
      {...arg, ignoreStdin: true, ...(pickable.has(name) ? {required: false} : {})},
    ]),
  );
}

/**
 * The required arguments a terminal user may omit and choose instead (see BaseCommand.pick): only one
 * that no other required argument follows, so the positions of the others do not shift.
 */
function pickableArgs(
  args: Interfaces.ArgInput | undefined,
  declared: Readonly<Record<string, PickKind>>,
): Map<string, PickKind> {
  const entries = Object.entries(args ?? {});
  const picks = new Map<string, PickKind>();
  entries.forEach(([name, arg], i) => {
    const kind = declared[name] ?? (name === 'connector' || name === 'subject' ? name : undefined);
    if (kind && arg.required && entries.slice(i + 1).every(([, later]) => !later.required)) picks.set(name, kind);
  });
  return picks;
}

/** Appends the exit-code contract to a command's long description (shown by --help). */
export function withExitCodes(description: string): string {
  return `${description}\n\n${EXIT_CODES_HELP}`;
}

/** oclif's own parse errors are usage errors; anything unknown is a bug. */
export function toCdcError(err: Error & {oclif?: {exit?: number}}): CdcError {
  if (err instanceof CdcError) {
    // oclif rewrites the message of an error thrown by a flag's parser ("Parsing --x \n\t<reason>…")
    if (err.message.includes('\n')) err.message = parseErrorLine(err.message);
    return err;
  }
  if (
    err.oclif?.exit === 2 ||
    /^(Nonexistent flag|Unexpected argument|Missing \d+ required arg|Expected --|Parsing --|The following errors? occurred)/.test(
      err.message,
    )
  ) {
    return new UsageError(parseErrorLine(err.message).replace(/^Error: /, ''), {hint: 'See --help for usage.'});
  }
  if (err.oclif?.exit !== undefined && err.oclif.exit !== 1) {
    return new CdcError('USAGE', ExitCode.usage, parseErrorLine(err.message));
  }
  if (isTransientPgError(err)) {
    // a statement no caller mapped (pgError names the database and the work) cut by a restart of PostgreSQL
    return new CdcError('PG_UNAVAILABLE', ExitCode.unreachable, `PostgreSQL went away: ${err.message}`, {
      hint: 'The database restarted or dropped the connection: run the command again once it is back (a long run: with --resume where the command offers it).',
      cause: err,
    });
  }
  return new CdcError('INTERNAL', ExitCode.bug, `internal error: ${err.message}`, {cause: err});
}

/**
 * One line from an oclif parse error, keeping the reason: oclif puts it on the lines after a
 * heading ("Parsing --limit" / "The following error occurred:") and ends with "See more help with
 * --help" (the hint says that already).
 */
export function parseErrorLine(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'See more help with --help');
  const [first = message, ...rest] = lines;
  const parsing = /^Parsing (--\S+)$/.exec(first);
  if (parsing && rest.length > 0) return `${parsing[1]}: ${rest.join('; ')}`;
  if (/^The following errors? occurred:$/.test(first) && rest.length > 0) return rest.join('; ');
  const names = rest.filter((l) => !/^(Note|Alternatively)\b/.test(l)).map((l) => l.split(/\s+/)[0]);
  if (/^Missing \d+ required args?:$/.test(first) && names.length > 0) return `${first} ${names.join(', ')}`;
  return first;
}
