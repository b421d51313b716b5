import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderRun} from '../../output/quality.js';
import {runQuality} from '../../services/quality/engine.js';
import type {QualityRunResult} from '../../services/quality/types.js';

export default class QualityRun extends BaseCommand<typeof QualityRun> {
  static override summary = 'Run the data-quality checks of replicated tables; store, push and alert on the results.';
  static override description = withExitCodes(
    `Checks come from the context's quality.tables (or -f checks.yaml). Per table, every single-pass check
(row count, freshness, missing, values in a set, regex/format, range, length) is one aggregate query over
one scan; duplicates, referential integrity, schema, custom SQL (read-only, with a statement timeout),
the source row count and the sink's lag run on their own. Each metric is judged against its warn/fail
thresholds, its change since the last run and its deviation from the trailing runs. Results are stored
(quality history / report), pushed to the Pushgateway and a CdcQualityRunFailed alert is posted while
a check fails.

Exit 0: every check passed (or only warned). Exit 3: a check failed or could not run (with --strict,
a warning too).`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --table demo.accounts --samples 3 -o wide',
    '<%= config.bin %> <%= command.id %> --table demo.accounts --check missing_name --strict',
  ];
  static override flags = {
    table: Flags.string({
      char: 't',
      summary: 'Only this table (its name or schema.table); repeatable.',
      multiple: true,
    }),
    check: Flags.string({char: 'c', summary: 'Only this check (by name); repeatable.', multiple: true}),
    file: Flags.string({char: 'f', summary: 'Read the checks from this YAML file instead of the context.'}),
    samples: integerFlag({summary: 'Failing rows to sample per failing check.', default: 0, min: 0, max: 1000}),
    strict: Flags.boolean({summary: 'Warnings fail the run (exit 3).'}),
    concurrency: integerFlag({summary: 'Tables checked at once (default quality.concurrency or 4).', min: 1, max: 64}),
    push: Flags.boolean({summary: 'Push metrics to the Pushgateway (when configured).', default: true, allowNo: true}),
    alert: Flags.boolean({
      summary: 'Post the failure alert to Alertmanager (when configured).',
      default: true,
      allowNo: true,
    }),
    store: Flags.boolean({summary: 'Store the results (history, change, anomaly).', default: true, allowNo: true}),
    output: outputFlag,
  };

  async run(): Promise<QualityRunResult> {
    const f = this.flags;
    const result = await runQuality(await this.runContext(), {
      tables: f.table ?? [],
      checks: f.check ?? [],
      file: f.file,
      samples: f.samples,
      strict: f.strict,
      concurrency: f.concurrency,
      push: f.push,
      alert: f.alert,
      store: f.store,
    });
    for (const w of result.warnings) this.log$.warn(w);
    const failed = result.status === 'fail' || result.status === 'error' || (f.strict && result.status === 'warn');
    if (failed) this.exitWith(ExitCode.notOk);
    return this.present(result, (wide) => renderRun(result, wide));
  }
}
