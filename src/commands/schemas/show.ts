import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderRawSchema, renderSchema} from '../../output/schemas.js';
import {parseVersion, type SchemaView, showSchema} from '../../services/schemas/read.js';

export default class SchemasShow extends BaseCommand<typeof SchemasShow> {
  static override summary = 'Show one schema, pretty-printed, with its references.';
  static override description =
    'By subject and version (default latest), or by global id (--id), which also lists every subject/version using it.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value',
    '<%= config.bin %> <%= command.id %> orders-value --version 3',
    '<%= config.bin %> <%= command.id %> --id 42 --json',
    '<%= config.bin %> <%= command.id %> orders-value --raw > orders.avsc',
  ];
  static override args = {subject: Args.string({description: 'Subject name.'})};
  static override flags = {
    version: Flags.string({char: 'V', summary: 'Version number or "latest".', default: 'latest'}),
    id: integerFlag({summary: 'Global schema id instead of subject/version.', min: 0}),
    deleted: Flags.boolean({summary: 'Allow reading a soft-deleted version.'}),
    raw: Flags.boolean({summary: 'Print only the schema text, pretty-printed.'}),
  };

  async run(): Promise<SchemaView> {
    if (!this.args.subject && this.flags.id === undefined) throw new UsageError('give a subject or --id');
    const view = await showSchema(await this.runContext(), {
      subject: this.args.subject,
      version: parseVersion(this.flags.version),
      id: this.flags.id,
      deleted: this.flags.deleted,
    });
    return this.present(view, () => `${this.flags.raw ? renderRawSchema(view) : renderSchema(view)}\n`);
  }
}
