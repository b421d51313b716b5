import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags} from '../../cli/flags/common.js';
import {referenceFlag, schemaTypeFlag} from '../../cli/flags/schemas.js';
import type {SchemaType} from '../../clients/schema-registry.js';
import {ExitCode, NotOkError} from '../../errors.js';
import {renderCheck, renderRegister} from '../../output/schemas.js';
import {checkSchema, loadSchemaFile, type RegisterResult, registerSchema} from '../../services/schemas/write.js';

export default class SchemasRegister extends BaseCommand<typeof SchemasRegister> {
  static override summary = 'Register a schema under a subject, after a compatibility check.';
  static override description = withExitCodes(
    'Checks first. An incompatible schema is refused (exit 3) unless --force, which asks for confirmation and ' +
      'then lets the registry decide (it still rejects what its level forbids; --dry-run says so, exit 3). ' +
      'Registering an identical schema is a no-op that returns the existing version; a schema the registry ' +
      'matches to an existing version although it differs (aliases, doc, an enum default) is not registered: ' +
      'the differences are listed and the exit code is 3. --reference adds the schemas it uses.',
  );
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value -f examples/schemas/orders.avsc',
    '<%= config.bin %> <%= command.id %> orders-value -f examples/schemas/orders.avsc --dry-run',
    '<%= config.bin %> <%= command.id %> orders-value -f examples/schemas/orders.avsc --force --yes',
    '<%= config.bin %> <%= command.id %> orders-value -f examples/schemas/order.avsc --reference com.acme.Address=address-value:1',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    file: Flags.string({char: 'f', required: true, summary: 'Schema file (- for stdin).'}),
    type: schemaTypeFlag,
    reference: referenceFlag,
    force: Flags.boolean({summary: 'Register even when the check says incompatible (asks first).'}),
    normalize: Flags.boolean({summary: 'Ask the registry to normalise the schema (?normalize=true).'}),
    ...mutationFlags,
  };

  async run(): Promise<RegisterResult> {
    const schema = loadSchemaFile(this.flags.file, this.flags.type as SchemaType | undefined, this.flags.reference);
    const ctx = await this.runContext();
    const check = await checkSchema(ctx, this.args.subject, schema);
    if (!check.compatible && !check.existing) {
      if (!this.flags.force) {
        if (!this.jsonEnabled()) process.stderr.write(`${renderCheck(check)}\n`);
        throw new NotOkError(
          `schema is incompatible with ${this.args.subject} (level ${check.level ?? 'unknown'}); nothing registered`,
          {
            hint: 'Fix the schema, or pass --force to let the registry decide.',
            details: {check},
          },
        );
      }
      if (!this.flags['dry-run']) await this.confirm(`register an INCOMPATIBLE schema under ${this.args.subject}?`);
    }
    const r = await registerSchema(ctx, this.args.subject, schema, {
      check,
      dryRun: this.flags['dry-run'],
      normalize: this.flags.normalize,
    });
    const dropped = r.action === 'unchanged' && check.existing && !check.existing.exact;
    // the change the user asked for did not land: not OK
    if (dropped || r.action === 'would-be-rejected') this.exitWith(ExitCode.notOk);
    return this.present(r, () => `${renderRegister(r, check, Boolean(dropped))}\n`);
  }
}
