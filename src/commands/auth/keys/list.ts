import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {outputFlag} from '../../../cli/flags/common.js';
import {renderKeys} from '../../../output/webhooks.js';
import {listKeys} from '../../../services/access/api-keys.js';
import type {ApiKeyRow} from '../../../store/api-keys.js';

export default class AuthKeysList extends BaseCommand<typeof AuthKeysList> {
  static override summary = 'List the API keys of this context (never the keys themselves).';
  static override permission = 'auth:read';
  static override flags = {all: Flags.boolean({summary: 'Include revoked keys.'}), output: outputFlag};
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all -o wide',
  ];

  async run(): Promise<ApiKeyRow[]> {
    const rows = await listKeys(await this.runContext(), this.flags.all);
    return this.present(rows, (wide) => renderKeys(rows, wide));
  }
}
