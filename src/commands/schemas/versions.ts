import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderVersions} from '../../output/schemas.js';
import {listVersions, type VersionInfo} from '../../services/schemas/read.js';

export default class SchemasVersions extends BaseCommand<typeof SchemasVersions> {
  static override summary = 'List the versions of a subject with their schema ids.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> orders-value',
    '<%= config.bin %> <%= command.id %> orders-value --deleted --json',
  ];
  static override args = {subject: Args.string({required: true, description: 'Subject name.'})};
  static override flags = {
    output: outputFlag,
    deleted: Flags.boolean({summary: 'Include soft-deleted versions.'}),
  };

  async run(): Promise<{subject: string; versions: VersionInfo[]; warnings: string[]}> {
    const result = await listVersions(await this.runContext(), this.args.subject, {deleted: this.flags.deleted});
    for (const w of result.warnings) this.log$.warn(w);
    return this.present(result, (wide) => renderVersions(result.versions, wide));
  }
}
