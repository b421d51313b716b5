import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {ExitCode} from '../../errors.js';
import {renderVerify} from '../../output/audit.js';
import {type VerifyResult, verifyAudit} from '../../services/audit/verify.js';

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override summary = "Verify the audit log's hash chain: detect edited, deleted and reordered records.";
  static override description = withExitCodes(
    'Recomputes every record’s SHA-256 over its canonical form and checks each link to its predecessor and the chain head. ' +
      'Names every record that was modified, deleted (or missing at the end) and every one out of order; exits 3 when any is found. ' +
      'Tamper-evident, not tamper-proof: someone who can rewrite the whole table and its head can forge a consistent chain — export it regularly (`audit export`) to keep an outside copy.',
  );
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<VerifyResult> {
    const result = await verifyAudit(await this.runContext());
    if (!result.ok) this.exitWith(ExitCode.notOk);
    return this.present(result, () => renderVerify(result));
  }
}
