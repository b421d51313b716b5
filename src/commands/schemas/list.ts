import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderSubjects} from '../../output/schemas.js';
import {listSubjects, type SubjectList} from '../../services/schemas/read.js';

export default class SchemasList extends BaseCommand<typeof SchemasList> {
  static override summary = 'List subjects with their latest version, id, type and compatibility level.';
  static override description =
    'Works with any Confluent-compatible registry (Confluent, Apicurio /apis/ccompat/v7, Karapace). A level ' +
    "marked * is the subject's own; others follow the global level. Warns when a list has exactly the length " +
    'of a known server cap (1000 subjects, 500 versions), because it may be truncated.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --prefix inventory. -o wide',
    '<%= config.bin %> <%= command.id %> --deleted --json',
  ];
  static override flags = {
    output: outputFlag,
    prefix: Flags.string({summary: 'Only subjects starting with this prefix.'}),
    deleted: Flags.boolean({summary: 'Include soft-deleted subjects.'}),
    'names-only': Flags.boolean({summary: 'Only names (one request instead of three per subject).'}),
  };

  async run(): Promise<SubjectList> {
    const list = await listSubjects(await this.runContext(), {
      prefix: this.flags.prefix,
      deleted: this.flags.deleted,
      details: !this.flags['names-only'],
    });
    for (const w of list.warnings) this.log$.warn(w);
    return this.present(list, (wide) => renderSubjects(list, wide));
  }
}
