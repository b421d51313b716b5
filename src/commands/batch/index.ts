import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderBatch} from '../../output/batch.js';
import {loadPlanFile} from '../../services/batch/plan.js';
import {batchExitCode, runBatch} from '../../services/batch/runner.js';
import type {BatchResult} from '../../services/batch/types.js';

export default class Batch extends BaseCommand<typeof Batch> {
  static override mutating = true;
  static override summary =
    'Run a plan of cdcctl operations: erasures from a CSV, reconciles, connector pauses, DLQ replays.';
  static override description = withExitCodes(
    `The plan (YAML) lists steps; each step is one operation over several items (the subjects of a CSV, tables, connectors, DLQ filters) and may depend on other steps:

  name: nightly
  steps:
    - {id: pause, op: connectors.pause, connectors: [inventory-sink]}
    - {id: erase, op: gdpr.erase, subjects: subjects.csv, reason: "Art. 17(1)(a)", dependsOn: [pause]}
    - {id: check, op: reconcile, tables: [demo.accounts], dependsOn: [erase]}
    - {id: resume, op: connectors.resume, connectors: [inventory-sink], dependsOn: [erase]}

Operations: gdpr.erase (subjects: a CSV relative to the plan, a "subject" column or the first one; each subject its own saga), reconcile (tables), connectors.pause|resume|stop|restart (connectors: names, globs, /regex/), dlq.replay (filters: [{connector, topic, stage, exception, since, until, ids}], toTopic). They run in this process through the same services as their commands; every operation's permission is checked before anything runs. At most --concurrency items run at once, across steps. Every item's state and result is stored (no subject ids: their pseudonyms), so \`batch resume <id>\` redoes only what did not succeed; \`jobs cancel batch:<id>\` stops it before its next item.

Without --continue-on-error the first failed item stops the launching of new items and the steps after it are skipped; with it every item runs. Exit 5 when any item failed, was skipped or did not run.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> -f examples/batch/nightly.yaml --dry-run',
    '<%= config.bin %> <%= command.id %> -f examples/batch/pause-resume.yaml --yes',
    '<%= config.bin %> <%= command.id %> -f examples/batch/nightly.yaml --concurrency 4 --continue-on-error --dry-run -o wide',
  ];
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The plan file (YAML or JSON).', required: true}),
    concurrency: integerFlag({
      summary: "Items in flight at once, across steps (default: the plan's, else 1).",
      min: 1,
      max: 64,
    }),
    'continue-on-error': Flags.boolean({
      summary: 'Run every item whatever fails (default: stop launching at the first failure).',
    }),
    ...mutationFlags,
    output: outputFlag,
  };

  async run(): Promise<BatchResult> {
    const f = this.flags;
    const loaded = loadPlanFile(f.file);
    if (f.file === '-') throw new UsageError('the plan must be a file: its CSV files are found next to it');
    const ctx = await this.runContext();
    this.auditTargets(loaded.plan.steps.map((s) => `${s.id}:${s.op}`));
    if (!f['dry-run'])
      await this.confirm(`run the ${loaded.plan.steps.length} step(s) of ${f.file} in context "${ctx.contextName}"?`);
    const result = await runBatch(ctx, loaded, {
      concurrency: f.concurrency ?? loaded.plan.concurrency ?? 1,
      continueOnError: f['continue-on-error'] || loaded.plan.continueOnError === true,
      dryRun: Boolean(f['dry-run']),
    });
    this.exitWith(batchExitCode(result));
    return this.present(result, (wide) => renderBatch(result, wide));
  }
}
