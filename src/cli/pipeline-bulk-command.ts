import {type Command, Flags} from '@oclif/core';
import {renderControl} from '../output/connectors.js';
import type {ControlResult} from '../services/connectors/control.js';
import {controlExitCode} from '../services/connectors/control.js';
import {type BulkKind, planBulk, runBulk} from '../services/pipeline/bulk.js';
import {BaseCommand, withExitCodes} from './base-command.js';
import {integerFlag, mutationFlags, outputFlag, waitBudget, waitFlags} from './flags/common.js';

export interface BulkResult {
  kind: BulkKind;
  dryRun: boolean;
  results: ControlResult[];
  skipped: Array<{name: string; reason: string}>;
}

/**
 * The shared shape of `pipeline pause-all | resume-all | restart-failed`: a selector, a plan shown
 * before anything changes, confirmation (or --yes), bounded concurrency, a table of results and
 * exit 5 on partial failure.
 */
export abstract class PipelineBulkCommand<T extends typeof Command> extends BaseCommand<T> {
  /** The verbs that have no description of their own show this one. */
  static override description = withExitCodes(
    'With --wait, exit 3 when every failure is a connector that did not reach its state in time; exit 5 when ' +
      'some connectors succeeded and others failed.',
  );
  static override mutating = true;
  static override permission = 'pipeline:control';
  static kind: BulkKind;

  static override flags = {
    output: outputFlag,
    selector: Flags.string({
      char: 's',
      summary: 'Only connectors matching these names, globs or /regex/ (repeatable).',
      multiple: true,
    }),
    concurrency: integerFlag({summary: 'Requests in flight at once.', default: 8, min: 1, max: 64}),
    ...waitFlags,
    'fail-fast': Flags.boolean({summary: 'Stop starting new requests after the first failure.'}),
    ...mutationFlags,
  };

  async run(): Promise<BulkResult> {
    const kind = (this.constructor as typeof PipelineBulkCommand).kind;
    const f = this.flags as typeof this.flags & {
      selector?: string[];
      concurrency: number;
      wait: boolean;
      'wait-timeout': string;
      'fail-fast': boolean;
      all?: boolean;
    };
    const ctx = await this.runContext();
    const run = await planBulk(ctx, kind, f.selector ?? [], {all: f.all});
    try {
      const names = Object.keys(run.plan.targets);
      if (names.length > 0 && !f['dry-run']) {
        await this.confirm(`${kind} in context "${ctx.contextName}": ${names.length} connector(s)?`);
      }
      const results = await runBulk(ctx, kind, run, {
        concurrency: f.concurrency,
        dryRun: f['dry-run'],
        failFast: f['fail-fast'],
        waitMs: waitBudget(f),
      });
      this.exitWith(controlExitCode(results));
      const result: BulkResult = {kind, dryRun: f['dry-run'], results, skipped: run.plan.skipped};
      return this.present(result, (wide) => {
        const skipped = result.skipped.map((s) => `  ${s.name} ${s.reason}`).join('\n');
        return `${renderControl(results, wide)}${skipped ? `\n\nLeft alone:\n${skipped}` : ''}`;
      });
    } finally {
      await run.close();
    }
  }
}
