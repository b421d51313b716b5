import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {renderDiff} from '../../output/schemas.js';
import {diffSubject, type SchemaDiff} from '../../services/schemas/evolution.js';

export default class SchemasDiff extends BaseCommand<typeof SchemasDiff> {
  static override summary =
    'Field-level evolution diff between two versions, with backward/forward compatibility per change.';
  static override description =
    'AVRO: record/enum/fixed names and aliases, fields added, removed and renamed (aliases on either side), type ' +
    'changes (with Avro promotions), records inside arrays, maps and unions, enum symbols and defaults, fixed ' +
    'sizes, logical types (decimal precision/scale), defaults and docs; each change is judged by Avro schema ' +
    "resolution and the overall verdicts are Avro's own check of the two schemas (recursive schemas included). " +
    'JSON Schema and Protobuf: a line diff of the pretty-printed schemas. Defaults: --to latest, --from the version before it.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value',
    '<%= config.bin %> <%= command.id %> orders-value --from 1 --to 3 --json',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    from: Flags.string({summary: 'Older version (default: the one before --to).'}),
    to: Flags.string({summary: 'Newer version (default: latest).'}),
  };

  async run(): Promise<SchemaDiff> {
    const d = await diffSubject(await this.runContext(), this.args.subject, {from: this.flags.from, to: this.flags.to});
    return this.present(d, () => `${renderDiff(d)}\n`);
  }
}
