import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {ExitCode} from '../../errors.js';
import {renderVerify} from '../../output/gdpr.js';
import {verifyLater} from '../../services/gdpr/requests.js';
import type {VerifyResult} from '../../services/gdpr/types.js';

export default class GdprVerify extends BaseCommand<typeof GdprVerify> {
  static override summary = 'Re-check that an erased subject is still absent from both stores (e.g. 24 h later).';
  static override description = withExitCodes(
    "Read-only. The result is appended to the request's evidence. Exit 3 when rows came back. After the backup " +
      'was purged the request keeps no subject id: pass --subject to re-check it (it must match the pseudonym).',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> DSR-2026-117',
    '<%= config.bin %> <%= command.id %> DSR-2026-117 --consistency ALL',
  ];
  static override args = {request: Args.string({required: true, description: 'Request id.'})};
  static override subjectFlags = ['subject'];
  static override flags = {
    output: outputFlag,
    subject: Flags.string({summary: 'The subject id (needed once the request is closed).'}),
    consistency: Flags.option({
      summary:
        "Cassandra read level (default: the context's gdpr.consistency). ALL reads every replica: after an erasure done while a node was down, it shows whether that node still holds the subject (and the read repairs it).",
      options: ['ONE', 'LOCAL_ONE', 'LOCAL_QUORUM', 'QUORUM', 'EACH_QUORUM', 'ALL'] as const,
    })(),
  };

  async run(): Promise<VerifyResult> {
    const v = await verifyLater(await this.runContext(), this.args.request, this.flags.subject, this.flags.consistency);
    if (!v.ok) this.exitWith(ExitCode.notOk);
    return this.present(v, () => renderVerify(v));
  }
}
