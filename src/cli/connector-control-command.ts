import {type Command, Flags} from '@oclif/core';
import {connectClient} from '../clients/factory.js';
import {UsageError} from '../errors.js';
import {renderControl} from '../output/connectors.js';
import {configHistory} from '../services/connectors/config-history.js';
import {
  type ControlAction,
  type ControlResult,
  controlConnectors,
  controlExitCode,
  resolveSelection,
} from '../services/connectors/control.js';
import {BaseCommand, withExitCodes} from './base-command.js';
import {integerFlag, mutationFlags, outputFlag, waitBudget, waitFlags} from './flags/common.js';

/**
 * The shared shape of `connectors pause|resume|stop|restart|delete`: names, globs or /regex/ as
 * arguments, bounded concurrency, --wait, --dry-run, a result per connector and exit 5 on partial
 * failure. Each verb is a subclass naming its action.
 */
export abstract class ConnectorControlCommand<T extends typeof Command> extends BaseCommand<T> {
  /** The verbs that have no description of their own show this one. */
  static override description = withExitCodes(
    'With --wait, exit 3 when every failure is a connector that did not reach its state in time; exit 5 when ' +
      'some connectors succeeded and others failed.',
  );
  static override strict = false;
  static override mutating = true;
  static action: ControlAction;
  /** Destructive verbs ask first (and need --yes without a terminal). */
  static confirm = false;

  static override flags = {
    output: outputFlag,
    concurrency: integerFlag({summary: 'Requests in flight at once.', default: 8, min: 1, max: 64}),
    ...waitFlags,
    'fail-fast': Flags.boolean({summary: 'Stop starting new requests after the first failure.'}),
    ...mutationFlags,
  };

  protected extraOptions(): {includeTasks?: boolean; onlyFailed?: boolean} {
    return {};
  }

  async run(): Promise<ControlResult[]> {
    const ctor = this.constructor as typeof ConnectorControlCommand;
    if (this.rest.length === 0) {
      throw new UsageError(`name the connector(s) to ${ctor.action}`, {
        hint: "Give names, globs ('inventory-*') or /regex/; `cdcctl connectors list` shows them.",
      });
    }
    const flags = this.flags as typeof this.flags & {
      wait: boolean;
      'wait-timeout': string;
      concurrency: number;
      'fail-fast': boolean;
    };
    const waitMs = waitBudget(flags);
    const ctx = await this.runContext();
    const connect = connectClient(ctx);
    try {
      const targets = await resolveSelection(connect, this.rest, {info: false}); // states are all it needs
      const names = Object.keys(targets);
      if (ctor.confirm && names.length > 0 && !flags['dry-run']) {
        await this.confirm(`${ctor.action} ${names.length} connector(s): ${preview(names)}?`);
      }
      const results = await controlConnectors(connect, targets, ctor.action, {
        concurrency: flags.concurrency,
        dryRun: flags['dry-run'],
        failFast: flags['fail-fast'],
        waitMs,
        ...(ctor.action === 'delete'
          ? {history: configHistory(ctx, {message: (this.flags as {message?: string}).message})}
          : {}),
        ...this.extraOptions(),
      });
      this.exitWith(controlExitCode(results));
      return this.present(results, (wide) => renderControl(results, wide));
    } finally {
      await connect.close();
    }
  }
}

function preview(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
