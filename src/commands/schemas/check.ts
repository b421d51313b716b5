import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {referenceFlag, schemaTypeFlag} from '../../cli/flags/schemas.js';
import {ExitCode} from '../../errors.js';
import {renderCheck} from '../../output/schemas.js';
import {type CheckResult, checkSchema, loadSchemaFile} from '../../services/schemas/write.js';

export default class SchemasCheck extends BaseCommand<typeof SchemasCheck> {
  static override summary = 'Test a schema file for compatibility with a subject, with the reasons.';
  static override description = withExitCodes(
    "Asks the registry (verbose) and adds cdcctl's own field-level analysis against the latest version, so " +
      'that registries which give no reasons (Apicurio, Karapace) still explain themselves. An Avro schema is ' +
      'validated first (exit 2 when invalid), also for a new subject. With --reference, where the registry ' +
      "cannot check (Apicurio's ccompat), cdcctl judges with Avro's resolution rules. Exit 3 when incompatible.",
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value -f examples/schemas/orders.avsc',
    'cat examples/schemas/orders.json | <%= config.bin %> <%= command.id %> orders-json-value -f - --type JSON --json',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    file: Flags.string({char: 'f', required: true, summary: 'Schema file (- for stdin).'}),
    type: schemaTypeFlag,
    reference: referenceFlag,
  };

  async run(): Promise<CheckResult> {
    const schema = loadSchemaFile(this.flags.file, this.flags.type, this.flags.reference);
    const r = await checkSchema(await this.runContext(), this.args.subject, schema);
    if (!r.compatible) this.exitWith(ExitCode.notOk);
    return this.present(r, () => `${renderCheck(r)}\n`);
  }
}
