import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../base-command.js';
import type {SchemaType} from '../../clients/schema-registry.js';
import {NotOkError} from '../../errors.js';
import {mutationFlags} from '../../flags.js';
import {renderCheck} from '../../output/schemas.js';
import {checkSchema, loadSchemaFile, type RegisterResult, registerSchema} from '../../services/schemas/write.js';

export const schemaTypeFlag = Flags.option({
  summary: 'Schema type (default: from the file extension .avsc/.proto, else the content).',
  options: ['AVRO', 'JSON', 'PROTOBUF'] as const,
})();

export default class SchemasRegister extends BaseCommand<typeof SchemasRegister> {
  static override summary = 'Register a schema under a subject, after a compatibility check.';
  static override description = withExitCodes(
    'Checks first. An incompatible schema is refused (exit 3) unless --force, which asks for confirmation and ' +
      'then lets the registry decide (it still rejects what its level forbids). Registering an identical schema ' +
      'is a no-op that returns the existing version.',
  );
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value -f orders.avsc',
    '<%= config.bin %> <%= command.id %> orders-value -f orders.avsc --dry-run',
    '<%= config.bin %> <%= command.id %> orders-value -f orders.avsc --force --yes',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    file: Flags.string({char: 'f', required: true, summary: 'Schema file (- for stdin).'}),
    type: schemaTypeFlag,
    force: Flags.boolean({summary: 'Register even when the check says incompatible (asks first).'}),
    normalize: Flags.boolean({summary: 'Ask the registry to normalise the schema (?normalize=true).'}),
    ...mutationFlags,
  };

  async run(): Promise<RegisterResult> {
    const schema = loadSchemaFile(this.flags.file, this.flags.type as SchemaType | undefined);
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
    if (!this.jsonEnabled()) {
      const line =
        r.action === 'unchanged'
          ? `${r.subject}: unchanged (already version ${r.version}, id ${r.id})`
          : r.action === 'would-register'
            ? `${r.subject}: would register a new version (${check.compatible ? 'compatible' : 'INCOMPATIBLE'}, level ${check.level ?? 'unknown'})`
            : `${r.subject}: registered version ${r.version ?? '?'} (id ${r.id})`;
      process.stdout.write(`${line}\n`);
    }
    return r;
  }
}
