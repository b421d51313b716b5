import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {ExitCode} from '../../errors.js';
import {renderReportVerification} from '../../output/compliance.js';
import {type ReportVerification, verifyReportFile} from '../../services/compliance/report.js';

export default class ComplianceVerify extends BaseCommand<typeof ComplianceVerify> {
  static override summary = 'Check the signature of a JSON compliance report (exit 3 when it was changed).';
  static override description = withExitCodes(
    "HMAC reports need the context's gdpr.signing.hmacKey; Ed25519 reports need the public key (--public-key, " +
      'gdpr.signing.ed25519PublicKeyFile, or derived from the configured private key).',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> q1.json',
    '<%= config.bin %> <%= command.id %> q1.json --public-key signing.pub.pem',
  ];
  static override args = {file: Args.string({required: true, description: 'The signed JSON report.'})};
  static override flags = {'public-key': Flags.string({summary: 'Ed25519 public key (PEM) to check against.'})};

  async run(): Promise<ReportVerification> {
    const v = verifyReportFile(await this.runContext(), this.args.file, this.flags['public-key']);
    if (!v.valid) this.exitWith(ExitCode.notOk);
    return this.present(v, () => `${renderReportVerification(v)}\n`);
  }
}
