import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderHistory} from '../../output/schemas.js';
import {type SchemaHistory, subjectHistory} from '../../services/schemas/evolution.js';

export default class SchemasHistory extends BaseCommand<typeof SchemasHistory> {
  static override summary = 'How an Avro subject evolved: a fields × versions matrix.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value',
    '<%= config.bin %> <%= command.id %> orders-value -o yaml',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {output: outputFlag};

  async run(): Promise<SchemaHistory> {
    const h = await subjectHistory(await this.runContext(), this.args.subject);
    return this.present(h, () => renderHistory(h));
  }
}
