import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {revokeKey} from '../../../services/access/api-keys.js';
import type {ApiKeyRow} from '../../../store/api-keys.js';

export default class AuthKeysRevoke extends BaseCommand<typeof AuthKeysRevoke> {
  static override summary = 'Revoke an API key (by name or id): its next request is refused.';
  static override mutating = true;
  static override permission = 'auth:keys';
  static override args = {key: Args.string({description: 'Key name or id.', required: true})};
  static override flags = {yes: mutationFlags.yes};
  static override examples = ['<%= config.bin %> <%= command.id %> demo-dashboard --yes'];

  async run(): Promise<ApiKeyRow> {
    await this.confirm(`revoke API key ${this.args.key}?`);
    const k = await revokeKey(await this.runContext(), this.args.key);
    return this.present(k, () => `revoked API key ${k.name} (${k.keyId})\n`);
  }
}
