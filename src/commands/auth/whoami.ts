import {BaseCommand} from '../../cli/base-command.js';
import {renderWhoami} from '../../output/access.js';
import {type WhoAmI, whoami} from '../../services/access/whoami.js';

export default class AuthWhoami extends BaseCommand<typeof AuthWhoami> {
  static override summary = 'Show who cdcctl thinks you are in this context, your roles and permissions.';
  static override description =
    'The identity is the verified token in CDCCTL_TOKEN (issuer, audience and JWKS from the context’s access.jwt), otherwise the OS user. ' +
    'Roles come from the context’s access.bindings; without any binding no policy is configured and everything is allowed.';
  static override permission = null;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'CDCCTL_TOKEN=$CI_JOB_JWT <%= config.bin %> <%= command.id %> --context prod --json',
  ];

  async run(): Promise<WhoAmI> {
    const result = await whoami(await this.runContext());
    return this.present(result, () => renderWhoami(result));
  }
}
