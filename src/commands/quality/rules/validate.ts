import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../../cli/base-command.js';
import {ExitCode} from '../../../errors.js';
import {renderTable} from '../../../output/render.js';
import {type RulesValidation, validateRules} from '../../../services/quality/validate-rules.js';

export default class QualityRulesValidate extends BaseCommand<typeof QualityRulesValidate> {
  static override summary =
    'Validate the quality checks: their shape, and that their tables, columns and queries exist.';
  static override description = withExitCodes(
    `The rules (the context's quality section, or -f checks.yaml) are validated with the config schema:
identifiers, check types, thresholds. Then, unless --offline, against the database: every table and
column a check names exists, referenced tables too, and every custom SQL query plans (EXPLAIN in a
READ ONLY transaction). A checks file has the shape of the quality section:

  tables:
    - table: demo.accounts
      checks:
        - {type: missing, column: name}
        - {type: range, column: visits, min: 0, warn: {max: 0}, fail: {max: 10}}

Exit 0: valid. Exit 2: invalid rules, or a check names something the database lacks.`,
  );
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --offline'];
  static override flags = {
    file: Flags.string({char: 'f', summary: 'Validate this YAML file instead of the context.'}),
    offline: Flags.boolean({summary: 'Only the shape: do not consult the database.'}),
  };

  async run(): Promise<RulesValidation> {
    const result = await validateRules(await this.runContext(), this.flags.file, !this.flags.offline);
    if (result.problems.length > 0) this.exitWith(ExitCode.usage);
    return this.present(result, () => {
      const head = `${result.source}: ${result.tables} table(s), ${result.checks} check(s)${result.live ? '' : ' (shape only)'}`;
      if (result.problems.length === 0) return `${head}: valid`;
      return `${head}: ${result.problems.length} problem(s)\n\n${renderTable(result.problems, [
        {header: 'TABLE', value: (p) => p.table},
        {header: 'CHECK', value: (p) => p.check ?? ''},
        {header: 'PROBLEM', value: (p) => p.problem},
      ])}`;
    });
  }
}
