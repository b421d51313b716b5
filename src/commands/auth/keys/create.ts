import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {renderKeyCreated} from '../../../output/webhooks.js';
import {type CreatedKey, createApiKey} from '../../../services/access/api-keys.js';
import {durationMs, parseDuration} from '../../../util/time.js';

export default class AuthKeysCreate extends BaseCommand<typeof AuthKeysCreate> {
  static override summary = "Create an API key for cdcctl's HTTP endpoints (events sse, webhooks serve); shown once.";
  static override description =
    'The key is printed this once and stored only as its SHA-256. It carries one role of the context (viewer, operator, admin or a custom role) and is checked on every request (Authorization: Bearer <key> or X-API-Key: <key>): viewer may read /events, /health and /metrics; posting to /alertmanager needs webhooks:write (operator). Needs the auth:keys permission (admin).';
  static override mutating = true;
  static override permission = 'auth:keys';
  static override args = {name: Args.string({description: 'Key name (unique among live keys).', required: true})};
  static override flags = {
    role: Flags.string({summary: 'Role of the key.', default: 'viewer'}),
    expires: Flags.string({summary: 'Lifetime, e.g. 90d (default: never).'}),
  };
  static override examples = ['<%= config.bin %> <%= command.id %> demo-dashboard --role viewer --expires 90d'];

  async run(): Promise<CreatedKey> {
    const ctx = await this.runContext();
    const k = await createApiKey(
      ctx,
      this.args.name,
      this.flags.role,
      this.flags.expires ? lifetime(this.flags.expires) : undefined,
    );
    return this.present(k, () => renderKeyCreated(k));
  }
}

/** A key's lifetime: a duration, days included (90d). */
function lifetime(text: string): number {
  const days = /^(\d+)d$/.exec(text.trim());
  return days ? durationMs(Number(days[1]), 'd', text) : parseDuration(text);
}
