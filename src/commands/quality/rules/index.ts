import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderRules} from '../../../output/quality.js';
import type {ResolvedTable} from '../../../services/quality/types.js';
import {listRules} from '../../../services/quality/validate-rules.js';

export default class QualityRules extends BaseCommand<typeof QualityRules> {
  static override summary = 'List the configured data-quality checks, with their thresholds.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --table demo.accounts -o wide',
  ];
  static override flags = {
    table: Flags.string({char: 't', summary: 'Only this table.'}),
    file: Flags.string({char: 'f', summary: 'Read the checks from this YAML file instead of the context.'}),
    output: outputFlag,
  };

  async run(): Promise<ResolvedTable[]> {
    const {tables} = listRules(await this.runContext(), this.flags.file);
    const shown = tables.filter((t) => !this.flags.table || t.name === this.flags.table);
    return this.present(shown, (wide) => (shown.length ? renderRules(shown, wide) : 'No quality checks configured.'));
  }
}
