import {readFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, mutationFlags} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderBatch} from '../../output/batch.js';
import {renderPlan, renderRequest} from '../../output/gdpr.js';
import {checkPlan, withFiles} from '../../services/batch/plan.js';
import {batchExitCode, runBatch} from '../../services/batch/runner.js';
import type {BatchResult} from '../../services/batch/types.js';
import {erase} from '../../services/gdpr/requests.js';
import type {ErasePlan, RequestView} from '../../services/gdpr/types.js';

export default class GdprErase extends BaseCommand<typeof GdprErase> {
  static override mutating = true;
  static override permission = 'gdpr:erase';
  static override summary = "Erase a data subject's rows from Cassandra and PostgreSQL (GDPR Art. 17), with evidence.";
  static override description = withExitCodes(
    'Runs the erasure as a saga with a write-ahead journal in the operational store: locate → encrypted backup → ' +
      'delete in Cassandra USING TIMESTAMP → delete in PostgreSQL (one transaction, fenced when gdpr.fence is on) → ' +
      'settle (sink consumer group past the delete) → verify 0 rows → purge the backup after gdpr.backupRetention → closed. ' +
      'If the PostgreSQL delete fails after the Cassandra delete, --on-failure retry (default) leaves it for `gdpr resume`; ' +
      'restore puts the Cassandra rows back with later timestamps. The subject id is never stored or printed in clear ' +
      '(HMAC pseudonym); it may be up to 1 MiB (an id longer than 65,535 bytes cannot key a Cassandra row and matches ' +
      'nothing there). Prefer --subject-stdin: command lines are visible to other users of the machine. ' +
      'The tables and columns of the subject map are checked first: one that does not exist exits 2 before anything is ' +
      'erased; --dry-run also lists tables of the mapped keyspaces/schemas that the map leaves out but that have a ' +
      'subject key column. Every PostgreSQL statement and lock wait is bounded by --timeout, so a locked table fails ' +
      'the step within it (a failed step is journalled and shown by `compliance report`). A non-frozen collection or ' +
      'UDT is backed up as its value, the newest writetime of its elements and one TTL (the shortest when every element ' +
      'has one, none otherwise) and restored that way.\n\n' +
      '--from-file subjects.csv erases every subject of a CSV (a "subject" column, else the first one; --column names ' +
      'another), each its own saga, --concurrency at a time, as a one-step batch: per-subject results (pseudonyms only), ' +
      'exit 5 when some failed, and `batch resume <id>` runs the failed ones again.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> --subject 42 --dry-run',
    "echo -n 'alice@example.com' | <%= config.bin %> <%= command.id %> --subject-stdin --request-id DSR-2026-117 --reason 'Art. 17(1)(a)' --yes",
    '<%= config.bin %> <%= command.id %> --from-file examples/batch/subjects.csv --concurrency 4 --dry-run',
  ];
  static override subjectFlags = ['subject'];
  static override flags = {
    subject: Flags.string({
      summary: 'The subject id (untrusted input: always a bound value).',
      exactlyOne: ['subject', 'subject-stdin', 'from-file'],
    }),
    'from-file': Flags.string({
      summary: 'Erase every subject of this CSV file, each its own saga (a one-step batch; see the description).',
      exclusive: ['request-id'],
    }),
    column: Flags.string({summary: 'With --from-file: the CSV column of the subject ids.', dependsOn: ['from-file']}),
    'subject-pattern': Flags.string({
      summary: 'With --from-file: a regex every subject id must match (others fail, e.g. ^[0-9]+$).',
      dependsOn: ['from-file'],
    }),
    concurrency: integerFlag({
      summary: 'With --from-file: erasures at once (default 1).',
      min: 1,
      max: 16,
      dependsOn: ['from-file'],
    }),
    'subject-stdin': Flags.boolean({summary: 'Read the subject id from stdin (keeps it off the command line).'}),
    'request-id': Flags.string({
      summary: 'Your ticket or DSR id (default: generated). Re-running with it continues that request.',
    }),
    reason: Flags.string({summary: 'Ground of the request, kept in the evidence (e.g. "Art. 17(1)(a)").'}),
    'on-failure': Flags.option({
      summary: 'When PostgreSQL fails after the Cassandra delete: retry later (roll forward) or restore Cassandra.',
      options: ['restore', 'retry'] as const,
    })(),
    ...mutationFlags,
  };

  async run(): Promise<RequestView | ErasePlan | BatchResult> {
    const f = this.flags;
    if (f['from-file'] !== undefined) return this.fromFile(f['from-file']);
    // exactly one of the three (declared): the subject is on stdin, in --subject, or the file's rows
    const subject = f['subject-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : (f.subject as string);
    const ctx = await this.runContext();
    if (!f['dry-run']) await this.confirm(`erase the subject's rows in context "${ctx.contextName}"?`);
    const result = await erase(ctx, {
      subject,
      requestId: f['request-id'],
      reason: f.reason,
      dryRun: f['dry-run'],
      onFailure: f['on-failure'],
      toolVersion: this.config.version,
    });
    if ('dryRun' in result) return this.present(result, () => renderPlan(result));
    if (result.state === 'restored' || result.state === 'needs_operator') this.exitWith(ExitCode.notOk);
    return this.present(result, (wide) => renderRequest(result, wide));
  }

  /** --from-file: a one-step batch of erasures (recorded, resumable with `batch resume`). */
  private async fromFile(file: string): Promise<BatchResult> {
    const f = this.flags;
    const plan = checkPlan(
      {
        name: `gdpr erase --from-file ${file}`,
        steps: [
          {
            id: 'erase',
            op: 'gdpr.erase',
            subjects: file,
            column: f.column,
            subjectPattern: f['subject-pattern'],
            reason: f.reason,
            onFailure: f['on-failure'],
          },
        ],
      },
      '--from-file',
    );
    const loaded = withFiles(plan, null, process.cwd());
    const ctx = await this.runContext();
    this.auditTargets([`--from-file ${file}`]);
    if (!f['dry-run']) await this.confirm(`erase every subject of ${file} in context "${ctx.contextName}"?`);
    const result = await runBatch(ctx, loaded, {
      concurrency: f.concurrency ?? 1,
      continueOnError: true,
      dryRun: Boolean(f['dry-run']),
    });
    this.exitWith(batchExitCode(result));
    return this.present(result, (wide) => renderBatch(result, wide));
  }
}
