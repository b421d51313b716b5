import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {renderValidation, renderValidationIssues} from '../../output/config.js';
import {type ValidationReport, validateConfiguration, validationExitCode} from '../../services/config/contexts.js';

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary = 'Check the configuration files and that every secret reference resolves.';
  static override description = withExitCodes(
    'Validates every configuration file against the schema (including the form of every secret reference), ' +
      'then resolves every ${env:…}, ${file:…} and ${vault:…} reference — reading Vault — and checks that TLS ' +
      'files are readable (values are never printed). Exit 0 when all is well, 2 when anything is wrong, 4 when ' +
      'the only problems are that Vault was unreachable. With --context, only that context’s references are checked.',
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --context prod',
  ];

  async run(): Promise<ValidationReport> {
    const report = await validateConfiguration(() => this.cdcConfig(), this.flags.context, {
      timeoutMs: this.flags.timeout,
      trace: this.flags.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      userAgent: `cdcctl/${this.config.version}`,
    });
    if (!this.jsonEnabled()) process.stderr.write(renderValidationIssues(report));
    if (!report.valid) this.exitWith(validationExitCode(report));
    return this.present(report, () => renderValidation(report));
  }
}
