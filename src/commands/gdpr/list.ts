import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderList} from '../../output/gdpr.js';
import {list} from '../../services/gdpr/requests.js';
import type {RequestView} from '../../services/gdpr/types.js';
import {GDPR_STATES} from '../../store/gdpr-journal.js';

export default class GdprList extends BaseCommand<typeof GdprList> {
  static override summary = 'List erasure requests of the context (the erasure register).';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state needs_operator --state cassandra_deleted -o wide',
  ];
  static override subjectFlags = ['subject'];
  static override flags = {
    output: outputFlag,
    state: Flags.option({
      summary: 'Only requests in this state (repeatable).',
      options: GDPR_STATES,
      multiple: true,
    })(),
    subject: Flags.string({summary: "Only this subject's requests (matched by its HMAC pseudonym)."}),
  };

  async run(): Promise<RequestView[]> {
    const rows = await list(await this.runContext(), {states: this.flags.state, subject: this.flags.subject});
    return this.present(rows, (wide) => renderList(rows, wide));
  }
}
